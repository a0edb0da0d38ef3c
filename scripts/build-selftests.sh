#!/usr/bin/env bash
# Build the mm and memory-hotplug kselftests of KERNEL's tree (series:
# build/linux; series-NAME: that posting's stack; base: the build/linux-base
# worktree) with the kernel's own kselftest Makefile, statically linked,
# and install them (make install: run_vmtests.sh, the ksft_*.sh wrappers,
# the kselftest helpers) into build/selftests/KERNEL-kselftest/, which
# make check-upstream boots. build/selftests/KERNEL/ gets the few programs
# the scenarios run; one the tree lacks (the series' own test, on the base)
# is left out with a note.
set -euo pipefail

kernel=${1:?usage: build-selftests.sh series|series-NAME|base}
case "$kernel" in
series) src=build/linux ;;
series-*)
	# shellcheck source=scripts/lib-series.sh
	. scripts/lib-series.sh
	src=$(stack_tree "${kernel#series-}")
	;;
base) src=build/linux-base ;;
*) echo "build-selftests: unknown kernel '$kernel'" >&2; exit 1 ;;
esac
[ -d "$src" ] || { echo "build-selftests: no $src; build the $kernel kernel first" >&2; exit 1; }
src=$(cd "$src" && pwd)
top=$PWD/build/selftests
out=$top/$kernel inst=$top/$kernel-kselftest hdr=$top/headers-$kernel
mkdir -p "$out"

if [ ! -f "$hdr/.done" ] || [ "$src/include/uapi" -nt "$hdr/.done" ]; then
	make -s -C "$src" O="$hdr/obj" INSTALL_HDR_PATH="$hdr" headers_install >/dev/null
	touch "$hdr/.done"
fi
# -static in EXTRA_CFLAGS reaches every compile and link line of the mm
# Makefile: the guest has no C library.
log=$top/$kernel-kselftest.log
if ! make -s -C "$src/tools/testing/selftests" TARGETS="mm memory-hotplug" \
	O="$top/obj-$kernel" KHDR_INCLUDES="-isystem $hdr/include" EXTRA_CFLAGS=-static \
	INSTALL_PATH="$inst" -j"$(nproc)" install >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "build-selftests: building the mm kselftests of $src failed; log: $log" >&2
	exit 1
fi

# What the scenarios run, at the paths they use (/opt/bench/...).
for t in virtio_mem_offline compaction_test migration; do
	if [ -x "$inst/mm/$t" ]; then
		cp -p "$inst/mm/$t" "$out/"
	else
		echo "build-selftests: $kernel has no mm/$t; not built"
	fi
done
mkdir -p "$out/memory-hotplug" "$out/kselftest"
cp -p "$inst/memory-hotplug/mem-on-off-test.sh" "$out/memory-hotplug/"
cp -p "$inst/kselftest/ktap_helpers.sh" "$out/kselftest/"
echo "build-selftests: $kernel selftests in $out, the whole mm set in $inst"
