# shellcheck shell=bash
# The bench scenarios. Each sc_NAME KERNEL REP boots one guest, records
# its metrics with bench_record and powers the guest off (scenario
# idle-sbm is function sc_idle_sbm). Sourced by
# bench/one.sh after bench/lib.sh. Each scenario has an entry in
# BENCH_ALL (run order) and BENCH_COST (estimated seconds per run under
# icount, used for the up-front estimate; measured on the 2-core TCG host).
# Globals set here are read by run.sh and host/vm.sh, and hp_status and
# be_left_mib are set by bench/lib.sh:
# shellcheck disable=SC2034,SC2154

BENCH_ALL=(idle-sbm idle-bbm partial workload sysfs offline normal cma gigantic pressure)
declare -A BENCH_COST=([idle-sbm]=20 [idle-bbm]=20 [partial]=60 [workload]=85 [sysfs]=11 [normal]=49 [cma]=60 [offline]=20 [gigantic]=60 [pressure]=200)

# Sizes and knobs (see bench/results.md for why they are what they are).
BENCH_IDLE_SIZES=${BENCH_IDLE_SIZES:-1G 4G 16G}
BENCH_WL_PCTS=${BENCH_WL_PCTS:-50 90}
BENCH_PARTIAL_SIZES=${BENCH_PARTIAL_SIZES:-64M 124M}
BENCH_PARTIAL_CYCLES=${BENCH_PARTIAL_CYCLES:-5}
BENCH_SYSFS_FRACS=${BENCH_SYSFS_FRACS:-0 25 50 75 98}
BENCH_SYSFS_CYCLES=${BENCH_SYSFS_CYCLES:-5}
BENCH_NORMAL_VARIANTS=${BENCH_NORMAL_VARIANTS:-idle pgtables}
BENCH_CMA_CYCLES=${BENCH_CMA_CYCLES:-5}
BENCH_OFFLINE_BLOCKS=${BENCH_OFFLINE_BLOCKS:-3}
BENCH_OFFLINE_PIN=${BENCH_OFFLINE_PIN:-2}
BENCH_GIGANTIC_CYCLES=${BENCH_GIGANTIC_CYCLES:-5}
BENCH_PRESSURE_WAIT=${BENCH_PRESSURE_WAIT:-300}
BENCH_PRESSURE_SETTLE=${BENCH_PRESSURE_SETTLE:-30}
BENCH_PRESSURE_RECOVER=${BENCH_PRESSURE_RECOVER:-330}

# 1. Plug and unplug on an idle guest, onlined movable. SBM: 2 MiB device
# blocks (128 MiB Linux memory blocks, 2 MiB subblocks); BBM: 128 MiB
# device blocks. The device region is 16 GiB: memory-backend-ram is
# allocated lazily and virtio-mem discards unplugged memory, so the host
# only pays for the guest's memmap (256 MiB of boot memory per 16 GiB).
sc_idle() {   # sc_idle SCENARIO BLOCK KERNEL REP
	local s
	VM_VMEM_SIZE=16G VM_VMEM_BLOCK=$2 VM_ONLINE=online_movable bench_boot "$1" "$3" "$4"
	for s in $BENCH_IDLE_SIZES; do
		bench_resize "plug-$s" "$s" 300
		[ "$hp_status" = reached ] || echo "bench: plug $s: $hp_status" >&2
		bench_resize "unplug-$s" 0 300
		[ "$hp_status" = reached ] || echo "bench: unplug $s: $hp_status" >&2
	done
	bench_end
}
sc_idle_sbm() { sc_idle idle-sbm 2M "$@"; }
sc_idle_bbm() { sc_idle idle-bbm 128M "$@"; }

# 1b. Unplug and replug part of an online memory block, idle, SBM, movable:
# 1 GiB plugged, then SIZE (less than a 128 MiB block) unplugged and
# plugged again, CYCLES times. Less than a block never goes through
# offline_and_remove_memory(): the driver takes the subblocks from the
# buddy (fake-offline) and gives them back, which is where the series'
# frozen pages save work. The run's value is the median of its cycles.
sc_partial() {
	local s i un re
	VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable bench_boot partial "$1" "$2"
	bench_set_size 1G
	for s in $BENCH_PARTIAL_SIZES; do
		un='' re=''
		for ((i = 0; i < BENCH_PARTIAL_CYCLES; i++)); do
			bench_resize_quiet "$((1024 - ${s%M}))M" || return 1
			un+="$hp_duration"$'\n'
			bench_resize_quiet 1G || return 1
			re+="$hp_duration"$'\n'
		done
		un=$(bench_stats <<<"$un")
		re=$(bench_stats <<<"$re")
		bench_record "unplug-$s" s "${un%% *}"
		bench_record "replug-$s" s "${re%% *}"
	done
	bench_end
}

# Used (not free) pages of ZONE_MOVABLE, in MiB.
guest_movable_used_mib() {
	vm_run 'awk "/^Node .* zone *Movable/ {m = 1; next} /^Node/ {m = 0}
		m && \$1 == \"nr_free_pages\" {f += \$2} m && \$1 == \"present\" {p += \$2}
		END {print int((p - f) / 256)}" /proc/zoneinfo'
}

# 2. Unplug 2 GiB (all of the device) while memcheck holds 50% or 90% of
# it, so that much anonymous memory must migrate into the 3 GiB of boot
# memory. Anonymous memory prefers ZONE_MOVABLE, i.e. the plugged memory;
# how much of it really sat there is recorded (wlP-movable-MiB). The
# reference is memcpy of the same number of bytes in the guest (hptime
# memcpy).
sc_workload() {
	local pct mib out
	VM_BOOT_MEM=3G VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable bench_boot workload "$1" "$2"
	for pct in $BENCH_WL_PCTS; do
		mib=$((2048 * pct / 100))
		bench_set_size 2G
		out=$(vm_run "hptime memcpy $mib")
		bench_record "wl$pct-memcpy" s "$(sed -n 's/.* in \([0-9.]*\) s.*/\1/p' <<<"$out")"
		vm_bg mc "memcheck -f /tmp/mc.stop $mib"
		# The workload holds its memory but is stopped (SIGSTOP) while
		# the unplug runs, so the time is the migration's, not shared
		# with memcheck. It is stopped as soon as it has filled its
		# memory (polled every 50 ms), early in its first verifying pass.
		vm_run 'i=0; while ! grep -q "filled\|failed" /tmp/mc.log; do
			i=$((i + 1)); [ $i -lt 12000 ] || exit 1; usleep 50000; done
			kill -STOP $(cat /tmp/mc.pid)' 700 >/dev/null
		bench_record "wl$pct-movable-MiB" MiB "$(guest_movable_used_mib)"
		# Nothing changes MemTotal while a block's pages migrate: wait
		# for the target, not for a pause.
		bench_resize "wl$pct-unplug" 0 300 300
		[ "$hp_status" = reached ] || echo "bench: unplug under ${pct}% workload: $hp_status" >&2
		# Resume: memcheck ends its first pass and stops there, so it
		# verifies every word after the migration except those it had
		# checked in the (at most 50) ms before it was stopped.
		vm_run 'kill -CONT $(cat /tmp/mc.pid)' >/dev/null
		bench_wl_verdict "wl$pct-mismatches"
		vm_run 'rm -f /tmp/mc.stop' >/dev/null
	done
	bench_end
}

# 3. Offline and online one memory block through sysfs, with FRAC percent of
# its subblocks unplugged (fake-offline). SBM removes a block once all its
# subblocks are unplugged, so 100% is not reachable: the top is 98% (one
# 2 MiB subblock of 64 plugged). Per fraction: plug the size that leaves
# the block that partly plugged, then time CYCLES offline/online_movable
# writes; the run's value is the median of its cycles.
sc_sysfs() {
	local frac size blk out off on
	VM_VMEM_SIZE=1G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable bench_boot sysfs "$1" "$2"
	for frac in $BENCH_SYSFS_FRACS; do
		case "$frac" in
		98) size=2 ;;
		*) size=$((128 * (100 - frac) / 100)) ;;
		esac
		bench_set_size "${size}M"
		blk=$(vm_run 'blockinfo' | awk '$2 == "online" {sub(/^memory/, "", $1); print $1; exit}')
		[ -n "$blk" ] || { echo "bench: no online virtio-mem block after plugging ${size}M" >&2; return 1; }
		out=$(vm_run "blockinfo $blk" | sed -n 's/.* offline=\([0-9]*\) .*/\1/p')
		[ "$out" = $((32768 - size * 256)) ] ||
			echo "bench: memory$blk has $out fake-offline pages, want $((32768 - size * 256))" >&2
		out=$(vm_run "f=/sys/devices/system/memory/memory$blk/state
			for i in \$(seq $BENCH_SYSFS_CYCLES); do
				hptime write \$f offline && hptime write \$f online_movable || exit 1
			done")
		off=$(bench_write_stats offline <<<"$out")
		on=$(bench_write_stats online_movable <<<"$out")
		bench_record "offline-$frac%" s "${off%% *}"
		bench_record "online-$frac%" s "${on%% *}"
		bench_set_size 0
	done
	bench_end
}

# 3b. Memory offlining where it has work to do, SBM, movable, 1 GiB
# plugged. "wl": memcheck holds all but 384 MiB of the free memory and
# BLOCKS different online virtio-mem blocks are offlined (and onlined
# again) through sysfs: each must migrate what the workload keeps there
# (the median offline time). "pin": 8 MiB pinned for PIN seconds
# (guest/pin), then the block holding a pinned page is offlined: offlining
# must wait for the release, and the metrics are how long it took after
# the release (offline-pin-late) and the CPU time it used while it waited
# (offline-pin-cpu).
sc_offline() {
	local blks b out t all='' rel done_at
	VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable bench_boot offline "$1" "$2"
	bench_set_size 1G
	bench_wl_fill 384 600
	read -ra blks <<<"$(vm_run 'blockinfo' | awk '$2 == "online" {sub(/^memory/, "", $1); print $1}' | head -n "$BENCH_OFFLINE_BLOCKS" | tr '\n' ' ')"
	for b in "${blks[@]}"; do
		out=$(vm_run "f=/sys/devices/system/memory/memory$b/state
			hptime write \$f offline && echo online_movable >\$f" 600)
		[[ "$out" == *" status=0 "* ]] || echo "bench: offline memory$b: $out" >&2
		all+="$out"$'\n'
	done
	t=$(bench_write_stats offline <<<"$all")
	bench_record offline-wl s "${t%% *}"
	bench_record offline-wl-ok n "${t##* }"
	bench_wl_verdict offline-wl-mismatches
	vm_pin 8 "$BENCH_OFFLINE_PIN"
	[ -n "$pin_block" ] || { echo "bench: no pinned page in an online virtio-mem block: $pin_log" >&2; return 1; }
	out=$(vm_run "hptime write /sys/devices/system/memory/memory$pin_block/state offline; cut -d' ' -f1 /proc/uptime" 600)
	vm_wait_guest released /tmp/pin.log 60 || true
	rel=$(vm_run 'sed -n "s/^pin: released at //p" /tmp/pin.log')
	done_at=$(tail -n 1 <<<"$out")
	if [[ "$out" == *" status=0 "* ]] && [ -n "$rel" ]; then
		bench_record offline-pin-late s "$(awk -v d="$done_at" -v r="$rel" 'BEGIN {printf "%.6f", d - r}')"
		bench_record offline-pin-cpu s "$(sed -n 's/.* cpu=\([0-9.]*\).*/\1/p' <<<"$out")"
	else
		echo "bench: offline memory$pin_block with a pin: $out (release: ${rel:-none})" >&2
		bench_record offline-pin-late s 0 unfinished
	fi
	# Offlining reports each failed migration with a page dump
	# (ratelimited) on both kernels: expected while the pin holds.
	VM_SPLAT_IGNORE='page dumped because: migration failure'
	bench_end
}

# 4. Unplug all 2 GiB from ZONE_NORMAL (memhp_default_state=online): with
# nothing done ("idle": only the kernel's own allocations, e.g. the memmap
# of later blocks, land there) and after scattering unmovable page tables
# over it ("pgtables", guest/fragment.c). Unplug is best effort there:
# how much stays plugged, and how long the driver works before it gives
# up (its next retry is 50 s later; the watch ends 5 s after the last
# change).
sc_normal() {
	local v out
	for v in $BENCH_NORMAL_VARIANTS; do
		VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=online bench_boot normal "$1" "$2"
		bench_set_size 2G
		if [ "$v" = pgtables ]; then
			vm_bg fr "fragment -f /tmp/fr.stop"
			vm_wait_guest 'ready\|usage\|failed\|only' /tmp/fr.log 300
			out=$(vm_run 'cat /tmp/fr.log')
			grep -q ready <<<"$out" || { echo "bench: fragment: $out" >&2; return 1; }
			bench_record "$v-pagetables-MiB" MiB $(($(sed -n 's/.*pagetables_kb=\([0-9]*\).*/\1/p' <<<"$out") >> 10))
		fi
		bench_unplug_best_effort "$v-unplug" 0 120 5
		bench_end
	done
}

# 4b. alloc_contig_range() for CMA, the path the series must not slow down:
# a 64 MiB CMA area (cma=64M), allocated whole through debugfs and freed
# again, CYCLES times on an idle guest, then once while memcheck holds all
# but 96 MiB of the free memory, so that part of the area must migrate
# (how much: cma-wl-held-MiB). Per phase: the median allocation time and
# how many of its allocations got the whole area.
sc_cma() {
	local cma count phase kb n out ok t
	VM_APPEND="cma=64M" bench_boot cma "$1" "$2"
	cma=$(vm_run 'ls -d /sys/kernel/debug/cma/*/ 2>/dev/null | head -n 1')
	[ -n "$cma" ] || { echo "bench: no CMA area in debugfs (CONFIG_CMA_DEBUGFS, cma=64M)" >&2; return 1; }
	count=$(vm_run "cat ${cma}count")
	for phase in idle wl; do
		if [ "$phase" = wl ]; then
			# As in tests/cma.sh: 96 MiB left free (MemFree), of
			# which CMA takes about half.
			bench_wl_fill 96 600
			kb=$(vm_run "awk '/^CmaTotal:/ {t = \$2} /^CmaFree:/ {f = \$2} END {print t - f}' /proc/meminfo")
			bench_record cma-wl-held-MiB MiB $((kb / 1024))
		fi
		# Under the workload only the first allocation migrates: the
		# pages it freed stay free.
		[ "$phase" = idle ] && n=$BENCH_CMA_CYCLES || n=1
		out=$(vm_run "for i in \$(seq $n); do
				hptime write ${cma}alloc $count
				[ \$(cat ${cma}used) = 0 ] || echo \$(cat ${cma}used) > ${cma}free
			done" 600)
		ok=$(grep -c ' status=0 ' <<<"$out" || true)
		t=$(bench_write_stats <<<"$out")
		bench_record "cma-$phase-alloc" s "${t%% *}"
		bench_record "cma-$phase-ok" n "$ok"
	done
	bench_wl_verdict cma-wl-mismatches
	bench_end
}

# 4c. Gigantic (1 GiB) hugetlb pages through alloc_contig_pages(), the
# other alloc_contig_range() user: -cpu max for pdpe1gb, 4 GiB plugged and
# onlined to ZONE_NORMAL (hugetlb does not place gigantic pages in
# ZONE_MOVABLE). "idle": one page allocated (nr_hugepages 0 -> 1) and freed
# again, CYCLES times (median); "wl": once while memcheck holds all but
# 2 GiB of the free memory, so that a 1 GiB range must be emptied first.
# The plugged memory is 1 GiB aligned: each of its four 1 GiB ranges is a
# candidate, and the 2 GiB left free keep the workload from filling them.
sc_gigantic() {
	local nr phase n out ok t
	nr=/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
	VM_CPU=max VM_VMEM_SIZE=4G VM_VMEM_BLOCK=2M VM_ONLINE=online bench_boot gigantic "$1" "$2"
	vm_run "test -w $nr" || { echo "bench: no 1 GiB hugetlb pages in the guest ($nr; -cpu max, CONFIG_HUGETLBFS)" >&2; return 1; }
	bench_set_size 4G
	for phase in idle wl; do
		if [ "$phase" = wl ]; then
			bench_wl_fill 2048 900
			bench_record gig-wl-held-MiB MiB "$wl_mib"
		fi
		[ "$phase" = idle ] && n=$BENCH_GIGANTIC_CYCLES || n=1
		out=$(vm_run "for i in \$(seq $n); do
				hptime write $nr 1
				echo gigantic=\$(cat $nr)
				echo 0 >$nr
			done" 900)
		ok=$(grep -c '^gigantic=1$' <<<"$out" || true)
		t=$(bench_write_stats <<<"$out")
		bench_record "gig-$phase-alloc" s "${t%% *}"
		bench_record "gig-$phase-ok" n "$ok"
	done
	bench_wl_verdict gig-wl-mismatches
	bench_end
}

# 5. Shrink under memory pressure (tests/oom.sh as a measurement): 1 GiB
# boot + 4 GiB plugged, a 3000 MiB memcheck workload and a bystander that
# maps, touches and frees 32 MiB every 150 ms; init and every process but
# the workload at oom_score_adj -1000, so an OOM kill can only hit the
# workload and an OOM with nothing left to kill panics the guest (QEMU
# exits). Then a request for 1 GiB plugged. Records per run: panics (0 or
# 1) and oom-kills; settled-MiB, the plugged size once it has not changed
# for BENCH_PRESSURE_SETTLE s (at most BENCH_PRESSURE_WAIT s after the
# request); then the workload and the bystander exit and recover is the
# guest time from their exit to MemTotal reaching the request (hptime
# watch -n, at most BENCH_PRESSURE_RECOVER s: one full 300 s backoff of the
# unpatched driver). When the workload was killed or the guest panicked,
# settled-MiB and recover are recorded as unfinished (the kill, not the
# driver, decided where the size went); so is recover when the request was
# not reached in time. Replaces the former oom scenario (the same shrink
# without the bystander and the oom_score_adj setup): its metrics are
# covered here, and both would cost about 10 min per repetition pair.
sc_pressure() {
	local mem target host settled out res status=ok
	VM_VMEM_SIZE=8G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable bench_boot pressure "$1" "$2"
	# OOM kills and the panic are this scenario's metrics, not splats.
	VM_SPLAT_IGNORE='Out of memory|oom-kill|invoked oom-killer|Call Trace:|page allocation failure|Kernel panic - not syncing: System is deadlocked on memory'
	vm_oom_protect
	bench_set_size 4G
	mem=$(guest_memtotal)
	target=$((mem - (3 << 20)))
	vm_bg mc "memcheck -f /tmp/mc.stop 3000" 0
	vm_wait_guest 'filled\|failed' /tmp/mc.log 600
	vm_bg by "bystander -f /tmp/by.stop 32"
	vmem -q resize 1G
	host=$(vm_poll_size $((1 << 30)) "$BENCH_PRESSURE_WAIT" "$BENCH_PRESSURE_SETTLE")
	settled=$((${host#* } >> 20))
	# A killed workload or a dead guest leaves nothing to measure: the
	# kill freed the memory the shrink was waiting for.
	if ! vm_alive || ! VM_RUN_QUIET=1 vm_run 'kill -0 $(cat /tmp/mc.pid)' >/dev/null 2>&1; then
		bench_record settled-MiB MiB "$settled" unfinished
		bench_record recover s 0 unfinished
	else
		bench_record settled-MiB MiB "$settled"
		# The clock starts once both have exited (memcheck ends its
		# current pass first).
		out=$(VM_RUN_QUIET=1 vm_run "touch /tmp/by.stop /tmp/mc.stop
			while kill -0 \$(cat /tmp/mc.pid) 2>/dev/null || kill -0 \$(cat /tmp/by.pid) 2>/dev/null; do usleep 10000; done
			hptime watch -n -T $target -t $BENCH_PRESSURE_RECOVER -s $BENCH_PRESSURE_RECOVER" $((BENCH_PRESSURE_RECOVER + 600))) || true
		res=$(grep '^hptime: result' <<<"$out") || true
		if [ -n "$res" ]; then
			case "$res" in *" status=reached "*) ;; *) status=unfinished ;; esac
			bench_record recover s "$(sed -n 's/.* duration=\([0-9.]*\).*/\1/p' <<<"$res")" "$status"
		elif vm_alive; then
			echo "bench: hptime gave no result: $(tail -n 3 <<<"$out")" >&2
			return 1
		else
			bench_record recover s 0 unfinished
		fi
		# Only a workload that ended by itself prints its total.
		case "$(vm_run 'tail -n 1 /tmp/mc.log' 2>/dev/null)" in
		*" passes over "*", 0 mismatches") bench_record mismatches n 0 ;;
		*" passes over "*) bench_record mismatches n 1 ;;
		esac
	fi
	# A guest that is gone died of a panic (the console says which); any
	# other way for QEMU to end is a failed run.
	if vm_alive; then
		bench_record panics count 0
	elif grep -q 'Kernel panic' "$VM_DIR/console.log"; then
		bench_record panics count 1
	else
		echo "bench: $cur_sc $cur_kernel rep $cur_rep: QEMU ended without a panic on the console" >&2
		return 1
	fi
	bench_record oom-kills count "$(vm_oom_kills)"
	bench_end
}
