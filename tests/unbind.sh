#!/usr/bin/env bash
# Forced removal of the virtio-mem driver (sysfs unbind) while a partially
# plugged memory block is online. The driver can no longer keep unplugged
# subblocks out of the buddy on a later re-online, so offlining that block
# must fail with EBUSY (never expose unplugged memory), the guest keeps
# running, and no failed offline dumps a PageOffline page on the console:
# such orphaned pages are expected unmovables, like Hyper-V's or Xen's
# PageOffline pages. Done once with the block in ZONE_MOVABLE and once in
# ZONE_NORMAL (two boots), since page isolation only looks at pages
# outside ZONE_MOVABLE. In ZONE_MOVABLE a failed offline must print
# nothing from mm (no page dump, no offlining message). In ZONE_NORMAL
# the kernel soon allocates slab and other unmovable memory in the block;
# isolation then fails on such a page first and dumps it, on both kernels
# (expected, so the console scan ignores those dumps there); what must
# not appear is a dump of a PageOffline page.
#
# Base: the driver unregisters its notifier, so nobody drops the pages'
# references and offlining fails quietly (pr_debug). Series: the driver
# clears "skippable" on its pages when it goes away; without that hunk
# offlining would succeed. v1 of the series dumped the first unmovable
# page of a failed isolation even if it was PageOffline.
# posting: C
# timeout: 900
set -euo pipefail
. tests/lib.sh

attempts=3
scenario_begin unbind $((2 * 10))
for zone in Movable Normal; do
	vm_start || scenario_bail "guest did not boot"
	tap_run "$zone: plugged 192 MiB" vmem resize 192M --wait
	read -r blk offline0 _ < <(guest_partial_block) || true
	[ -n "${blk:-}" ] || scenario_bail "no partially plugged block"
	if [ "$zone" = Normal ]; then
		tap_run "$zone: memory$blk moved to ZONE_NORMAL" vm_run \
			"echo offline > /sys/devices/system/memory/memory$blk/state &&
			 echo online_kernel > /sys/devices/system/memory/memory$blk/state"
	else
		tap_eq "$zone: memory$blk starts online" "$(guest_block_state "$blk")" online
	fi
	tap_eq "$zone: memory$blk is in ZONE_${zone^^}" \
		"$(vm_run "cat /sys/devices/system/memory/memory$blk/valid_zones")" "$zone"

	dev=$(vm_run 'ls -d /sys/bus/virtio/drivers/virtio_mem/virtio* | head -n 1')
	tap_run "$zone: unbound the virtio-mem driver from ${dev##*/}" \
		vm_run "echo ${dev##*/} > /sys/bus/virtio/drivers/virtio_mem/unbind"
	sleep 1
	lines0=$(vm_console_lines)
	rc=0 out=""
	for ((i = 1; i <= attempts; i++)); do
		out=$(guest_block_write "$blk" state offline 2>&1) && { rc=1; break; }
		[[ "$out" == *"Device or resource busy"* ]] || { rc=1; break; }
	done
	tap_ok "$rc" "$zone: offlining the orphaned memory$blk fails with EBUSY ($attempts attempts)" "last answer: $out"
	sleep 1
	new=$(vm_console_since "$lines0")
	if [ "$zone" = Movable ]; then
		# Only mm lines count: TCG's timing noise (clocksource watchdog)
		# may land in the window and says nothing about offlining.
		tap_eq "$zone: mm console lines printed by $attempts failed offlines" \
			"$(grep -Eci 'page|memory|offlin|migrat|isolat' <<<"$new" || true)" 0
	else
		diag "$zone: $(grep -c 'page dumped because' <<<"$new" || true) page dump(s) of other unmovable pages"
		tap_eq "$zone: PageOffline pages dumped by $attempts failed offlines" \
			"$(grep -c 'page_type: f1(offline)' <<<"$new" || true)" 0
	fi
	[ -z "$new" ] || diag "$(head -n 14 <<<"$new")"
	tap_eq "$zone: memory$blk stays online" "$(guest_block_state "$blk")" online
	tap_eq "$zone: its unplugged pages are still PageOffline" "$(guest_offline_pages "$blk")" "$offline0"
	tap_run "$zone: guest still runs a workload (memcheck 64 MiB)" vm_run 'memcheck -s 1 64'
	VM_SPLAT_IGNORE=
	[ "$zone" = Movable ] || VM_SPLAT_IGNORE='page dumped because: unmovable page'
	tap_console "${zone,,}"
done
[ "$tap_failed" -eq 0 ]
