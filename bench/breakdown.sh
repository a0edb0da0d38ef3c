#!/usr/bin/env bash
# Where the time of an unplug under load goes. Repeats the steps of the
# bench's workload scenario (bench/scenarios.sh, sc_workload: 3 GiB boot
# memory, 2 GiB plugged in 2 MiB device blocks, memcheck holding PCT% of it
# and stopped, then everything unplugged) once per kernel and percentage,
# and records around the unplug:
#   - the /proc/vmstat counters of migration, compaction and THP that moved;
#   - AnonHugePages before the unplug (is the workload THP-backed?);
#   - MemTotal's steps (hptime), i.e. how long each memory block took;
#   - where the guest's CPU was: its RIP sampled every 2 ms through QEMU's
#     monitor (bench/rip-sample.py), as functions from /proc/kallsyms.
# Guest time under -icount, as in make bench. Not a benchmark: one run each,
# for reading, not for ratios.
#
#   bench/breakdown.sh [KERNEL...]     KERNEL: base, series (default both)
#   BREAKDOWN_PCTS="50 90"  BREAKDOWN_OUT=build/breakdown
# Writes $BREAKDOWN_OUT/KERNEL-PCT.{vmstat,series,txt} and prints a summary.
set -euo pipefail
. bench/lib.sh
# shellcheck source=bench/scenarios.sh
. bench/scenarios.sh   # guest_movable_used_mib

kernels=("$@")
[ "${#kernels[@]}" -gt 0 ] || kernels=(base series)
pcts=${BREAKDOWN_PCTS:-50 90}
out=${BREAKDOWN_OUT:-build/breakdown}
mkdir -p "$out"
BENCH_OUT=$out

vmstat_snap() {
	vm_run 'grep -E "^(pgmigrate|thp_migration|compact_|pgalloc_|pgfree|thp_split|thp_fault|nr_isolated|pgsteal|pgscan|drain)" /proc/vmstat'
}

for kernel in "${kernels[@]}"; do
	for pct in $pcts; do
		mib=$((2048 * pct / 100))
		VM_DIR=$BENCH_OUT/logs/breakdown/$kernel-$pct
		mkdir -p "$VM_DIR"
		bench_accel_env
		VM_EXTRA+=" -monitor unix:$VM_DIR/hmp.sock,server=on,wait=off"
		VM_KERNEL=$(bench_kernel "$kernel") VM_INITRD=$(bench_initrd "$kernel") \
			VM_BOOT_MEM=3G VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=online_movable vm_start
		cur_sc=breakdown cur_kernel=$kernel cur_rep=$pct
		bench_set_size 2G
		memcpy=$(vm_run "hptime memcpy $mib" | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
		vm_bg mc "memcheck -f /tmp/mc.stop $mib"
		vm_run 'i=0; while ! grep -q "filled\|failed" /tmp/mc.log; do
			i=$((i + 1)); [ $i -lt 12000 ] || exit 1; usleep 50000; done
			kill -STOP $(cat /tmp/mc.pid)' 700 >/dev/null
		thp=$(vm_run "awk '/^AnonHugePages:/ {print int(\$2 / 1024)}' /proc/meminfo")
		movable=$(guest_movable_used_mib)
		vm_run 'cat /proc/kallsyms' 120 >"$out/$kernel-$pct.kallsyms"
		vmstat_snap >"$out/$kernel-$pct.before"
		rm -f "$VM_DIR/stop"
		bench/rip-sample.py sample "$VM_DIR/hmp.sock" "$out/$kernel-$pct.rips" "$VM_DIR/stop" &
		sampler=$!
		bench_resize "unplug" 0 300 300
		touch "$VM_DIR/stop"
		wait "$sampler" || echo "breakdown: the RIP sampler failed" >&2
		vmstat_snap >"$out/$kernel-$pct.after"
		vm_run 'kill -CONT $(cat /tmp/mc.pid)' >/dev/null
		check=$(vm_stop_bg mc)
		cp "$BENCH_OUT/series/breakdown.unplug.$kernel.$pct.dat" "$out/$kernel-$pct.series" 2>/dev/null || true
		bench_end
		unplug=$(awk -F, -v k="$kernel" -v p="$pct" '$1 == "breakdown" && $2 == "unplug" && $4 == k && $5 == p {v = $6} END {print v}' "$BENCH_OUT/runs.csv")
		{
			echo "kernel=$kernel pct=$pct workload=${mib}MiB movable_used=${movable}MiB anon_huge=${thp}MiB"
			echo "memcpy=${memcpy}s unplug=${unplug}s ratio=$(awk -v u="$unplug" -v m="$memcpy" 'BEGIN {if (m > 0) printf "%.1f", u / m}')"
			echo "memcheck: $check"
			# vmstat deltas that moved
			join <(sort "$out/$kernel-$pct.before") <(sort "$out/$kernel-$pct.after") |
				awk '$3 != $2 {printf "  %-32s %12d\n", $1, $3 - $2}'
			# per memory block: MemTotal drops by 131072 kB per block
			if [ -s "$out/$kernel-$pct.series" ]; then
				awk 'NR == 1 {t0 = $1; k0 = $2; next}
					{dt = $1 - t0; printf "  step %2d: %7.3f s  -%d MiB\n", ++n, dt, (k0 - $2) / 1024; t0 = $1; k0 = $2}' \
					"$out/$kernel-$pct.series"
			fi
			echo "where the guest CPU was during the unplug:"
			bench/rip-sample.py report "$out/$kernel-$pct.kallsyms" "$out/$kernel-$pct.rips" 12 | sed 's/^/  /'
		} | tee "$out/$kernel-$pct.txt"
	done
done
