#!/usr/bin/env bash
# Run host-driven scenarios (default: every tests/NAME.sh but lib.sh and
# run.sh), each under a hard timeout, keep each TAP stream under
# $BENCH_LOGS, then print a report and "N passed, N failed, N skipped".
#   run.sh [NAME...]
set -uo pipefail

logs=${BENCH_LOGS:-build/logs}
limit=${BENCH_SCENARIO_TIMEOUT:-1200}
mkdir -p "$logs"
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	for f in tests/*.sh; do
		n=${f##*/}; n=${n%.sh}
		case "$n" in lib | run | tap-selftest | vmemctl | smoke) ;; *) names+=("$n") ;; esac
	done
	# The harness checks itself first, then the cheapest end-to-end test.
	names=(tap-selftest vmemctl smoke "${names[@]}")
fi

pass_total=0 fail_total=0 skip_total=0 todo_total=0
report=()
for n in "${names[@]}"; do
	[ -f "tests/$n.sh" ] || { echo "run: no scenario tests/$n.sh" >&2; fail_total=$((fail_total + 1)); report+=("not ok - $n: no such scenario"); continue; }
	echo "# scenario $n"
	start=$SECONDS
	# Each link dies with its parent, so killing this runner also ends the
	# scenario and (through host/vm.sh) its QEMU.
	setpriv --pdeathsig KILL -- timeout -k 10 "$limit" \
		setpriv --pdeathsig TERM -- bash "tests/$n.sh" 2>&1 | tee "$logs/$n.tap" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	summary=$(awk -f tests/tap.awk "$logs/$n.tap")
	read -r line <<<"$summary"
	reason=${line#* reason=}
	for kv in ${line%% reason=*}; do
		case "$kv" in
		pass=*) pass=${kv#*=} ;;
		fail=*) fail=${kv#*=} ;;
		skip=*) skip=${kv#*=} ;;
		todo=*) todo=${kv#*=} ;;
		status=*) status=${kv#*=} ;;
		esac
	done
	[ "$rc" -eq 124 ] && reason="timed out after ${limit}s${reason:+; $reason}"
	if [ "$rc" -ne 0 ] && [ "$status" = ok ]; then
		status=fail; fail=$((fail + 1)); reason="exit status $rc${reason:+; $reason}"
	fi
	pass_total=$((pass_total + pass))
	fail_total=$((fail_total + fail))
	skip_total=$((skip_total + skip))
	todo_total=$((todo_total + todo))
	word="ok"; [ "$status" = ok ] || word="not ok"
	report+=("$word - $n: $pass passed, $fail failed, $skip skipped, $todo todo ($((SECONDS - start)) s)${reason:+ - $reason}")
	while IFS= read -r extra; do report+=("      $extra"); done < <(tail -n +2 <<<"$summary")
done

echo
echo "# report (logs in $logs/)"
printf '%s\n' "${report[@]}"
msg="$pass_total passed, $fail_total failed, $skip_total skipped"
[ "$todo_total" -gt 0 ] && msg="$msg, ${todo_total} todo"
echo "$msg"
[ "$fail_total" -eq 0 ]
