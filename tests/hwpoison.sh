#!/usr/bin/env bash
# A fake-offline page of a partially plugged block is poisoned through the
# hwpoison injector in debugfs, then the block goes offline and online
# again. MemTotal and the zone's managed pages must come back exactly:
# the poisoned page was never managed (virtio-mem never onlined it), so
# offlining must not subtract it a second time.
#
# Guards "mm/memory_hotplug: do not count poisoned skipped PageOffline
# pages as managed". Fails on the unpatched base: there MemTotal and
# managed drop by one page per cycle with a poisoned fake-offline page.
set -euo pipefail
. tests/lib.sh

scenario_begin hwpoison 11
vm_start || scenario_bail "guest did not boot"

tap_run "plugged 192 MiB (one and a half memory blocks)" vmem resize 192M --wait
read -r blk offline0 zone < <(guest_partial_block) || true
[ -n "${blk:-}" ] || scenario_bail "no partially plugged virtio-mem block: $(vm_run blockinfo | paste -sd';')"
case "$zone" in Movable) online=online_movable ;; *) online=online_kernel ;; esac
pfn=$(vm_run "blockinfo $blk" | sed -n 's/.* first=\(0x[0-9a-f]*\).*/\1/p')
[ -n "$pfn" ] || scenario_bail "memory$blk has no PageOffline page: $(vm_run "blockinfo $blk")"
zone=${zone%% *}

# managed pages of ZONE in node 0
guest_managed() { vm_run "awk '/^Node 0, zone/ {z = \$4} z == \"$zone\" && \$1 == \"managed\" {print \$2; exit}' /proc/zoneinfo"; }
mem0=$(guest_memtotal_kb)
man0=$(guest_managed)
diag "memory$blk ($zone): $offline0 PageOffline pages, first at pfn $pfn; MemTotal $mem0 kB, managed $man0"

tap_run "inject a memory failure at pfn $pfn" vm_run "echo $pfn > /sys/kernel/debug/hwpoison/corrupt-pfn"
# KPF_HWPOISON is bit 19 of /proc/kpageflags
flags=$(vm_run "dd if=/proc/kpageflags bs=8 skip=$((pfn)) count=1 2>/dev/null | od -An -tu8" | tr -d ' ')
tap_eq "pfn $pfn is PageOffline and poisoned (KPF_OFFLINE, KPF_HWPOISON)" \
	"$(((${flags:-0} >> 23) & 1))$(((${flags:-0} >> 19) & 1))" 11
tap_eq "MemTotal unchanged by the injection (kB)" "$(guest_memtotal_kb)" "$mem0"

tap_run "offline memory$blk" guest_block_write "$blk" state offline
tap_run "$online memory$blk" guest_block_write "$blk" state "$online"
tap_eq "MemTotal after the cycle (kB)" "$(guest_memtotal_kb)" "$mem0"
tap_eq "$zone managed pages after the cycle" "$(guest_managed)" "$man0"
tap_eq "PageOffline pages of memory$blk after the cycle" "$(guest_offline_pages "$blk")" "$offline0"
# A second cycle: the counters stay put (the poison is gone with the old memmap).
if guest_block_write "$blk" state offline >/dev/null 2>&1; then
	guest_block_write "$blk" state "$online" >/dev/null 2>&1 || true
fi
tap_eq "MemTotal after a second cycle (kB)" "$(guest_memtotal_kb)" "$mem0"
scenario_end
