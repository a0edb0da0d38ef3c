#!/usr/bin/env bash
# Upstream regression tests in a guest with a partially plugged virtio-mem
# device (1 GiB + 64 MiB plugged: eight full blocks and a half-plugged one)
# and two NUMA nodes:
#  - memory-hotplug/mem-on-off-test.sh -r 50 (offline/online of half the
#    removable blocks, then its notifier error-injection part, with the
#    injector after virtio-mem);
#  - mm/compaction_test (contiguous allocation by compaction);
#  - mm/migration (page migration between nodes).
# Each must pass (or skip, with its reason) on the series as on the base.
# posting: C
# timeout: 1800 3600
set -euo pipefail
. tests/lib.sh

scenario_begin upstream 5
# mem-on-off-test tries boot-memory blocks too; when one holds unmovable
# pages the kernel dumps the first one as information, not as a bug.
VM_SPLAT_IGNORE='page dumped because: unmovable page'
# migration needs two nodes and at least three CPUs. The built-in error
# injector runs after virtio-mem in the notifier chain, so the errors
# mem-on-off-test injects go through virtio-mem's cancel paths.
VM_APPEND="memory_notifier_error_inject.priority=-1" VM_NUMA=2 VM_SMP=4 VM_BOOT_MEM=1G vm_start ||
	scenario_bail "guest did not boot"
tap_run "plugged 1 GiB + 64 MiB" vmem resize 1088M --wait

run_upstream() {   # run_upstream NAME LIMIT COMMAND
	local name=$1 limit=$2 cmd=$3 out rc=0
	out=$(vm_run "cd /opt/bench && $cmd" "$limit" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$VM_DIR/$name.log"
	case "$rc" in
	0) tap_ok 0 "$name" ;;
	4) tap_skip "$name" "$(grep -m 1 -i 'skip' <<<"$out" || echo 'exit status 4')" ;;
	*) tap_ok 1 "$name" "exit status $rc; log: $VM_DIR/$name.log" "$(tail -n 15 <<<"$out")" ;;
	esac
}

run_upstream mem-on-off-test 900 'bash memory-hotplug/mem-on-off-test.sh -r 50'
run_upstream compaction_test 600 './compaction_test'
run_upstream migration 600 './migration'
scenario_end
