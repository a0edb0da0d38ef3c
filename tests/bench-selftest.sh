#!/usr/bin/env bash
# Test of make bench's driver (bench/run.sh) on fake scenarios, without a
# kernel or QEMU: a copy of the bench in a scratch directory, with
# bench/scenarios.sh replaced by a slow and a quick scenario, fake kernel
# images and an initramfs that lists the guest helpers. Checks that Ctrl-C
# (SIGINT to the process group, as a terminal sends it) and SIGTERM to
# the driver alone stop the bench at once: the running scenario ends with
# what it started, no later run starts, the results file is left as it
# was, and the exit status is 130.
# posting: all (the harness itself: run for every posting)
# timeout: 120
set -euo pipefail

sandbox=$(mktemp -d)
marker="bench-selftest-$$"
trap 'pkill -KILL -f "$marker" 2>/dev/null || true; rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/bench" "$sandbox/host" "$sandbox/scripts" "$sandbox/fake/root/opt/bench"
cp bench/run.sh bench/lib.sh bench/one.sh bench/stats.awk "$sandbox/bench/"
cp host/vm.sh "$sandbox/host/"
printf '#!/bin/sh\necho provenance=fake\n' >"$sandbox/scripts/provenance.sh"
printf '#!/bin/sh\nexit 0\n' >"$sandbox/fake/vmemctl"
chmod +x "$sandbox/scripts/provenance.sh" "$sandbox/fake/vmemctl"
echo base >"$sandbox/fake/base.img"
echo series >"$sandbox/fake/series.img"
for h in hptime fragment memcheck blockinfo bystander; do : >"$sandbox/fake/root/opt/bench/$h"; done
(cd "$sandbox/fake/root" && find . | cpio -o -H newc --quiet | gzip) >"$sandbox/fake/initrd.gz"
# slow: one metric, then a child that would outlive it if not killed.
cat >"$sandbox/bench/scenarios.sh" <<EOF
BENCH_ALL=(slow quick)
declare -A BENCH_COST=([slow]=1 [quick]=1)
sc_slow() {
	cur_sc=slow cur_kernel=\$1 cur_rep=\$2
	bench_record started n 1
	bash -c 'exec -a $marker-child sleep 300'
	bench_record slept n 1
}
sc_quick() {
	cur_sc=quick cur_kernel=\$1 cur_rep=\$2
	: >"\$BENCH_OUT/quick-ran"
	bench_record ran n 1
}
EOF

echo "TAP version 13"
echo "1..10"
# shellcheck source=tests/lib-selftest.sh
. tests/lib-selftest.sh

# interrupted SIGNAL HOW: start slow and quick, once on each kernel; once
# slow runs, send SIGNAL to the driver's group (HOW=group) or to the
# driver only (HOW=runner); then the five checks of what must follow.
interrupted() {
	local sig=$1 how=$2 log="$sandbox/$1.out" out="$sandbox/out-$1" t0 target pid i rc=0
	echo "results before the run" >"$sandbox/results.md"
	(cd "$sandbox" && exec setsid env BENCH_SCENARIOS="slow quick" BENCH_REPS=1 BENCH_OUT="$out" \
		BENCH_RESULTS="$sandbox/results.md" VMEMCTL="$sandbox/fake/vmemctl" \
		BENCH_BASE_KERNEL=fake/base.img BENCH_SERIES_KERNEL=fake/series.img \
		BENCH_BASE_INITRD=fake/initrd.gz BENCH_SERIES_INITRD=fake/initrd.gz \
		bash bench/run.sh >"$log" 2>&1) &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^slow,started,' "$out/runs.csv" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
	target=$pid
	[ "$how" = runner ] || target=-$pid
	t0=$SECONDS
	kill "-$sig" -- "$target" 2>/dev/null || true
	# At most 20 s: a driver that ignores the signal fails, not hangs.
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	check "$(( SECONDS - t0 > 15 ))" "SIG$sig to the $how: the bench ended within 15 s ($((SECONDS - t0)) s)"
	check "$([ "$rc" = 130 ] && grep -q "interrupted by SIG$sig after 0 of 4 runs" "$log"; echo $?)" \
		"SIG$sig to the $how: exit status 130 (got $rc), and it says how many runs finished" "$(cat "$log")"
	check "$([ ! -e "$out/quick-ran" ] && ! grep -q '^slow,started,[a-z]*,series' "$out/runs.csv"; echo $?)" \
		"SIG$sig to the $how: no later run started" "$(cat "$out/runs.csv")"
	check "$([ "$(cat "$sandbox/results.md")" = "results before the run" ]; echo $?)" \
		"SIG$sig to the $how: the results file is left as it was"
	check "$( ! pgrep -f "$marker" >/dev/null; echo $?)" \
		"SIG$sig to the $how: nothing the scenario started is left running" "$(pgrep -af "$marker" || true)"
}

interrupted INT group
interrupted TERM runner
