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
#
# Fake-offline pages must be frozen (v4, the frozen PageOffline API):
# folio_try_get() must fail on every PageOffline page of the block
# (test_page_offline's tryget; /proc/kpagecount shows map counts, so it
# cannot tell), for the pages virtio-mem kept offline when onlining the
# block (after the plug and after every cycle) and for the pages it took
# from the buddy when a later shrink unplugged part of the online block
# (the last phase: 256 MiB then 192 MiB, and one more cycle). On the base
# and on v3 virtio-mem holds a reference on every fake-offline page, but
# their test module cannot count them, so these checks fail there for
# want of tryget; tests/breaks/kept-pages-not-frozen.diff shows them
# failing on the behaviour. A stack without the module (SERIES=C or D:
# the module is posting T's) skips these checks.
# posting: C
# timeout: 600
set -euo pipefail
. tests/lib.sh

cycles=3
[ "$CHECK_QUICK" = 1 ] || cycles=10
scenario_begin offline-partial $((4 + cycles * 5 + 7 + 1))
vm_start || scenario_bail "guest did not boot"

# tap_frozen DESCRIPTION BLOCK: no reference can be taken on a PageOffline
# page of BLOCK, where the kernel has test_page_offline to count them.
have_module=$(vm_run 'find /lib/modules -name test_page_offline.ko | grep -q . && echo 1 || echo 0')
tap_frozen() {
	if [ "$have_module" = 1 ]; then
		tap_eq "$1" "$(guest_offline_refs "$2" 2>&1)" 0
	else
		tap_skip "$1" "this kernel has no test_page_offline module (posting T)"
	fi
}

tap_run "plugged 192 MiB (one and a half memory blocks)" vmem resize 192M --wait
read -r blk offline0 zone < <(guest_partial_block) || true
if [ -z "${blk:-}" ]; then
	scenario_bail "no partially plugged virtio-mem block: $(vm_run blockinfo | paste -sd';')"
fi
tap_eq "half of memory$blk is fake-offline (pages)" "$offline0" $((64 << 8))
tap_eq "no fake-offline page of memory$blk is KPF_DIRTY" \
	"$(guest_block_field "$blk" dirty)" 0
tap_frozen "no reference can be taken on a fake-offline page of memory$blk (never onlined)" "$blk"
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
	tap_frozen "cycle $i: no reference can be taken on a fake-offline page" "$blk"
done

# Unplug part of the online block: virtio-mem takes the pages from the
# buddy instead of keeping them offline while onlining.
tap_run "plugged 256 MiB (two whole memory blocks)" vmem resize 256M --wait
tap_run "unplugged 64 MiB of online memory$blk" vmem resize 192M --wait
tap_eq "half of memory$blk is fake-offline again (pages)" \
	"$(guest_offline_pages "$blk")" "$offline0"
tap_frozen "no reference can be taken on an unplugged page of memory$blk" "$blk"
tap_run "offline memory$blk after the unplug" guest_block_write "$blk" state offline
tap_run "$online memory$blk again" guest_block_write "$blk" state "$online"
tap_frozen "no reference can be taken on a fake-offline page after offline/online" "$blk"

scenario_end
