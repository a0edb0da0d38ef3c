#!/usr/bin/env bash
# virtio-mem with memory_hotplug.memmap_on_memory=1: each memory block it
# adds keeps its memmap in its first subblock(s), which stay plugged while
# the block is added and are unplugged after it was removed. MemTotal
# grows by the plugged size less the memmap of every memory block holding
# plugged memory, whatever the path:
#  - SBM (2 MiB device blocks), online_movable: 2 MiB plugged makes a
#    block that holds only its memmap; 130 MiB a full block and one more
#    such block; 1 GiB; back to 130 MiB (the blocks above are removed, the
#    second keeps its memmap subblock, as unplugging it would take the
#    device below the request); 1 GiB again (the second block is filled
#    first); 0;
#  - SBM with memory left offline (memhp_default_state=offline): 256 MiB,
#    unplugged to 130 MiB while offline, then onlined; 0;
#  - BBM (128 MiB device blocks): 256 MiB; 0.
# Every step reaches its size, and 0 leaves no memory of the device added.
# Fails on the base, which puts no memmap there.
# posting: E2
# timeout: 600
set -euo pipefail
. tests/lib.sh

scenario_begin memmap-on-memory 33

# step LABEL SIZE: resize to SIZE; the device reaches it and MemTotal is
# boot + usable_kib(SIZE), the memmap ($mm_kib) of each block left out.
step() {
	local want
	tap_run "$1: resize to $2" vmem -t 120 resize "$2" --wait
	want=$((mem0 + $(usable_kib "$(bytes "$2")" "$mb" "$mm_kib")))
	tap_eq "$1: MemTotal at $2 plugged (kB)" "$(guest_wait_value "$want" 10 guest_memtotal_kb)" "$want"
}

# boot LABEL BLOCK ONLINE: a guest with memmap_on_memory=1, and its facts.
boot() {
	VM_VMEM_BLOCK=$2 VM_ONLINE=$3 VM_APPEND=memory_hotplug.memmap_on_memory=1 vm_start ||
		scenario_bail "$1: guest did not boot"
	mem0=$(guest_memtotal_kb)
	mb=$(guest_block_bytes)
	mm_kib=$(guest_memmap_kib)
	diag "$1: memory blocks of $((mb >> 20)) MiB, $mm_kib KiB of memmap each"
	tap_ok "$([ "$mm_kib" -gt 0 ]; echo $?)" "$1: virtio-mem places the memmap on the memory it adds" \
		"no 'memmap on memory' line from virtio_mem on the console"
}

# gone LABEL: no memory of the device is added any more.
gone() {
	tap_eq "$1: no memory of the device is left added" \
		"$(guest_vmem_ranges)" 0
	tap_console "$1"
	vm_stop
}

boot sbm 2M online_movable
step sbm 2M
step sbm 130M
step sbm 1G
step sbm 130M
step sbm 1G
step sbm 0
gone sbm

boot sbm-offline 2M offline
tap_run "sbm-offline: plug 256 MiB" vmem -t 120 resize 256M --wait
tap_eq "sbm-offline: MemTotal unchanged while offline (kB)" "$(guest_memtotal_kb)" "$mem0"
tap_run "sbm-offline: unplug to 130 MiB while offline" vmem -t 120 resize 130M --wait
tap_run "sbm-offline: online the device's blocks" vm_run \
	'for d in /sys/devices/system/memory/memory*; do
		[ "$(cat $d/state)" = offline ] && echo online_movable >$d/state; done; true'
want=$((mem0 + $(usable_kib $((130 << 20)) "$mb" "$mm_kib")))
tap_eq "sbm-offline: MemTotal at 130M plugged (kB)" "$(guest_wait_value "$want" 10 guest_memtotal_kb)" "$want"
step sbm-offline 0
gone sbm-offline

boot bbm 128M online_movable
step bbm 256M
step bbm 0
gone bbm
scenario_end
