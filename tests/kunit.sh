#!/usr/bin/env bash
# The series' KUnit suites, built into the debug kernel and run at boot
# (kunit.enable=1; the debug config builds in no other suite), their KTAP
# read from the console by the kernel's own parser
# (tools/testing/kunit/kunit.py parse). Each case is reported, and every
# case of every suite must have run and passed:
#  - page_offline (mm/tests/page_offline_kunit.c, posting T): always
#    expected, so the base, which has no such suite, fails; fails with
#    tests/breaks/offline-bits-alias.diff and isolation-ignores-offline;
#  - isolated_range_backoff (mm/tests/isolated_range_backoff_kunit.c,
#    posting G): expected when the kernel's .config has it; fails with
#    tests/breaks/backoff-uncapped.diff.
# posting: T
# needs: CONFIG_KUNIT
# timeout: 300
set -euo pipefail
. tests/lib.sh

kunit_py=build/linux/tools/testing/kunit/kunit.py
suites=(page_offline)
grep -qx 'CONFIG_ISOLATED_RANGE_BACKOFF_KUNIT_TEST=y' "${CHECK_KERNEL%/arch/*}/.config" 2>/dev/null &&
	suites+=(isolated_range_backoff)

scenario_begin kunit $((2 + 3 * ${#suites[@]}))
# Built-in suites run before init, so the console holds all of it once
# the guest is up.
VM_APPEND="kunit.enable=1" vm_start || scenario_bail "guest did not boot"

# kunit.py runs from the kernel tree: give it absolute paths.
json=$(realpath "$VM_DIR")/kunit.json
rc=0
out=$(python3 "$kunit_py" parse --json="$json" "$(realpath "$VM_DIR/console.log")" 2>&1) || rc=$?
# kunit.py exits 1 when a test failed; anything else is a parse error.
tap_ok "$([ "$rc" -le 1 ] && [ -s "$json" ]; echo $?)" "kunit.py parsed the console's KTAP" "exit $rc" "$out"
echo "$out" >"$VM_DIR/kunit.txt"

for suite in "${suites[@]}"; do
	# One line per case: STATUS NAME, for the suite (none when it did not run).
	cases=$(python3 -c '
import json, sys
def walk(group):
    if group["name"] == sys.argv[2]:
        for case in group["test_cases"]:
            print(case["status"], case["name"])
    for sub in group["sub_groups"]:
        walk(sub)
walk(json.load(open(sys.argv[1])))
' "$json" "$suite" 2>/dev/null) || true
	n_cases=$(grep -c . <<<"$cases" || true)
	tap_ok "$([ "$n_cases" -gt 0 ]; echo $?)" "suite $suite ran ($n_cases cases)" \
		"no suite $suite in the console's KTAP; kunit.py said:" "$out"
	while read -r status name; do
		[ -n "$name" ] && diag "$name: $status"
	done <<<"$cases"
	bad=$(grep -vE '^(PASS|SKIP) ' <<<"$cases" || true)
	tap_ok "$([ -z "$bad" ]; echo $?)" "no case of $suite failed or crashed" "$bad" \
		"$(grep -E 'EXPECTATION|ASSERTION|Expected|FAILED|CRASHED' <<<"$out" || true)"
	skipped=$(grep -E '^SKIP ' <<<"$cases" || true)
	if [ "$n_cases" -gt 0 ] && [ -n "$skipped" ]; then
		tap_skip "every case of $suite ran" "skipped: $(paste -sd, <<<"${skipped//SKIP /}")"
	else
		tap_ok "$([ "$n_cases" -gt 0 ]; echo $?)" "every case of $suite ran"
	fi
done
scenario_end
