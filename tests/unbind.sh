#!/usr/bin/env bash
# Forced removal of the virtio-mem driver (sysfs unbind) while a partially
# plugged memory block is online. The driver can no longer keep unplugged
# subblocks out of the buddy on a later re-online, so offlining that block
# must fail with EBUSY (never expose unplugged memory), and the guest
# keeps running.
#
# Base: the driver unregisters its notifier, so nobody drops the pages'
# references and offlining fails. Series: the driver clears "skippable" on
# its pages when it goes away; without that hunk offlining would succeed.
set -euo pipefail
. tests/lib.sh

scenario_begin unbind 8
vm_start || scenario_bail "guest did not boot"
tap_run "plugged 192 MiB" vmem resize 192M --wait
read -r blk offline0 _ < <(guest_partial_block) || true
[ -n "${blk:-}" ] || scenario_bail "no partially plugged block"
full=$((blk - 1))
tap_eq "memory$full is fully plugged" "$(guest_offline_pages "$full")" 0

dev=$(vm_run 'ls -d /sys/bus/virtio/drivers/virtio_mem/virtio* | head -n 1')
tap_run "unbound the virtio-mem driver from ${dev##*/}" \
	vm_run "echo ${dev##*/} > /sys/bus/virtio/drivers/virtio_mem/unbind"
tap_write_fails "offlining the partially plugged memory$blk fails with EBUSY" \
	"Device or resource busy" "$blk" state offline
tap_eq "memory$blk stays online" "$(guest_block_state "$blk")" online
tap_eq "its unplugged pages are still PageOffline" "$(guest_offline_pages "$blk")" "$offline0"
tap_run "guest still runs a workload (memcheck 64 MiB)" vm_run 'memcheck -s 1 64'
scenario_end
