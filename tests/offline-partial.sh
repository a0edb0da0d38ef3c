#!/usr/bin/env bash
# A memory block that virtio-mem plugged only partly (64 MiB of a 128 MiB
# block, SBM) goes offline and online again through sysfs, repeatedly. The
# unplugged half must stay PageOffline across every cycle (it may never
# reach the buddy) and MemTotal must not move.
#
# With the series, offlining skips the "skippable" PageOffline pages; on the
# base kernel virtio-mem's MEM_GOING_OFFLINE refcount trick does the same
# (regression guard). Without the series' SetPageOfflineSkippable() the
# offline step fails with EBUSY (tests/breaks/no-skippable.diff).
#
# The never-onlined half must not be PageDirty (KPF_DIRTY): the series
# replaced virtio-mem's PG_dirty marker with PageOfflineNeverOnlined().
# That check fails on the unpatched base.
# timeout: 600
set -euo pipefail
. tests/lib.sh

cycles=3
[ "$CHECK_QUICK" = 1 ] || cycles=10
scenario_begin offline-partial $((3 + cycles * 4 + 1))
vm_start || scenario_bail "guest did not boot"

tap_run "plugged 192 MiB (one and a half memory blocks)" vmem resize 192M --wait
read -r blk offline0 zone < <(guest_partial_block) || true
if [ -z "${blk:-}" ]; then
	scenario_bail "no partially plugged virtio-mem block: $(vm_run blockinfo | paste -sd';')"
fi
tap_eq "half of memory$blk is fake-offline (pages)" "$offline0" $((64 << 8))
tap_eq "no fake-offline page of memory$blk is KPF_DIRTY" \
	"$(guest_block_field "$blk" dirty)" 0
case "$zone" in Movable) online=online_movable ;; *) online=online_kernel ;; esac
mem0=$(guest_memtotal_kb)
diag "memory$blk: $offline0 pages PageOffline, zone $zone, MemTotal $mem0 kB"

for ((i = 1; i <= cycles; i++)); do
	tap_run "cycle $i: offline memory$blk" guest_block_write "$blk" state offline
	tap_eq "cycle $i: memory$blk state" "$(guest_block_state "$blk")" offline
	tap_run "cycle $i: $online memory$blk" guest_block_write "$blk" state "$online"
	got_off=$(guest_offline_pages "$blk")
	got_mem=$(guest_memtotal_kb)
	rc=0
	[ "$got_off" = "$offline0" ] && [ "$got_mem" = "$mem0" ] || rc=1
	tap_ok "$rc" "cycle $i: PageOffline pages and MemTotal unchanged" \
		"PageOffline $got_off (want $offline0), MemTotal $got_mem kB (want $mem0)"
done

scenario_end
