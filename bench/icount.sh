#!/usr/bin/env bash
# Is QEMU -icount worth it? Runs the same scenarios (default: idle-sbm with
# 1 and 4 GiB, and sysfs) on the base kernel (as both "base" and "series",
# so every run is a sample of the same thing) under each accelerator mode
# and writes bench/icount.md: the spread of every metric per mode.
#   icount.sh       (knobs: ICOUNT_MODES, ICOUNT_REPS, ICOUNT_SCENARIOS,
#                    ICOUNT_SIZES, ICOUNT_REUSE=1 keeps finished modes)
set -euo pipefail
cd "$(dirname "$0")/.."

# A mode is ACCEL[:ICOUNT-ARGS]/VCPUS.
read -r -a modes <<<"${ICOUNT_MODES:-mttcg/2 icount:shift=auto/2 icount:shift=2/2 icount:shift=2/1}"
reps=${ICOUNT_REPS:-3}
kern=build/kbuild/base-guest/arch/x86/boot/bzImage
initrd=build/initramfs/base-guest.cpio.gz
start=$SECONDS
for m in "${modes[@]}"; do
	d=build/bench/icount/${m//[:=\/]/-}
	if [ "${ICOUNT_REUSE:-0}" = 1 ] && [ -s "$d/runs.csv" ]; then
		echo "icount: mode $m: reusing $d/runs.csv"
		continue
	fi
	echo "icount: mode $m, $reps x 2 runs per scenario, output in $d"
	a=${m%/*}
	BENCH_OUT=$d BENCH_RESULTS=$d/results.md BENCH_REPS=$reps \
		BENCH_ACCEL=${a%%:*} BENCH_ICOUNT=${a#*:} BENCH_SMP=${m##*/} \
		BENCH_SCENARIOS="${ICOUNT_SCENARIOS:-idle-sbm sysfs}" BENCH_IDLE_SIZES="${ICOUNT_SIZES:-1G 4G}" \
		BENCH_BASE_KERNEL=$kern BENCH_SERIES_KERNEL=$kern BENCH_BASE_INITRD=$initrd BENCH_SERIES_INITRD=$initrd \
		bench/run.sh
done

# Per metric and mode: median and relative spread (coefficient of variation
# and (max - min) / median) over all 2 x reps runs.
{
	echo "# Accelerator mode: run-to-run spread"
	echo
	echo "Written by \`bench/icount.sh\` on $(date -u "+%Y-%m-%d"): the base kernel"
	echo "$((2 * reps)) times per mode (one boot each), on the shared 2-core host."
	echo "Modes are ACCEL[:ICOUNT-ARGS]/VCPUS. Each cell: median, coefficient of"
	echo "variation (CV) and (max - min) / median."
	echo
	printf '| scenario | metric |'
	for m in "${modes[@]}"; do printf ' %s |' "$m"; done
	echo
	printf '| --- | --- |'
	for m in "${modes[@]}"; do printf ' --- |'; done
	echo
	for m in "${modes[@]}"; do
		d=build/bench/icount/${m//[:=\/]/-}
		awk -F, -v m="$m" 'NR > 1 && $3 == "s" && ($7 == "" || $7 == "ok") { print m "|" $1 "|" $2 "|" $6 }' "$d/runs.csv"
	done | awk -F'|' -v modes="${modes[*]}" -f bench/stats.awk -f /dev/fd/3 3<<'EOF'

	{
		key = $2 "|" $3
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		k = key SUBSEP $1; c[k]++; v[k, c[k]] = $4 + 0; s[k] += $4; q[k] += $4 * $4
	}
	END {
		nm = split(modes, ms, " ")
		for (i = 1; i <= n; i++) {
			split(order[i], p, "|"); line = "| " p[1] " | " p[2] " |"
			for (j = 1; j <= nm; j++) {
				k = order[i] SUBSEP ms[j]; m = c[k]
				if (!m) { line = line " n/a |"; continue }
				for (a = 1; a <= m; a++) x[a] = v[k, a]
				split(stats(x, m), st, " "); med = st[1]
				mean = s[k] / m; var = q[k] / m - mean * mean; if (var < 0) var = 0
				line = line sprintf(" %.3f s, CV %.0f%%, range %.0f%% |", med, 100 * sqrt(var) / mean, 100 * (x[m] - x[1]) / med)
			}
			print line
		}
	}
EOF
} >bench/icount.md
echo "icount: wrote bench/icount.md ($((SECONDS - start)) s)"
