#!/usr/bin/env bash
# Summarise a bench run: $BENCH_OUT/runs.csv (+ meta.env, series/) into
# bench/results.md, bench/time-vs-size.png and bench/memtotal-unplug.png.
#   report.sh [OUT_DIR]      (default: $BENCH_OUT or build/bench)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-${BENCH_OUT:-build/bench}}
md=${BENCH_RESULTS:-bench/results.md}
png_dir=$(dirname "$md")
csv=$out/runs.csv
[ -f "$csv" ] || { echo "report: $csv not found; run bench/run.sh first" >&2; exit 1; }
[ -f "$out/meta.env" ] || { echo "report: $out/meta.env not found" >&2; exit 1; }

meta() { sed -n "s/^$1=//p" "$out/meta.env" | head -n 1; }

# One line per scenario and metric, in the order they were first recorded:
# scenario metric unit bmed bmin bmax bn bunfinished smed smin smax sn
# sunfinished ratio bsum ssum. Values of unfinished runs (status column,
# when runs.csv has one) are left out of the medians and counted instead;
# the sums (of every run, unfinished or not) are for unit "count" (e.g.
# OOM kills, panics), where the total says more than a median.
summary=$(awk -F, -f bench/stats.awk -f /dev/fd/3 "$csv" 3<<'EOF'
NR > 1 {
	key = $1 SUBSEP $2
	if (!(key in unit)) { order[++n] = key; unit[key] = $3 }
	sum[key, $4] += $6
	if ($7 != "" && $7 != "ok") { unf[key, $4]++; next }
	v[key, $4, ++c[key, $4]] = $6
}
function cell(key, k,    m, i, a) {
	m = c[key, k] + 0
	for (i = 1; i <= m; i++) a[i] = v[key, k, i] + 0
	return stats(a, m) " " (unf[key, k] + 0)
}
END {
	for (i = 1; i <= n; i++) {
		key = order[i]; split(key, p, SUBSEP)
		b = cell(key, "base"); split(b, bs, " ")
		s = cell(key, "series"); split(s, ss, " ")
		r = (bs[4] && ss[4] && bs[1] != 0) ? sprintf("%.3f", ss[1] / bs[1]) : "n/a"
		print p[1], p[2], unit[key], b, s, r, sum[key, "base"] + 0, sum[key, "series"] + 0
	}
}
EOF
)

fmt() {   # fmt MEDIAN MIN MAX N UNFINISHED UNIT SUM: "median [min–max] (n=N)"
	local n="n=$4"
	[ "$5" = 0 ] || n="$n, $5 unfinished"
	[ "$4" != 0 ] || { echo "n/a ($n)"; return; }
	case "$6" in
	count) awk -v t="$7" -v a="$2" -v b="$3" -v n="$n" 'BEGIN { printf "%g total [%g–%g per run] (%s)", t, a, b, n }' ;;
	s) awk -v m="$1" -v a="$2" -v b="$3" -v n="$n" 'BEGIN {
		u = "s"; f = 1; if (b < 1) { u = "ms"; f = 1000 }
		printf "%.*f %s [%.*f–%.*f] (%s)", (f == 1 ? 3 : 1), m * f, u, (f == 1 ? 3 : 1), a * f, (f == 1 ? 3 : 1), b * f, n }' ;;
	n) awk -v m="$1" -v a="$2" -v b="$3" -v n="$n" 'BEGIN { printf "%g [%g–%g] (%s)", m, a, b, n }' ;;
	*) awk -v m="$1" -v a="$2" -v b="$3" -v u="$6" -v n="$n" 'BEGIN {
		printf "%g %s [%g–%g] (%s)", m, u, a, b, n }' ;;
	esac
}

# Plot (1): guest time vs size, idle SBM (and BBM dashed), both kernels.
plot_data=$out/time-vs-size.dat
awk '$1 ~ /^idle-(sbm|bbm)$/ && $2 ~ /^(plug|unplug)-[0-9]+G$/ {
	split($2, p, "-"); size = p[2]; sub(/G$/, "", size)
	print $1, p[1], size, $4, $5, $6, $9, $10, $11 }' <<<"$summary" | sort -k1,1 -k2,2 -k3,3n >"$plot_data"

term="pngcairo size 900,600 font 'sans,10'"
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 || term="png size 900,600"

have_plot1=0
if [ -s "$plot_data" ] && grep -q '^idle-sbm' "$plot_data"; then
	have_plot1=1
	gnuplot <<-EOF
		set terminal $term
		set output '$png_dir/time-vs-size.png'
		set title 'virtio-mem plug/unplug on an idle guest (guest-side time, median, bars: min-max)'
		set xlabel 'size (GiB)'
		set ylabel 'time (s)'
		set logscale xy 2
		set key top left
		set grid
		f = '$plot_data'
		plot \
		  f using (strcol(1) eq 'idle-sbm' && strcol(2) eq 'plug' ? \$3 : 1/0):4:5:6 with yerrorlines lw 4 pt 7 ps 1.2 lc rgb '#1f77b4' title 'base plug (SBM)', \
		  f using (strcol(1) eq 'idle-sbm' && strcol(2) eq 'plug' ? \$3 : 1/0):7:8:9 with yerrorlines lw 1.5 pt 5 ps 0.8 lc rgb '#d62728' title 'series plug (SBM)', \
		  f using (strcol(1) eq 'idle-sbm' && strcol(2) eq 'unplug' ? \$3 : 1/0):4:5:6 with yerrorlines lw 4 dt 2 pt 7 ps 1.2 lc rgb '#1f77b4' title 'base unplug (SBM)', \
		  f using (strcol(1) eq 'idle-sbm' && strcol(2) eq 'unplug' ? \$3 : 1/0):7:8:9 with yerrorlines lw 1.5 dt 2 pt 5 ps 0.8 lc rgb '#d62728' title 'series unplug (SBM)'
	EOF
fi

# Plot (2): MemTotal during the largest idle SBM unplug of 4 GiB or less
# (first repetition), both kernels on the same axes.
have_plot2=0
big=
for s in 4G 1G; do
	if [ -f "$out/series/idle-sbm.unplug-$s.base.1.dat" ] && [ -f "$out/series/idle-sbm.unplug-$s.series.1.dat" ]; then
		big=$s
		break
	fi
done
if [ -n "$big" ]; then
	have_plot2=1
	gnuplot <<-EOF
		set terminal $term
		set output '$png_dir/memtotal-unplug.png'
		set title 'Guest MemTotal while unplugging $big (idle, SBM, repetition 1; t = 0: driver sees the request)'
		set xlabel 'time since the request (s)'
		set ylabel 'MemTotal (GiB)'
		set key top right
		set grid
		plot '$out/series/idle-sbm.unplug-$big.base.1.dat' using 1:(\$2 / 1048576.0) with steps lw 4 lc rgb '#1f77b4' title 'base', \
		     '$out/series/idle-sbm.unplug-$big.series.1.dat' using 1:(\$2 / 1048576.0) with steps lw 1.5 lc rgb '#d62728' title 'series'
	EOF
fi

failed=$(grep -c . "$out/failed.csv" 2>/dev/null || true)
splats=$(grep -c . "$out/splats.csv" 2>/dev/null || true)
elapsed=$(meta elapsed)

# A report made again from an older run, or a run made before patches/
# changed, says so: its numbers are not of today's series.
made=$(meta provenance-series | cut -d' ' -f1)
stale=
if [ -n "$made" ]; then
	# shellcheck source=scripts/lib-series.sh
	. scripts/lib-series.sh
	read -r -a stack < <(meta provenance-series | sed -n 's/.*(stack \([^:]*\):.*/\1/p') || true
	now=$(series_hash "${stack[@]}")
	if [ "$now" != "$made" ]; then
		stale="made from series $made; patches/ is now $now"
		echo "report: $stale" >&2
	fi
fi

{
	echo "# Bench results: PageOffline series vs base"
	echo
	echo "Written by \`make bench\` (bench/run.sh, bench/report.sh); raw data in"
	echo "\`$out/runs.csv\` (one row per run and metric), MemTotal time series in"
	echo "\`$out/series/\`, guest consoles and command logs in \`$out/logs/\`."
	echo
	if [ "$(meta same)" = 1 ]; then
		echo "**Validation run: the base and series kernel images are identical, so every"
		echo "ratio only shows the bench's own noise.**"
		echo
	fi
	echo "## Setup"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| date | $(meta date) |"
	echo "| host | $(meta nproc) CPUs, $(meta ram) RAM, $(meta cpu) |"
	echo "| QEMU | $(meta qemu) |"
	echo "| accelerator | $(meta accel) |"
	echo "| guest | q35, $(meta vcpus | grep . || echo "?") vCPU(s), virtio-mem-pci (unplugged-inaccessible=on), kernels built from the same \"guest\" config |"
	echo "| base | \`$(meta base)\` |"
	echo "| series | \`$(meta series)\` |"
	echo "| patches | $(meta provenance-series | grep . || echo "not recorded")${stale:+ (**$stale**)} |"
	echo "| base package | $(meta provenance-base | grep . || echo "not recorded") |"
	echo "| build/linux | $(meta provenance-tree | grep . || echo "not recorded") |"
	echo "| repetitions | $(meta reps) per scenario and kernel, interleaved base, series, base, series, ... (one guest boot per run) |"
	echo "| run time | ${elapsed:-?} s (estimated up front: $(meta estimate) s) |"
	echo "| failed runs | ${failed:-0}$([ "${failed:-0}" = 0 ] || echo " (\`$out/failed.csv\`; their metrics are missing)") |"
	echo "| runs with kernel splats | ${splats:-0}$([ "${splats:-0}" = 0 ] || echo " (\`$out/splats.csv\`)") |"
	echo
	echo "## Results"
	echo
	echo "Median [min–max] over the repetitions that finished, and their number n;"
	echo "runs whose resize did not reach its target are left out and counted as"
	echo "unfinished, and failed runs are missing (n < $(meta reps))."
	echo "Ratio = series median / base median (below 1: the series is faster or"
	echo "smaller). Times without a suffix are guest-side (hptime, see below);"
	echo "\`-host\` is the host's view."
	echo
	echo "| scenario | metric | base median [min–max] | series median [min–max] | series/base |"
	echo "| --- | --- | --- | --- | --- |"
	while read -r sc metric unit bm ba bb bn bu sm sa sb sn su ratio bt st; do
		echo "| $sc | $metric | $(fmt "$bm" "$ba" "$bb" "$bn" "$bu" "$unit" "$bt") | $(fmt "$sm" "$sa" "$sb" "$sn" "$su" "$unit" "$st") | $ratio |"
	done <<<"$summary"
	echo
	if [ "$have_plot1" = 1 ]; then
		echo "![guest time vs size, plug and unplug, SBM](time-vs-size.png)"
		echo
	fi
	if [ "$have_plot2" = 1 ]; then
		echo "![guest MemTotal during a $big unplug](memtotal-unplug.png)"
		echo
	fi
	# What the numbers mean: written by hand for one run. Copied only when
	# it names this run's date; otherwise it would read as a comment on
	# numbers it never saw.
	if [ -f bench/reading.md ]; then
		notes_for=$(sed -n 's/^<!-- run: \(.*\) -->$/\1/p' bench/reading.md | head -n 1)
		if [ -n "$notes_for" ] && [ "$notes_for" = "$(meta date)" ]; then
			sed -e '/^<!-- run: /d' -e 's/^# /## /' bench/reading.md
		else
			echo "## Reading this run"
			echo
			echo "No notes for this run yet. bench/reading.md was written by hand for the"
			echo "run of ${notes_for:-an unknown date} and is stale here: it is not copied"
			echo "under these numbers. Write new notes and put \`<!-- run: $(meta date) -->\`"
			echo "at their top."
		fi
		echo
	fi
	cat bench/method.md
	if [ -f bench/icount.md ]; then
		echo
		sed 's/^# /## /' bench/icount.md
	fi
} >"$md"
echo "report: wrote $md$([ "$have_plot1" = 0 ] || echo ", $png_dir/time-vs-size.png")$([ "$have_plot2" = 0 ] || echo ", $png_dir/memtotal-unplug.png")"
