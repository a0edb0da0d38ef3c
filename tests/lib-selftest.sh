# shellcheck shell=bash
# Shared by the harness's self-tests that run without a kernel
# (runner-selftest, bench-selftest): one TAP line per check.

# The runs under test start from the harness's defaults, not from the
# settings of the run that tests them (CI's CHECK_DEADLINE changes what
# the runner reports).
for _v in $(compgen -v | grep -E '^(CHECK|BENCH)_'); do
	unset "$_v"
done
unset _v

n=0
check() {   # check STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || while IFS= read -r line; do echo "# $line"; done <<<"$3"
	fi
}
