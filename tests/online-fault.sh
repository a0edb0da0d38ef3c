#!/usr/bin/env bash
# Onlining fails in KASAN's memory notifier, and nothing is freed twice:
# 256 MiB plugged and left offline (memhp_default_state=offline), then
# fail_page_alloc set to fail every page allocation made from
# kasan_mem_notifier() (the stack filter: require-start/end around it),
# and "echo online_movable > state" for one block. The shadow allocation
# fails, vmalloc leaves its area to a deferred cleanup, and onlining is
# cancelled. The write must fail with ENOMEM, the block stay offline, and
# once the injection is off, the block must online (MemTotal + 128 MiB);
# the console must stay free of splats: freeing the failed allocation on
# MEM_CANCEL_ONLINE as well, as 7.3 does, makes the deferred cleanup free
# it again ("kernel BUG at mm/vmalloc.c:4889" in free_vm_area() when no
# page had been allocated, a vfree() warning otherwise). Fails on the base
# (EPERM, then that BUG: the guest dies).
# posting: E2
# needs: CONFIG_KASAN CONFIG_FAIL_PAGE_ALLOC CONFIG_FAULT_INJECTION_STACKTRACE_FILTER
# timeout: 300
set -euo pipefail
. tests/lib.sh

scenario_begin online-fault 9
fpa=/sys/kernel/debug/fail_page_alloc

VM_BOOT_MEM=1G VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=offline vm_start ||
	scenario_bail "guest did not boot"
tap_run "plugged 256 MiB, left offline" vmem -t 120 resize 256M --wait
mem0=$(guest_memtotal_kb)
block=$(guest_offline_blocks | head -n 1)
[ -n "$block" ] || scenario_bail "no offline memory block"

# kasan_mem_notifier() and the symbol after it.
range=$(vm_run "sort /proc/kallsyms |
	awk '\$3 == \"kasan_mem_notifier\" { s = \$1; getline; print s, \$1; exit }'") || true
read -r start end <<<"$range"
[ -n "${end:-}" ] || scenario_bail "no kasan_mem_notifier in /proc/kallsyms"
diag "failing page allocations from kasan_mem_notifier() (0x$start-0x$end) while onlining memory$block"
tap_run "fail_page_alloc armed" vm_run "echo 0x$start >$fpa/require-start && echo 0x$end >$fpa/require-end &&
	echo N >$fpa/ignore-gfp-wait && echo N >$fpa/ignore-gfp-highmem && echo 0 >$fpa/min-order &&
	echo 1 >$fpa/verbose &&
	echo -1 >$fpa/times && echo 100 >$fpa/probability"

rc=0
out=$(guest_block_write "$block" state online_movable 2>&1) || rc=$?
[ "$rc" -ne 0 ] && [[ "$out" == *"Cannot allocate memory"* ]] && rc=0 || rc=1
tap_ok "$rc" "onlining memory$block fails with ENOMEM" "the write said: ${out:-nothing (it succeeded)}"
n=$(vm_run "dmesg | grep -c 'FAULT_INJECTION: forcing a failure' || true")
tap_ok "$([ "$n" -gt 0 ]; echo $?)" "the injection failed the shadow allocation ($n page allocations)"
tap_run "fail_page_alloc disarmed" vm_run "echo 0 >$fpa/probability"
tap_eq "memory$block is offline after its failed online" "$(guest_block_state "$block")" offline
tap_run "memory$block onlines without the injection" guest_block_write "$block" state online_movable
want=$((mem0 + (128 << 10)))
tap_eq "MemTotal grew by 128 MiB (kB)" "$(guest_wait_value "$want" 10 guest_memtotal_kb)" "$want"
# The deferred cleanup of the failed allocation runs from a workqueue.
sleep 2
scenario_end
