#!/usr/bin/env bash
# The mm kselftests linux-mm's CI runs on every posted series, as that CI
# runs them: tools/testing/selftests/mm/run_vmtests.sh -t CATEGORY, one
# category at a time, and the memory-hotplug selftest with its default
# arguments, in a guest with two NUMA nodes and four CPUs. A partially
# plugged virtio-mem device (eight full blocks and a half-plugged one) puts
# PageOffline pages next to the memory the tests migrate, compact and
# offline. Each category's TAP is kept ($VM_DIR/CATEGORY.tap) and shown as
# a subtest of its result line; the console's splats are kept in
# $VM_DIR/splats.txt. make check-upstream runs this on the base and on the
# series and compares the two (scripts/check-upstream.sh): a test that
# fails on both is the base's, not the series'.
# MM_CATEGORIES="a b" overrides the categories.
# on-demand: check-upstream
# timeout: 10800
set -euo pipefail
. tests/lib.sh

read -r -a categories <<<"${MM_CATEGORIES:-migration compaction hugetlb gup_test cow memory-failure}"
limit=${MM_CATEGORY_LIMIT:-1800}

scenario_begin mm-selftests $((${#categories[@]} + 3))
# mem-on-off-test tries boot-memory blocks too, and offlining dumps the
# first unmovable page it meets as information, not as a bug; gup_test's
# dump_pages() test dumps pages on purpose.
VM_SPLAT_IGNORE='page dumped because: (unmovable page|gup_test: dump_pages\(\) test)'
VM_NUMA=2 VM_SMP=4 VM_BOOT_MEM=2G vm_start || scenario_bail "guest did not boot"
tap_run "plugged 1 GiB + 64 MiB" vmem resize 1088M --wait

# run_category NAME COMMAND: one result line for NAME, with the command's
# TAP (or output) indented under it as its subtest.
run_category() {
	local name=$1 cmd=$2 out rc=0 counts line
	out=$(vm_run "$cmd" "$limit" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$VM_DIR/$name.tap"
	while IFS= read -r line; do echo "    $line"; done <<<"$out"
	counts=$(grep -o 'SUMMARY: .*' <<<"$out" | tail -n 1 || true)
	case "$rc" in
	0) tap_ok 0 "$name${counts:+ ($counts)}" ;;
	4)
		# kselftest's skip status: some tests skipped, none failed.
		if grep -v '# SKIP' <<<"$out" | grep -q '^ok '; then
			tap_ok 0 "$name ($counts)"
		else
			tap_skip "$name" "$(grep -m 1 -i 'skip' <<<"$out" || echo 'exit status 4')"
		fi
		;;
	*) tap_ok 1 "$name${counts:+ ($counts)}" "exit status $rc; TAP: $VM_DIR/$name.tap" ;;
	esac
}

for c in "${categories[@]}"; do
	run_category "$c" "cd /opt/bench/mm && bash run_vmtests.sh -t '$c'"
done
run_category hotplug 'cd /opt/bench/memory-hotplug && bash mem-on-off-test.sh'

vm_stop
rc=0
vm_scan_console "$VM_DIR/console.log" >"$VM_DIR/splats.txt" || rc=$?
tap_ok "$rc" "console free of kernel splats" "$VM_DIR/console.log:" "$(cat "$VM_DIR/splats.txt")"
[ "$tap_failed" -eq 0 ]
