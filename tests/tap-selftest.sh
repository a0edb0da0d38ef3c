#!/usr/bin/env bash
# Unit test of the TAP summariser (tests/tap-summary.pl, on perl's
# TAP::Parser) over saved streams in tests/testdata/: a short plan, a
# bail-out (even after a complete plan), a missing plan, duplicate numbers,
# two plans and "not ok # SKIP" must never count as a pass; console noise,
# a "skip" word in a description, TODO/XFAIL and a skip-all plan must not
# count as failures. Each verdict is also checked against prove's.
# posting: all (the harness and the guest itself: run for every posting)
# timeout: 60
set -euo pipefail

cases=(
	"complete.tap|pass=1 |fail=0 |skip=1 |todo=1 |status=ok"
	"failed.tap|pass=1 |fail=1 |status=fail"
	"truncated.tap|pass=2 |fail=3 |status=fail|3 planned test(s) never reported"
	"bail.tap|fail=4 |status=fail|Bail out! guest did not boot"
	"noplan.tap|status=fail|no TAP plan"
	"bail-after-plan.tap|pass=2 |status=fail|Bail out! late"
	"duplicate.tap|status=fail|out of sequence"
	"two-plans.tap|status=fail|More than one plan"
	"notok-skip.tap|fail=1 |skip=0 |status=fail"
	"skip-word.tap|pass=2 |skip=0 |status=ok"
	"noise.tap|pass=1 |todo=1 |status=ok"
	"skip-all.tap|skip=1 |status=ok"
	"xfail.tap|pass=1 |todo=1 |status=ok"
)
echo "TAP version 13"
echo "1..$((${#cases[@]} * 2))"
n=0 failed=0
result() {   # result OK DESCRIPTION DIAGNOSTIC
	n=$((n + 1))
	if [ "$1" = 1 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		echo "# $3"
		failed=$((failed + 1))
	fi
}
for c in "${cases[@]}"; do
	IFS='|' read -r -a want <<<"$c"
	file=tests/testdata/${want[0]}
	got=$(perl tests/tap-summary.pl "$file" | head -n 1)
	ok=1
	for w in "${want[@]:1}"; do
		[[ "$got" == *"$w"* ]] || ok=0
	done
	result "$ok" "${want[0]}: ${want[*]:1}" "got: $got"
	# prove (TAP::Harness) must reach the same verdict.
	prove_ok=1
	prove -e cat "$file" >/dev/null 2>&1 || prove_ok=0
	ours_ok=0
	[[ "$got" == *status=ok* ]] && ours_ok=1
	ok=0
	[ "$prove_ok" = "$ours_ok" ] && ok=1
	result "$ok" "${want[0]}: prove agrees ($([ "$prove_ok" = 1 ] && echo pass || echo fail))" "prove says $prove_ok, tap-summary says $ours_ok"
done
[ "$failed" -eq 0 ]
