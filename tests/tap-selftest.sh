#!/usr/bin/env bash
# Unit test of tests/tap.awk over saved TAP streams in tests/testdata/:
# a short plan, a bail-out or a missing plan must never count as a pass.
set -euo pipefail

echo "TAP version 13"
echo "1..5"
n=0 failed=0
check() {   # check FILE WANT-SUBSTRING...
	local file=$1 got w ok=1
	shift
	got=$(awk -f tests/tap.awk "tests/testdata/$file" | head -n 1)
	for w in "$@"; do
		[[ "$got" == *"$w"* ]] || ok=0
	done
	n=$((n + 1))
	if [ "$ok" = 1 ]; then
		echo "ok $n - $file: $*"
	else
		echo "not ok $n - $file: $*"
		echo "# got: $got"
		failed=$((failed + 1))
	fi
}
check complete.tap "pass=1 " "fail=0 " "skip=1 " "todo=1 " status=ok
check failed.tap "pass=1 " "fail=1 " status=fail
check truncated.tap "pass=2 " "fail=3 " status=fail "3 planned test(s) never reported"
check bail.tap "fail=4 " status=fail "Bail out! guest did not boot"
check noplan.tap status=fail "no TAP plan"
[ "$failed" -eq 0 ]
