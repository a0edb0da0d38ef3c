# shellcheck shell=bash
# Shared by the harness's self-tests that run without a kernel
# (runner-selftest, bench-selftest): one TAP line per check.

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
