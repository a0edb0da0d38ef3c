#!/usr/bin/env bash
# Smoke: plug 1 GiB into an idle guest and unplug it again. The guest must
# online exactly the plugged memory (MemTotal and memory blocks) and return
# to its boot state afterwards. And the guest channel: a command over its
# time limit is killed with what it started, so none of its output lands
# in the next command's.
# posting: all (the harness and the guest itself: run for every posting)
# timeout: 300
set -euo pipefail
. tests/lib.sh

scenario_begin smoke 9
VM_VMEM_REQ=0 vm_start || scenario_bail "guest did not boot"

mem0=$(guest_memtotal_kb)
online0=$(guest_online_blocks)
block=$(guest_block_bytes)
diag "boot: MemTotal $mem0 kB, $online0 online blocks of $block bytes"

tap_run "device plugged 1 GiB" vmem resize 1G --wait

# The memmap of hotplugged memory comes from boot memory, so MemTotal grows
# by exactly the plugged size.
want=$((mem0 + (1 << 20)))
mem1=$(guest_wait_value "$want" 10 guest_memtotal_kb)
tap_eq "MemTotal grew by 1 GiB (kB)" "$mem1" "$want"

want=$((online0 + (1 << 30) / block))
online1=$(guest_wait_value "$want" 10 guest_online_blocks)
tap_eq "$(((1 << 30) / block)) more memory blocks online" "$online1" "$want"

tap_run "device unplugged to 0" vmem resize 0 --wait

mem2=$(guest_wait_value "$mem0" 10 guest_memtotal_kb)
tap_eq "MemTotal back to the boot value (kB)" "$mem2" "$mem0"

online2=$(guest_wait_value "$online0" 10 guest_online_blocks)
tap_eq "online memory blocks back to the boot value" "$online2" "$online0"

# A child in the foreground that would print 3 s later, in a command with
# a 1 s limit; the next command runs while it would.
rc=0
VM_RUN_QUIET=1 vm_run "sh -c 'sleep 3; echo late output'; echo never" 1 >/dev/null 2>&1 || rc=$?
tap_ok "$([ "$rc" -ne 0 ]; echo $?)" "a command over its limit fails" "status $rc"
out=$(vm_run "sleep 4; echo next" 20 2>&1) || true
tap_eq "the next command's output is its own" "$out" "next"

scenario_end
