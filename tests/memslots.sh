#!/usr/bin/env bash
# virtio-mem with dynamic-memslots=on (QEMU 8.2 and later): QEMU splits the
# device's region into memslots and maps one only while a device block in
# it is plugged, so an unplug gives the host its mappings back, not only
# the memory. The guest must plug and unplug as ever, and the memslots
# follow: none at size 0, some at 1 GiB + 64 MiB, as many after a
# partially plugged block went offline and online, none at 0 again.
# (QEMU's memory tree lists the memslots it maps, not the others.) A
# guard: it passes on the base too. Skipped with a QEMU that has no
# dynamic-memslots (QEMU=7.2).
# posting: D
# timeout: 300
set -euo pipefail
. tests/lib.sh

name=memslots
vm_qemu_cmd 2>/dev/null || { echo "Bail out! $vm_qemu_err"; exit 1; }
if ! grep -q dynamic-memslots <<<"$(vm_vmem_props)"; then
	echo "TAP version 13"
	echo "1..0 # SKIP $(vm_qemu_desc) has no dynamic-memslots (QEMU 8.2 or later)"
	exit 0
fi

# mapped_memslots: how many of the device's memslots QEMU maps now.
mapped_memslots() {
	vmem qmp '{"execute":"human-monitor-command","arguments":{"command-line":"info mtree"}}' |
		tr ',' '\n' | grep -o 'memslot-[0-9]*' | sort -u | wc -l
}

scenario_begin "$name" 9
VM_VMEM_OPTS=",unplugged-inaccessible=on,dynamic-memslots=on" vm_start ||
	scenario_bail "guest did not boot"
mem0=$(guest_memtotal_kb)
tap_eq "no memslot mapped at size 0" "$(mapped_memslots)" 0

tap_run "plugged 1 GiB + 64 MiB" vmem resize 1088M --wait
tap_eq "MemTotal grew by 1 GiB + 64 MiB (kB)" \
	"$(guest_wait_value $((mem0 + 1114112)) 10 guest_memtotal_kb)" $((mem0 + 1114112))
mapped=$(mapped_memslots)
diag "memslots mapped at 1 GiB + 64 MiB: $mapped"
tap_ok "$([ "$mapped" -gt 0 ]; echo $?)" "memslots are mapped for the plugged memory" "mapped: $mapped"

read -r blk _ < <(guest_partial_block) || true
[ -n "${blk:-}" ] || scenario_bail "no partially plugged block at 1 GiB + 64 MiB"
tap_run "the partially plugged memory$blk goes offline and online" vm_run \
	"echo offline > /sys/devices/system/memory/memory$blk/state &&
	 echo online_movable > /sys/devices/system/memory/memory$blk/state"
tap_eq "memslots mapped as before the offline/online" "$(mapped_memslots)" "$mapped"

tap_run "unplugged to 0" vmem resize 0 --wait
tap_eq "no memslot mapped at size 0 again" "$(mapped_memslots)" 0
scenario_end
