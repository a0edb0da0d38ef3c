#!/usr/bin/env bash
# virtio_mem.unplug_online: by default the driver unplugs online memory
# (migrating what lives there). With unplug_online=0 it must leave online
# memory alone and unplug only what the admin offlined first.
# timeout: 600
set -euo pipefail
. tests/lib.sh

scenario_begin unplug-online 7

# Default: unplugging online memory works.
vm_start || scenario_bail "guest did not boot"
tap_run "default: plugged 512 MiB" vmem resize 512M --wait
tap_run "default: unplugged online memory down to 0" vmem -t 60 resize 0 --wait
tap_console default

# unplug_online=0: online memory stays plugged until it is offlined.
VM_APPEND="virtio_mem.unplug_online=0" vm_start || scenario_bail "unplug_online=0: guest did not boot"
tap_run "unplug_online=0: plugged 512 MiB" vmem resize 512M --wait
vmem -q -t 10 resize 0 --wait 2>/dev/null || true
tap_eq "unplug_online=0: online memory stays plugged (bytes)" "$(vmem get size)" $((512 << 20))
vm_run 'for b in $(blockinfo | awk "\$2 == \"online\" {print \$1}"); do
	echo offline >/sys/devices/system/memory/$b/state; done' >/dev/null || true
tap_run "unplug_online=0: offlined memory is unplugged down to 0" vmem -t 60 wait-size 0
scenario_end
