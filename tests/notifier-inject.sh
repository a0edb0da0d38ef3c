#!/usr/bin/env bash
# Memory-notifier error injection while offlining and onlining a partially
# plugged virtio-mem block. An injected MEM_GOING_OFFLINE error must leave
# the block online with its unplugged pages still PageOffline and MemTotal
# unchanged; an injected MEM_GOING_ONLINE error must leave it offline. Then,
# without injection, the block goes offline and online cleanly.
#
# The injector runs once before virtio-mem in the notifier chain (default
# priority: the driver's GOING_OFFLINE handler never runs) and once after it
# (priority -1: the driver's handler runs and then its CANCEL_OFFLINE path).
# On the base kernel the second order exercises virtio-mem's refcount undo.
# posting: C
# timeout: 600
set -euo pipefail
. tests/lib.sh

inject=/sys/kernel/debug/notifier-error-inject/memory/actions
per_boot=13
scenario_begin notifier-inject $((2 * per_boot))

one_boot() {   # one_boot LABEL PRIORITY
	local label=$1 prio=$2 blk offline0 zone online mem0
	VM_APPEND="memory_notifier_error_inject.priority=$prio" vm_start ||
		scenario_bail "$label: guest did not boot"
	tap_run "$label: plugged 192 MiB" vmem resize 192M --wait
	read -r blk offline0 zone < <(guest_partial_block) || true
	[ -n "${blk:-}" ] || scenario_bail "$label: no partially plugged block"
	case "$zone" in Movable) online=online_movable ;; *) online=online_kernel ;; esac
	mem0=$(guest_memtotal_kb)

	vm_run "echo -12 > $inject/MEM_GOING_OFFLINE/error" >/dev/null
	tap_write_fails "$label: offline fails with MEM_GOING_OFFLINE injected" \
		"Cannot allocate memory" "$blk" state offline
	tap_eq "$label: block stays online" "$(guest_block_state "$blk")" online
	tap_eq "$label: unplugged pages still PageOffline" "$(guest_offline_pages "$blk")" "$offline0"
	tap_eq "$label: MemTotal unchanged (kB)" "$(guest_memtotal_kb)" "$mem0"
	vm_run "echo 0 > $inject/MEM_GOING_OFFLINE/error" >/dev/null

	tap_run "$label: offline succeeds without injection" guest_block_write "$blk" state offline
	vm_run "echo -12 > $inject/MEM_GOING_ONLINE/error" >/dev/null
	tap_write_fails "$label: online fails with MEM_GOING_ONLINE injected" \
		"Cannot allocate memory" "$blk" state "$online"
	tap_eq "$label: block stays offline" "$(guest_block_state "$blk")" offline
	vm_run "echo 0 > $inject/MEM_GOING_ONLINE/error" >/dev/null
	tap_run "$label: online succeeds without injection" guest_block_write "$blk" state "$online"
	tap_eq "$label: unplugged pages still PageOffline after the cycle" \
		"$(guest_offline_pages "$blk")" "$offline0"
	tap_eq "$label: MemTotal back to the value before (kB)" "$(guest_memtotal_kb)" "$mem0"
	# A device that still unplugs cleanly shows nothing leaked.
	tap_run "$label: unplug everything" vmem resize 0 --wait
	tap_console "$label"
}

one_boot before-driver 0
one_boot after-driver -1
[ "$tap_failed" -eq 0 ]
