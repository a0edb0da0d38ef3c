#!/usr/bin/env bash
# make check-upstream: the mm kselftests linux-mm's CI runs
# (tests/mm-selftests.sh) on the base and then on the series, debug config,
# in one run, then the two side by side (scripts/upstream-table.pl): no
# test that passes or skips on the base may fail on the series, and the
# series' console may have no splat the base's lacks. The kernels and their
# usual initramfs are built by make; this adds an initramfs with the whole
# installed mm kselftest tree. Logs and the table: build/logs/upstream-DATE/.
#   check-upstream.sh SERIES_LABEL      (series or series-NAME)
set -uo pipefail

series=${1:-series}
logs=build/logs/upstream-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$logs"
for k in base "$series"; do
	initrd=build/initramfs/$k-debug-kselftest.cpio.gz
	scripts/initramfs.sh "build/kbuild/$k-debug" "$initrd" "build/selftests/$k-kselftest" >/dev/null || exit 1
	echo "check-upstream: $k (logs in $logs/$k/)"
	rc=0
	CHECK_KERNEL=build/kbuild/$k-debug/arch/x86/boot/bzImage CHECK_INITRD=$initrd \
		CHECK_LOGS=$logs/$k CHECK_KERNEL_LABEL=$k tests/run.sh mm-selftests || rc=$?
	# 130: interrupted; the run said so. Anything else is a verdict, which
	# the comparison judges (a test may fail on both kernels).
	[ "$rc" -ne 130 ] || exit 130
	[ -f "$logs/$k/mm-selftests.tap" ] || { echo "check-upstream: the $k run left no results" >&2; exit 1; }
done
rc=0
perl scripts/upstream-table.pl "$logs/base" "$logs/$series" >"$logs/table.md" || rc=$?
cat "$logs/table.md"
echo "check-upstream: table in $logs/table.md"
exit "$rc"
