#!/usr/bin/env bash
# Test of the scenario runner (tests/run.sh) on fake scenarios, without a
# kernel: a copy of the runner in a scratch directory runs scenarios that
# only print TAP and sleep. Checks that Ctrl-C (SIGINT to the runner's
# process group, as a terminal sends it) and SIGTERM to the runner alone
# stop the run at once: the running scenario ends with everything it
# started, no later scenario starts, the rest is reported as not run and
# the exit status is 130. Also the verdicts of a plain run, of a scenario
# over its time limit and of kselftest's skip status (exit 4).
# posting: all (the harness itself: run for every posting)
# timeout: 120
set -euo pipefail

sandbox=$(mktemp -d)
marker="runner-selftest-$$"
trap 'pkill -KILL -f "$marker" 2>/dev/null || true; rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/tests" "$sandbox/scripts"
cp tests/run.sh tests/tap-summary.pl "$sandbox/tests/"
printf '#!/bin/sh\necho provenance=fake\n' >"$sandbox/scripts/provenance.sh"
chmod +x "$sandbox/scripts/provenance.sh"
# slow: one check, then a child that would outlive it if not killed.
cat >"$sandbox/tests/slow.sh" <<EOF
echo "TAP version 13"
echo "1..2"
echo "ok 1 - started"
bash -c 'exec -a $marker-child sleep 300' &
wait
echo "ok 2 - slept"
EOF
for n in quick other; do
	printf 'echo "TAP version 13"\necho "1..1"\necho "ok 1 - %s ran"\n' "$n" >"$sandbox/tests/$n.sh"
done
printf 'echo "TAP version 13"\necho "1..0 # SKIP no such device"\nexit 4\n' >"$sandbox/tests/skips.sh"
# needy: declares two kernel options; the fake kernel's .config has one.
printf '# needs: CONFIG_HAVE CONFIG_LACK\necho "TAP version 13"\necho "1..1"\necho "ok 1 - needy ran"\n' \
	>"$sandbox/tests/needy.sh"
printf '# needs: CONFIG_HAVE\necho "TAP version 13"\necho "1..1"\necho "ok 1 - content ran"\n' \
	>"$sandbox/tests/content.sh"
mkdir -p "$sandbox/kb/arch/x86/boot"
printf 'CONFIG_HAVE=y\n# CONFIG_LACK is not set\n' >"$sandbox/kb/.config"

echo "TAP version 13"
echo "1..17"
# shellcheck source=tests/lib-selftest.sh
. tests/lib-selftest.sh

# runner LOG ARGS...: the runner in the sandbox, in a session of its own
# (so that its process group can be signalled like a terminal's), output
# in LOG. Sets runner_pid.
runner() {
	local log=$1
	shift
	(cd "$sandbox" && exec setsid env CHECK_LOGS="$sandbox/logs" bash tests/run.sh "$@" >"$log" 2>&1) &
	runner_pid=$!
}

# await SECS: wait for the runner, at most SECS seconds; a runner still
# there then is killed with its session (rc 137), so a runner that ignores
# a signal fails these checks instead of hanging them. Sets rc.
await() {
	local i
	rc=0
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$runner_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$runner_pid" 2>/dev/null; then
		kill -KILL -- "-$runner_pid" 2>/dev/null || true
		pkill -KILL -f "$marker" 2>/dev/null || true
	fi
	wait "$runner_pid" || rc=$?
}

# wait_for PATTERN FILE SECS
wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# interrupted SIGNAL HOW: start slow, quick and other; once slow has
# started, send SIGNAL to the runner's group (HOW=group) or to the runner
# only (HOW=runner); then the five checks of what must follow.
interrupted() {
	local sig=$1 how=$2 log="$sandbox/$1.out" t0 target
	rm -rf "$sandbox/logs"
	runner "$log" slow quick other
	wait_for 'ok 1 - started' "$sandbox/logs/slow.tap" 30 || true
	sleep 0.5
	target=$runner_pid
	[ "$how" = runner ] || target=-$runner_pid
	t0=$SECONDS
	kill "-$sig" -- "$target" 2>/dev/null || true
	await 20
	check "$(( SECONDS - t0 > 15 ))" "SIG$sig to the $how: the runner ended within 15 s ($((SECONDS - t0)) s)"
	check "$([ "$rc" = 130 ]; echo $?)" "SIG$sig to the $how: exit status 130 (got $rc)" "$(cat "$log")"
	check "$(grep -q "^not ok - slow: .*interrupted by SIG$sig" "$log"; echo $?)" \
		"SIG$sig to the $how: the running scenario is reported as interrupted" "$(cat "$log")"
	check "$(grep -q "^not ok - quick: not run (interrupted by SIG$sig)" "$log" &&
		grep -q "^not ok - other: not run (interrupted by SIG$sig)" "$log" &&
		[ ! -e "$sandbox/logs/quick.tap" ]; echo $?)" \
		"SIG$sig to the $how: no later scenario started, each is reported as not run" "$(cat "$log")"
	check "$( ! pgrep -f "$marker" >/dev/null; echo $?)" \
		"SIG$sig to the $how: nothing the scenario started is left running" "$(pgrep -af "$marker" || true)"
}

interrupted INT group
interrupted TERM runner

# A run that is not interrupted: both pass, exit 0 (without this the checks
# above could pass on a runner that fails everything).
runner "$sandbox/plain.out" quick other
await 60
check "$([ "$rc" = 0 ] && grep -q '^2 passed, 0 failed, 0 skipped' "$sandbox/plain.out"; echo $?)" \
	"a plain run of two passing scenarios passes (exit $rc)" "$(cat "$sandbox/plain.out")"

# Over its limit (CHECK_TIMEOUT=2): reported as timed out, and its child
# is killed with it.
(cd "$sandbox" && exec setsid env CHECK_LOGS="$sandbox/logs" CHECK_TIMEOUT=2 bash tests/run.sh slow >"$sandbox/timeout.out" 2>&1) &
runner_pid=$!
await 60
check "$([ "$rc" = 1 ] && grep -q '^not ok - slow: .*timed out after 2s (CHECK_TIMEOUT)' "$sandbox/timeout.out" &&
	! pgrep -f "$marker" >/dev/null; echo $?)" \
	"a scenario over its time limit fails as timed out, and its child is gone (exit $rc)" "$(cat "$sandbox/timeout.out")"

# kselftest's KSFT_SKIP: exit 4 with a skip-all plan is a skip, not a failure.
runner "$sandbox/skip.out" skips
await 60
check "$([ "$rc" = 0 ] && grep -q '^ok - skips: 0 passed, 0 failed, 1 skipped' "$sandbox/skip.out"; echo $?)" \
	"exit status 4 with a skipped stream is a skip (exit $rc)" "$(cat "$sandbox/skip.out")"

# "# needs:" options the kernel's .config lacks: a skip that names them,
# and the scenario never started; with all of them it runs.
(cd "$sandbox" && exec setsid env CHECK_LOGS="$sandbox/logs" CHECK_KERNEL="$sandbox/kb/arch/x86/boot/bzImage" \
	bash tests/run.sh needy content >"$sandbox/needs.out" 2>&1) &
runner_pid=$!
await 60
check "$([ "$rc" = 0 ] && grep -q '^ok - needy: 0 passed, 0 failed, 1 skipped' "$sandbox/needs.out" &&
	grep -q 'needs CONFIG_LACK, which' "$sandbox/needs.out" && ! grep -q 'needy ran' "$sandbox/needs.out"; echo $?)" \
	"a scenario whose kernel lacks an option it needs is skipped, naming the option (exit $rc)" "$(cat "$sandbox/needs.out")"
check "$(grep -q '^ok - content: 1 passed' "$sandbox/needs.out"; echo $?)" \
	"a scenario whose kernel has every option it needs runs" "$(cat "$sandbox/needs.out")"

# "# on-demand:" scenarios run only when named: a default run (here of a
# directory with smoke and one other scenario) leaves them out.
od=$sandbox/od
mkdir -p "$od/tests" "$od/scripts"
cp "$sandbox/tests/run.sh" "$sandbox/tests/tap-summary.pl" "$sandbox/tests/quick.sh" "$od/tests/"
cp "$sandbox/scripts/provenance.sh" "$od/scripts/"
printf 'echo "TAP version 13"\necho "1..1"\necho "ok 1 - smoke ran"\n' >"$od/tests/smoke.sh"
printf '# on-demand: check-x\necho "TAP version 13"\necho "1..1"\necho "ok 1 - ondemand ran"\n' >"$od/tests/ondemand.sh"
(cd "$od" && exec setsid env CHECK_LOGS="$od/logs" bash tests/run.sh >"$od/default.out" 2>&1) &
runner_pid=$!
await 60
check "$([ "$rc" = 0 ] && grep -q '^ok - smoke: 1 passed' "$od/default.out" && grep -q '^ok - quick: 1 passed' "$od/default.out" &&
	! grep -q 'ondemand' "$od/default.out"; echo $?)" \
	"a default run leaves out an on-demand scenario (exit $rc)" "$(cat "$od/default.out")"
(cd "$od" && exec setsid env CHECK_LOGS="$od/logs" bash tests/run.sh ondemand >"$od/named.out" 2>&1) &
runner_pid=$!
await 60
check "$([ "$rc" = 0 ] && grep -q '^ok - ondemand: 1 passed' "$od/named.out"; echo $?)" \
	"an on-demand scenario runs when named (exit $rc)" "$(cat "$od/named.out")"
