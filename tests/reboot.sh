#!/usr/bin/env bash
# Guest reboot with memory plugged. On a system reset QEMU unplugs all
# device memory; the rebooted guest must find the device empty, plug the
# still-requested 1 GiB again and online it, with MemTotal matching.
# posting: D
# timeout: 600
set -euo pipefail
. tests/lib.sh

scenario_begin reboot 8
# Resets must reboot the guest here, not end QEMU; the hard timeout and the
# console scan still catch a panic loop.
VM_NO_REBOOT=0 vm_start || scenario_bail "guest did not boot"
mem0=$(guest_memtotal_kb)
tap_run "plugged 1 GiB" vmem resize 1G --wait
tap_eq "MemTotal grew by 1 GiB (kB)" "$(guest_wait_value $((mem0 + 1048576)) 10 guest_memtotal_kb)" $((mem0 + 1048576))

tap_run "system_reset accepted" vmem qmp '{"execute":"system_reset"}'
tap_run "guest came back after the reset" vm_wait_ready
# The device starts from zero after a reset (the driver logs the plugged
# size it finds at probe) and the driver replugs.
n=$(tr -d '\r' <"$VM_DIR/console.log" | awk '
	/virtio_mem .*: (subblock|big block) size:/ { probe = 1; next }
	probe && /virtio_mem .*: plugged size:/ { probe = 0; if ($NF == "0x0") n++ }
	END { print n + 0 }')
tap_eq "the driver found the device empty at both boots" "$n" 2
tap_run "device back at 1 GiB after the reboot" vmem -t 120 wait-size 1G
tap_eq "MemTotal again boot + 1 GiB (kB)" "$(guest_wait_value $((mem0 + 1048576)) 20 guest_memtotal_kb)" $((mem0 + 1048576))
scenario_end
