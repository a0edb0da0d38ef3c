#!/usr/bin/env bash
# Unit test of the TAP summariser (tests/tap-summary.pl, on perl's
# TAP::Parser) over saved streams in tests/testdata/: a short plan, a
# bail-out (even after a complete plan), a missing plan, duplicate numbers,
# two plans and "not ok # SKIP" must never count as a pass; console noise,
# a "skip" word in a description, TODO/XFAIL and a skip-all plan must not
# count as failures. Each verdict is also checked against prove's.
# Then make check-upstream's comparison (scripts/upstream-table.pl) on
# made-up runs: a test that fails on both kernels, or only on the base,
# passes; a new failure, a category the series never reached and a splat
# only the series has fail.
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
upstream=(same fixed new-fail not-reached new-splat)
echo "1..$((${#cases[@]} * 2 + ${#upstream[@]}))"
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

# mm_run DIR MMAP SHM [SPLAT]: a made-up mm-selftests run: hugetlb with
# hugetlb-mmap and hugetlb-shm (each ok or FAIL, or hugetlb not reached:
# MMAP=none), the hotplug script, and the console's splats.
mm_run() {
	local d=$1 mmap=$2 shm=$3 splat=${4:-} st cat=ok n=1
	mkdir -p "$d/mm-selftests"
	{
		echo "TAP version 13"
		echo "1..2"
		if [ "$mmap" != none ]; then
			for st in "$mmap hugetlb-mmap" "$shm hugetlb-shm"; do
				# shellcheck disable=SC2086 # STATUS NAME, split on purpose
				set -- $st
				if [ "$1" = ok ]; then echo "ok $n $2"; else echo "not ok $n $2 # exit=1"; cat=fail; fi
				n=$((n + 1))
			done
			echo "1..2"
		fi
	} >"$d/mm-selftests/hugetlb.tap"
	echo "mem-on-off-test: done" >"$d/mm-selftests/hotplug.tap"
	printf '%s' "$splat" >"$d/mm-selftests/splats.txt"
	{
		echo "TAP version 13"
		echo "1..3"
		if [ "$mmap" = none ]; then echo "not ok 1 - hugetlb"; elif [ "$cat" = ok ]; then echo "ok 1 - hugetlb"; else echo "not ok 1 - hugetlb"; fi
		echo "ok 2 - hotplug"
		if [ -n "$splat" ]; then echo "not ok 3 - console free of kernel splats"; else echo "ok 3 - console free of kernel splats"; fi
	} >"$d/mm-selftests.tap"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mm_run "$tmp/base" ok FAIL $'[   10.000000] WARNING: CPU: 0 PID: 12 at mm/a.c:1 f+0x1/0x2\n'
mm_run "$tmp/same" ok FAIL $'[   11.500000] WARNING: CPU: 1 PID: 99 at mm/a.c:1 f+0x1/0x2\n'
mm_run "$tmp/fixed" ok ok
mm_run "$tmp/new-fail" FAIL FAIL
mm_run "$tmp/not-reached" none none
mm_run "$tmp/new-splat" ok FAIL $'[   10.000000] BUG: KASAN: use-after-free in g+0x10/0x20\n'
for u in "${upstream[@]}"; do
	rc=0
	out=$(perl scripts/upstream-table.pl "$tmp/base" "$tmp/$u" 2>&1) || rc=$?
	case "$u" in same | fixed) want_rc=0 ;; *) want_rc=1 ;; esac
	result "$([ "$rc" = "$want_rc" ] && echo 1 || echo 0)" "upstream-table: series '$u' against the base: exit $want_rc" "exit $rc: $out"
done
[ "$failed" -eq 0 ]
