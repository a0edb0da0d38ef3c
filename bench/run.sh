#!/usr/bin/env bash
# make bench: every bench scenario on the base and the series kernel (same
# "guest" config), repetitions interleaved base, series, base, series...
# Raw data: build/bench/runs.csv (+ series/, logs/); summary:
# bench/results.md and bench/*.png (bench/report.sh).
#
# Knobs (environment):
#   BENCH_REPS=5            repetitions per scenario and kernel
#   BENCH_SCENARIOS="..."   subset of: idle-sbm idle-bbm partial workload sysfs offline normal cma gigantic pressure
#   BENCH_ACCEL=icount      or mttcg; BENCH_ICOUNT="shift=2" (the -icount argument);
#                           BENCH_SMP vCPUs (default: 1 with icount, 2 with mttcg)
#   BENCH_{BASE,SERIES}_{KERNEL,INITRD}  other kernel images (e.g. base twice)
#   BENCH_IDLE_SIZES, BENCH_PARTIAL_{SIZES,CYCLES}, BENCH_WL_PCTS, BENCH_SYSFS_FRACS, BENCH_SYSFS_CYCLES,
#   BENCH_NORMAL_VARIANTS, BENCH_CMA_CYCLES, BENCH_OFFLINE_{BLOCKS,PIN}, BENCH_GIGANTIC_CYCLES, BENCH_PRESSURE_{WAIT,SETTLE,RECOVER}   see bench/scenarios.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/scenarios.sh

export BENCH_REPS=${BENCH_REPS:-5}
read -r -a scenarios <<<"${BENCH_SCENARIOS:-${BENCH_ALL[*]}}"
kernels=(base series)

die() { echo "bench: $*" >&2; exit 1; }

[[ "$BENCH_REPS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive number, not '$BENCH_REPS'"
for sc in "${scenarios[@]}"; do
	[ -n "${BENCH_COST[$sc]:-}" ] || die "unknown scenario '$sc' in BENCH_SCENARIOS (have: ${BENCH_ALL[*]})"
done
bench_accel_env

# Inputs: both kernels and initramfs (with the bench's guest helpers), the
# QMP client.
[ -x "$VMEMCTL" ] || die "$VMEMCTL is missing; build it with: make host"
for k in "${kernels[@]}"; do
	f=$(bench_kernel "$k")
	[ -f "$f" ] || die "$k kernel $f is missing; build it with: make kernel KERNEL=$k CONFIG=guest"
	f=$(bench_initrd "$k")
	[ -f "$f" ] || die "$k initramfs $f is missing; build it with: make initramfs KERNEL=$k CONFIG=guest"
	for h in hptime fragment memcheck blockinfo bystander; do
		gzip -dc "$f" | cpio -it --quiet 2>/dev/null | grep -qx "opt/bench/$h" ||
			die "$k initramfs $f lacks the guest helper /opt/bench/$h; rebuild it with: make initramfs KERNEL=$k CONFIG=guest"
	done
done
base_sum=$(sha256sum <"$(bench_kernel base)")
series_sum=$(sha256sum <"$(bench_kernel series)")
same=0
[ "$base_sum" != "$series_sum" ] || same=1

est=0
for sc in "${scenarios[@]}"; do est=$((est + BENCH_COST[$sc] * BENCH_REPS * ${#kernels[@]})); done
[ "$BENCH_ACCEL" = icount ] || est=$((est * 3 / 4))
echo "bench: ${scenarios[*]}; $BENCH_REPS repetitions x ${kernels[*]}; $(bench_accel_desc)"
echo "bench: estimated run time $((est / 60)) min $((est % 60)) s"
[ "$same" = 0 ] || echo "bench: note: the base and series kernel images are identical (validation run)"

# Provenance describes the series kernel only when it is the one make
# builds from patches/; status 3: that kernel lacks patches of patches/.
if [ "$(bench_kernel series)" = "build/kbuild/series${BENCH_SERIES:+-$BENCH_SERIES}-guest/arch/x86/boot/bzImage" ]; then
	prc=0
	prov=$(scripts/provenance.sh "series${BENCH_SERIES:+-$BENCH_SERIES}") || prc=$?
	[ "$prc" != 3 ] || die "not measuring a series kernel that lacks patches of patches/ (see above)"
	[ "$prc" = 0 ] || die "scripts/provenance.sh failed (status $prc)"
else
	prov="series=not recorded: BENCH_SERIES_KERNEL=$(bench_kernel series) is not built from patches/ by make"
fi

mkdir -p "$BENCH_OUT"
rm -rf "$BENCH_OUT/series" "$BENCH_OUT/logs"
[ ! -f "$BENCH_OUT/runs.csv" ] || mv "$BENCH_OUT/runs.csv" "$BENCH_OUT/runs.prev.csv"
echo "scenario,metric,unit,kernel,rep,value,status" >"$BENCH_OUT/runs.csv"
: >"$BENCH_OUT/failed.csv"
: >"$BENCH_OUT/splats.csv"
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "nproc=$(nproc)"
	echo "ram=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	echo "qemu=$(vm_qemu_desc)"
	echo "accel=$(bench_accel_desc)"
	echo "vcpus=$VM_SMP"
	echo "reps=$BENCH_REPS"
	echo "scenarios=${scenarios[*]}"
	echo "base=$(bench_kernel base) sha256 ${base_sum:0:12}"
	echo "series=$(bench_kernel series) sha256 ${series_sum:0:12}"
	echo "same=$same"
	echo "estimate=$est"
	# The series and base these kernels were built from (series hash,
	# base version, build/linux vs patches/); date= stays the line above.
	grep -v '^date=' <<<"$prov" | sed 's/^/provenance-/'
} >"$BENCH_OUT/meta.env"

# Ctrl-C or SIGTERM: end the running scenario (timeout(1) puts it in a
# process group of its own, which a terminal's SIGINT does not reach), start
# no other, and keep the results file as it was.
child='' stopped=''
on_signal() {
	stopped=SIG$1
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

start=$SECONDS
failed=0 done_runs=0 all_runs=$((${#scenarios[@]} * BENCH_REPS * ${#kernels[@]}))
for sc in "${scenarios[@]}"; do
	for ((rep = 1; rep <= BENCH_REPS; rep++)); do
		for k in "${kernels[@]}"; do
			[ -z "$stopped" ] || break 3
			rc=0
			# In the background, so that a signal's trap runs at once;
			# each link dies with its parent.
			setpriv --pdeathsig KILL -- timeout -k 10 $((BENCH_COST[$sc] * 10 + 300)) \
				setpriv --pdeathsig TERM -- bench/one.sh "$sc" "$k" "$rep" &
			child=$!
			while wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null; do :; done
			child=
			[ -z "$stopped" ] || break 3
			done_runs=$((done_runs + 1))
			if [ "$rc" -ne 0 ]; then
				echo "bench: $sc $k rep $rep: FAILED (status $rc; logs in $BENCH_OUT/logs/$sc/)"
				echo "$sc,$k,$rep,$rc" >>"$BENCH_OUT/failed.csv"
				failed=$((failed + 1))
			fi
		done
	done
	echo "bench: $sc done, $((SECONDS - start)) s elapsed"
done
echo "elapsed=$((SECONDS - start))" >>"$BENCH_OUT/meta.env"
if [ -n "$stopped" ]; then
	echo "bench: interrupted by $stopped after $done_runs of $all_runs runs; the rest not run;" \
		"${BENCH_RESULTS:-bench/results.md} left as it was; finished runs in $BENCH_OUT/runs.csv" >&2
	exit 130
fi

bench/report.sh
echo "bench: $((SECONDS - start)) s; results in ${BENCH_RESULTS:-bench/results.md}, raw data in $BENCH_OUT/"
[ "$failed" -eq 0 ] || die "$failed runs failed (see $BENCH_OUT/failed.csv)"
