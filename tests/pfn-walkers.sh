#!/usr/bin/env bash
# PFN walkers against partially plugged virtio-mem memory blocks (SBM,
# 2 MiB device blocks in 128 MiB memory blocks) that go offline and online
# while the device is resized. In the guest, in background loops for the
# whole run:
#   - full reads of /proc/kpageflags and /proc/kpagecount over the PFNs of
#     virtio-mem memory ("System RAM (virtio_mem)" in /proc/iomem);
#   - /proc/kcore: every RAM segment in virtio-mem memory (guest/kcoreread;
#     offline sections and fake-offline pages read as zeros);
#   - echo 1 > /proc/sys/vm/compact_memory;
#   - echo 1 > /sys/kernel/debug/split_huge_pages (the workload's THPs);
#   - DAMON on the physical address space over the device's region, when
#     the kernel has it (/sys/kernel/mm/damon/admin; skipped otherwise);
#   - memcheck, a byte-verifying workload, mostly in virtio-mem memory.
# Meanwhile the host resizes the device through sizes that each leave one
# memory block partially plugged, and after each resize offlines and
# onlines that block through sysfs (EBUSY is allowed and counted).
#
# Checks: the guest stays alive; every walker completed rounds; at least
# one offline+online cycle of a partially plugged block succeeded and no
# online failed; MemTotal is boot + the last size; the workload saw no
# corrupted word and no OOM kill; no failed isolation dumped a PageOffline
# page; the console has no kernel splat. An offline that meets a folio it
# cannot isolate at that moment (busy elsewhere: the walkers compact and
# split THPs, khugepaged collapses them again) dumps it as "isolation
# failed" and retries. Most runs show one such dump, on both kernels, so
# the console scan ignores those dumps, as long as none is PageOffline.
#
# REGRESSION GUARD: it passes on the base kernel too. The race it guards,
# a walker's speculative folio_try_get() on an unplugged (PageOffline)
# page whose folio_put() lands after the block went offline, is too rare
# to provoke deterministically; this scenario only gives it chances.
# posting: D
# timeout: 480 1500
set -euo pipefail
. tests/lib.sh

first=320M             # 2.5 memory blocks before the workload starts
sizes=(200M 456M 264M) # then these; each leaves a block partially plugged
cycles=1               # offline+online cycles after each resize
[ "$CHECK_QUICK" = 1 ] || { sizes=(200M 456M 264M 584M 136M 392M 328M); cycles=3; }
vmem_size=2G
wl_mib=256
min_rounds=2           # each walker, at the least
walkers=(kpageflags kpagecount kcore compact split)
last=${sizes[-1]}
scenario_begin pfn-walkers $((${#sizes[@]} + 15))

VM_VMEM_SIZE=$vmem_size VM_VMEM_BLOCK=2M VM_ONLINE=online_movable vm_start ||
	scenario_bail "guest did not boot"
mem0=$(guest_memtotal_kb)
alive="the guest stayed alive throughout"

tap_run "plugged $first" vmem -t 180 resize "$first" --wait
vm_bg memcheck "memcheck -f /tmp/memcheck.stop $wl_mib"
vm_wait_guest 'filled\|failed' /tmp/memcheck.log 300 || true
tap_run "workload filled $wl_mib MiB" vm_run 'grep -q filled /tmp/memcheck.log'

# One walker per background job: vm_bg NAME "sh /tmp/walk.sh NAME".
vm_run 'cat >/tmp/walk.sh <<"EOS"
# walk.sh NAME [REGION_BYTES]: walker NAME, round after round until
# /tmp/NAME.stop exists. Prints one line per failed round and at the end
# "NAME: N rounds, F failed[; last: OUTPUT]". A round covers the virtio-mem
# memory that /proc/iomem lists when it starts. damon instead sets up one
# kdamond over REGION_BYTES from the first virtio-mem address, checks
# each round that it is on, and turns it off at the end.
name=$1 ok=0 fail=0 last=
kd=/sys/kernel/mm/damon/admin/kdamonds/0
range() {
	set -- $(sed -n "s/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM (virtio_mem)\$/\1 \2/p" /proc/iomem)
	[ $# -ge 2 ] || { echo "no System RAM (virtio_mem) in /proc/iomem"; return 1; }
	start=$((0x$1))
	eval "end=\$((0x\$$# + 1))"
}
round() {
	case $name in
	kpageflags | kpagecount)
		range || return 1
		n=$(((end - start) >> 12))
		got=$(dd if=/proc/$name bs=4096 skip=$((start >> 21)) count=$((n >> 9)) 2>/dev/null | wc -c)
		[ "$got" -eq $((n * 8)) ] || { echo "read $got of $((n * 8)) bytes"; return 1; }
		echo "$n pages" ;;
	kcore)
		range || return 1
		out=$(kcoreread $start $end 2>&1) || { echo "$out"; return 1; }
		echo "$out"
		case $out in *" 0 bytes read"*) return 1 ;; esac ;;
	compact) echo 1 >/proc/sys/vm/compact_memory ;;
	split) echo 1 >/sys/kernel/debug/split_huge_pages ;;
	damon) [ "$(cat $kd/state)" = on ] || { echo "kdamond is $(cat $kd/state)"; return 1; } ;;
	*) echo "walk.sh: no walker $name"; return 1 ;;
	esac
}
if [ "$name" = damon ]; then
	c=$kd/contexts/0
	if ! range || ! { echo 1 >${kd%/0}/nr_kdamonds && echo 1 >$kd/contexts/nr_contexts &&
		echo paddr >$c/operations && echo 1 >$c/targets/nr_targets &&
		echo 1 >$c/targets/0/regions/nr_regions &&
		echo $start >$c/targets/0/regions/0/start &&
		echo $((start + $2)) >$c/targets/0/regions/0/end && echo on >$kd/state; }; then
		echo "damon: 0 rounds, 1 failed; last: setup failed"
		exit 1
	fi
fi
[ "$name" != split ] || [ -e /sys/kernel/debug/split_huge_pages ] ||
	mount -t debugfs debugfs /sys/kernel/debug
while [ ! -e /tmp/$name.stop ]; do
	if last=$(round 2>&1); then
		ok=$((ok + 1))
	else
		fail=$((fail + 1))
		echo "round $((ok + fail)): $last"
	fi
	echo "$ok $fail" >/tmp/$name.count
	usleep 500000
done
[ "$name" != damon ] || echo off >$kd/state
echo "$name: $ok rounds, $fail failed${last:+; last: $last}"
EOS' >/dev/null
for w in "${walkers[@]}"; do
	vm_bg "$w" "sh /tmp/walk.sh $w"
done
damon=0
if vm_run '[ -d /sys/kernel/mm/damon/admin ]' >/dev/null 2>&1; then
	damon=1
	walkers+=(damon)
	vm_bg damon "sh /tmp/walk.sh damon $(bytes "$vmem_size")"
else
	diag "no /sys/kernel/mm/damon/admin in the guest (no CONFIG_DAMON_SYSFS): no DAMON walker"
fi

# The partially plugged block after each resize goes offline and online
# CYCLES times. A refused offline (EBUSY under the walkers' load) is
# counted; an online that fails after a good offline is counted apart.
done_cycles=0 refused=0 online_failed=0 no_partial=0
cycle_partial() {   # cycle_partial SIZE
	local blk off zone online i out
	read -r blk off zone < <(guest_partial_block) || true
	if [ -z "${blk:-}" ]; then
		no_partial=$((no_partial + 1))
		diag "at $1: no partially plugged block: $(vm_run blockinfo | paste -sd';')"
		return 0
	fi
	case "$zone" in Movable) online=online_movable ;; *) online=online_kernel ;; esac
	for ((i = 0; i < cycles; i++)); do
		if ! out=$(VM_RUN_QUIET=1 guest_block_write "$blk" state offline 2>&1); then
			refused=$((refused + 1))
			diag "at $1: offline memory$blk ($off pages fake-offline) refused: $out"
		elif ! out=$(VM_RUN_QUIET=1 guest_block_write "$blk" state "$online" 2>&1); then
			online_failed=$((online_failed + 1))
			diag "at $1: $online memory$blk failed after it went offline: $out"
		else
			done_cycles=$((done_cycles + 1))
		fi
		guest_alive_or_bail "$alive"
	done
}

cycle_partial "$first"
for s in "${sizes[@]}"; do
	tap_run "resized to $s while the walkers run" vmem -t 180 resize "$s" --wait
	guest_alive_or_bail "$alive"
	cycle_partial "$s"
done

# Every walker gets its rounds in (bounded), then all stop.
vm_run "i=0; for w in ${walkers[*]}; do
	while [ \$(cut -d' ' -f1 /tmp/\$w.count 2>/dev/null || echo 0) -lt $min_rounds ]; do
		i=\$((i + 1)); [ \$i -lt 1200 ] || exit 0; usleep 100000; done; done" 180 >/dev/null || true
# All stop at once (each finishes its round), then each is waited for.
vm_run "for w in ${walkers[*]}; do touch /tmp/\$w.stop; done" >/dev/null
declare -A summary
for w in "${walkers[@]}"; do
	summary[$w]=$(vm_stop_bg "$w") || summary[$w]="(no summary: $?)"
	diag "${summary[$w]}"
done
guest_alive_or_bail "$alive"
tap_run "$alive" vm_run true

walker_ran() {   # walker_ran NAME DESCRIPTION
	local rounds rc=0
	rounds=$(sed -n "s/^$1: \([0-9]*\) rounds,.*/\1/p" <<<"${summary[$1]}")
	[ "${rounds:-0}" -ge "$min_rounds" ] || rc=1
	if [ "$rc" = 0 ]; then
		tap_ok 0 "$1 walker: at least $min_rounds rounds of $2"
	else
		tap_ok 1 "$1 walker: at least $min_rounds rounds of $2" \
			"got ${rounds:-no} rounds; the start of /tmp/$1.log:" "$(vm_run "head -n 5 /tmp/$1.log" 2>&1)"
	fi
}
walker_ran kpageflags "full reads of /proc/kpageflags over virtio-mem memory"
walker_ran kpagecount "full reads of /proc/kpagecount over virtio-mem memory"
walker_ran kcore "/proc/kcore reads of virtio-mem memory"
walker_ran compact "compact_memory"
walker_ran split "split_huge_pages"
if [ "$damon" = 1 ]; then
	walker_ran damon "a kdamond on paddr, checked on"
else
	tap_skip "damon walker: a kdamond on paddr over the device's region" "no /sys/kernel/mm/damon/admin"
fi

diag "offline+online cycles of partially plugged blocks: $done_cycles done, $refused offline refused, $online_failed online failed, $no_partial sizes without a partial block"
[ "$done_cycles" -ge 1 ] && [ "$online_failed" = 0 ] && rc=0 || rc=1
tap_ok "$rc" "a partially plugged block went offline and online again (at least once), and no online failed" \
	"$done_cycles cycles done, $refused offline refused, $online_failed online failed"

want=$((mem0 + $(bytes "$last") / 1024))
tap_eq "MemTotal is boot + $last (kB)" "$(guest_wait_value "$want" 20 guest_memtotal_kb)" "$want"
out=$(vm_stop_bg memcheck) || true
diag "$out"
tap_workload_unharmed ""
tap_retry_dumps "no PageOffline page dumped by a retried isolation or migration"
scenario_end
