#!/usr/bin/env bash
# A fake-offline page of a partially plugged block is poisoned through the
# hwpoison injector in debugfs, then the block goes offline. MemTotal and
# the zone's managed pages must drop by exactly the plugged part of the
# block: the poisoned page was never managed (virtio-mem never onlined
# it), so offlining must not subtract it a second time. The block cannot
# come back online afterwards: the kernel refuses to online a memory block
# with a poisoned page (EHWPOISON), on both kernels.
#
# Guards "mm/memory_hotplug: do not count poisoned skipped PageOffline
# pages as managed". Fails on the unpatched base: there offlining takes
# one page more off MemTotal and managed than the block contributed.
# posting: A
# needs: CONFIG_MEMORY_FAILURE CONFIG_HWPOISON_INJECT
# timeout: 600
set -euo pipefail
. tests/lib.sh

scenario_begin hwpoison 9
vm_start || scenario_bail "guest did not boot"

tap_run "plugged 192 MiB (one and a half memory blocks)" vmem resize 192M --wait
read -r blk offline0 zone < <(guest_partial_block) || true
[ -n "${blk:-}" ] || scenario_bail "no partially plugged virtio-mem block: $(vm_run blockinfo | paste -sd';')"
case "$zone" in Movable) online=online_movable ;; *) online=online_kernel ;; esac
pfn=$(guest_block_field "$blk" first)
pages=$(guest_block_field "$blk" pages)
[[ "$pfn" == 0x* ]] || scenario_bail "memory$blk has no PageOffline page: $(vm_run "blockinfo $blk")"
zone=${zone%% *}
plugged=$((pages - offline0))

# managed pages of ZONE in node 0
guest_managed() { vm_run "awk '/^Node 0, zone/ {z = \$4} z == \"$zone\" && \$1 == \"managed\" {print \$2; exit}' /proc/zoneinfo"; }
mem0=$(guest_memtotal_kb)
man0=$(guest_managed)
diag "memory$blk ($zone): $plugged of $pages pages plugged, first PageOffline pfn $pfn; MemTotal $mem0 kB, managed $man0"

# memory_failure() cannot handle a PageOffline page and answers EBUSY
# (MF_IGNORED), but it has poisoned the page by then: kpageflags tells.
out=$(vm_run "echo $pfn > /sys/kernel/debug/hwpoison/corrupt-pfn" 2>&1) || true
diag "injecting a memory failure at pfn $pfn: ${out:-ok}"
# KPF_OFFLINE is bit 23 and KPF_HWPOISON bit 19 of /proc/kpageflags
flags=$(vm_run "dd if=/proc/kpageflags bs=8 skip=$((pfn)) count=1 2>/dev/null | od -An -tu8" | tr -d ' ')
tap_eq "pfn $pfn is PageOffline and poisoned (KPF_OFFLINE, KPF_HWPOISON)" \
	"$(((${flags:-0} >> 23) & 1))$(((${flags:-0} >> 19) & 1))" 11
tap_eq "MemTotal unchanged by the injection (kB)" "$(guest_memtotal_kb)" "$mem0"

tap_run "offline memory$blk" guest_block_write "$blk" state offline
tap_eq "MemTotal dropped by the $plugged plugged pages only (kB)" \
	"$(guest_memtotal_kb)" $((mem0 - plugged * 4))
tap_eq "$zone managed pages dropped by the $plugged plugged pages only" \
	"$(guest_managed)" $((man0 - plugged))
tap_write_fails "onlining a block with a poisoned page is refused (EHWPOISON)" \
	"Memory page has hardware error" "$blk" state "$online"
tap_eq "MemTotal after the refused online (kB)" "$(guest_memtotal_kb)" $((mem0 - plugged * 4))
scenario_end
