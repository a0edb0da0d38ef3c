#!/usr/bin/env bash
# Plug into a nearly full guest: 1 GiB boot + 512 MiB plugged
# (online_movable), a verified workload (memcheck) sized from MemAvailable
# so that only a few tens of MiB stay available, then a request for 3 GiB
# plugged (+2.5 GiB). Every new memory block needs memmap, page_ext and,
# on the debug config, KASAN shadow from the kernel zones, which the
# workload has filled. Init and every process but the workload run at
# oom_score_adj -1000 (see tests/oom.sh): the unpatched driver adds memory
# anyway, the allocations for it invoke the OOM killer, which kills the
# workload and then, with nothing left to kill, panics ("System is
# deadlocked on memory"; QEMU exits).
#
# The driver must wait instead: no panic, no kill, the workload keeps
# running and verifying its words. Once the workload exits, the plug must
# complete on its own (MemTotal exact) within $reach_s s.
# posting: E2
# timeout: 900 2700
set -euo pipefail
. tests/lib.sh

margin_mib=48  # MemAvailable left once the workload has filled its memory
observe_s=60   # the plug is pending this long under the full workload
# After the workload's exit: the driver's pressure retry timer is at most
# 10 s, plus the plug itself: 2.5 GiB took 6.9 s on an idle guest (debug
# kernel, TCG, a kernel build alongside). 60 s leaves room for a slower
# host; the unpatched driver would wait for its 50 s timer, doubling to
# 300 s.
reach_s=60
scenario_begin plug-pressure 9

VM_VMEM_SIZE=8G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable vm_start || scenario_bail "guest did not boot"
vm_oom_protect || scenario_bail "cannot set oom_score_adj -1000 in the guest"
mem0=$(guest_memtotal_kb)
tap_run "plugged 512 MiB" vmem -t 300 resize 512M --wait
guest_wait_value $((mem0 + (512 << 10))) 30 guest_memtotal_kb >/dev/null
a0=$(guest_memavailable_mib)
wl_mib=$((a0 - margin_mib))
vm_bg memcheck "memcheck -f /tmp/memcheck.stop $wl_mib" 0
vm_wait_guest 'filled\|failed' /tmp/memcheck.log 600 || true
tap_run "workload filled $wl_mib MiB (MemAvailable was $a0 MiB)" vm_run 'grep -q filled /tmp/memcheck.log'
diag "MemAvailable with the workload running: $(guest_memavailable_mib) MiB"

# The large plug, while the workload holds its memory.
vmem -q resize 3G
p0=$(guest_memcheck_passes)
t0=$SECONDS
sizes=
while [ $((SECONDS - t0)) -lt "$observe_s" ] && vm_alive; do
	sleep 5
	sizes="$sizes $(($(vmem get size 2>/dev/null || echo 0) >> 20))"
done
guest_alive_or_bail "no panic while the plug was pending (the guest answers)"
tap_run "no panic while the plug was pending (the guest answers)" vm_run true
p1=$(guest_memcheck_passes)
diag "plugged MiB every 5 s while the workload ran:$sizes; memcheck passes $p0 -> $p1"
[ "$p1" -gt "$p0" ] && rc=0 || rc=1
tap_ok "$rc" "the workload kept making progress while the plug was pending" "memcheck passes $p0 -> $p1 in ${observe_s}s"

tap_reached_after_exit "" 3G "$reach_s"
want=$((mem0 + (3 << 20)))
tap_eq "MemTotal is boot + 3 GiB (kB)" "$(guest_wait_value "$want" 10 guest_memtotal_kb)" "$want"
tap_workload_unharmed ""
scenario_end
