#!/usr/bin/env bash
# Build the kselftests the guest runs, statically, from the tree of KERNEL
# (series: build/linux; base: the build/linux-base worktree) into
# build/selftests/KERNEL/. Programs that do not exist in that tree (the
# series' own tests on the base kernel) are skipped with a note.
set -euo pipefail

kernel=${1:?usage: build-selftests.sh series|base}
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
out=build/selftests/$kernel
mkdir -p "$out"
[ -d "$src" ] || { echo "build-selftests: no $src; build the $kernel kernel first" >&2; exit 1; }
src=$(cd "$src" && pwd)

# mm selftests the scenarios run, and the upstream memory-hotplug script.
mm_tests=(virtio_mem_offline compaction_test migration)
hdr=$PWD/build/selftests/headers-$kernel
if [ ! -f "$hdr/.done" ] || [ "$src/include/uapi" -nt "$hdr/.done" ]; then
	make -s -C "$src" O="$hdr/obj" INSTALL_HDR_PATH="$hdr" headers_install >/dev/null
	touch "$hdr/.done"
fi
mm=$src/tools/testing/selftests/mm
for t in "${mm_tests[@]}"; do
	if [ ! -f "$mm/$t.c" ]; then
		echo "build-selftests: $kernel has no mm/$t.c; not built"
		continue
	fi
	if [ ! -x "$out/$t" ] || [ "$mm/$t.c" -nt "$out/$t" ]; then
		extra=()
		[ "$t" = migration ] && extra=(-lnuma)
		gcc -O2 -static -Wall -D_GNU_SOURCE -isystem "$hdr/include" \
			-I "$src/tools/testing/selftests" -I "$mm" -I "$src/tools/include/uapi" \
			-o "$out/$t" "$mm/$t.c" "$mm/vm_util.c" "$mm/hugepage_settings.c" \
			"${extra[@]}" -lpthread -lm ||
			{ echo "build-selftests: building mm/$t from $src failed" >&2; exit 1; }
	fi
done
mkdir -p "$out/memory-hotplug" "$out/kselftest"
cp "$src/tools/testing/selftests/memory-hotplug/mem-on-off-test.sh" "$out/memory-hotplug/"
cp "$src/tools/testing/selftests/kselftest/ktap_helpers.sh" "$out/kselftest/"
echo "build-selftests: $kernel selftests in $out"
