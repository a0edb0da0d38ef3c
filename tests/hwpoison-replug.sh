#!/usr/bin/env bash
# A page of an unplugged subblock of an online memory block is poisoned,
# the subblock is plugged back, and then the block must still go offline
# and the device must still shrink below it.
#
# The subblock is unplugged from an online block, so its pages come from
# the page allocator (alloc_contig_range()); never-onlined pages are
# cleared by generic onlining and cannot show this. Plugging it back hands
# the pages to the page allocator, which keeps the poisoned one out of the
# buddy: it must come out a plain poisoned page, which memory offlining
# skips, not a PageOffline page that is no longer skippable, which makes
# every offline of its block fail with EBUSY.
#
# Guards the fix of review point M1 in "mm/page_offline: add an API for
# frozen PageOffline pages" (posting D). Passes on the unpatched base,
# whose virtio-mem clears PageOffline before freeing. Failed on v6: the
# page stayed PageOffline, "offline memory33" failed with "Device or
# resource busy", and the device stopped at 2 MiB (the subblock of the
# poisoned page) with memory33 present.
# posting: D
# needs: CONFIG_MEMORY_FAILURE CONFIG_HWPOISON_INJECT
# timeout: 600
set -euo pipefail
. tests/lib.sh

scenario_begin hwpoison-replug 12
vm_start || scenario_bail "guest did not boot"

block_kb=$(($(guest_block_bytes) >> 10))
mem0=$(guest_memtotal_kb)
tap_run "plugged 256 MiB (two memory blocks)" vmem resize 256M --wait
mem_full=$(guest_wait_value $((mem0 + (256 << 10))) 10 guest_memtotal_kb)
tap_run "unplugged to 192 MiB" vmem resize 192M --wait
read -r blk offline0 zone < <(guest_partial_block) || true
[ -n "${blk:-}" ] || scenario_bail "no partially plugged online block: $(vm_run blockinfo | paste -sd';')"
pfn=$(guest_block_field "$blk" first)
[[ "$pfn" == 0x* ]] || scenario_bail "memory$blk has no PageOffline page: $(vm_run "blockinfo $blk")"
diag "memory$blk ($zone): $offline0 pages unplugged, first at pfn $pfn; MemTotal with 256 MiB: $mem_full kB"

# kpageflags bits: KPF_OFFLINE 23, KPF_HWPOISON 19.
page_flags() {
	local f
	f=$(vm_run "dd if=/proc/kpageflags bs=8 skip=$((pfn)) count=1 2>/dev/null | od -An -tu8" | tr -d ' ')
	echo "$(((${f:-0} >> 23) & 1))$(((${f:-0} >> 19) & 1))"
}

out=$(vm_run "echo $pfn > /sys/kernel/debug/hwpoison/corrupt-pfn" 2>&1) || true
diag "memory failure injected at pfn $pfn: ${out:-ok}"
tap_eq "pfn $pfn is PageOffline and poisoned (KPF_OFFLINE, KPF_HWPOISON)" "$(page_flags)" 11

tap_run "plugged back to 256 MiB" vmem resize 256M --wait
tap_eq "MemTotal is back to its 256 MiB value (kB)" \
	"$(guest_wait_value "$mem_full" 10 guest_memtotal_kb)" "$mem_full"
tap_eq "pfn $pfn is a poisoned page, no longer PageOffline" "$(page_flags)" 01

tap_run "offline memory$blk" guest_block_write "$blk" state offline
# The block holds the guest's own pages too; one held for a moment is
# dumped and retried.
tap_retry_dumps "no PageOffline page dumped by the offline"
tap_eq "MemTotal dropped by the whole block (kB)" "$(guest_memtotal_kb)" $((mem_full - block_kb))

tap_run "the device shrinks to 0, below memory$blk" vmem -t 60 resize 0 --wait
tap_eq "memory$blk is removed" \
	"$(vm_run "[ -e /sys/devices/system/memory/memory$blk ] && echo present || echo removed")" removed
scenario_end
