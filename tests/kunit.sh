#!/usr/bin/env bash
# The series' KUnit suite page_offline (mm/tests/page_offline_kunit.c):
# built into the debug kernel, run at boot (kunit.enable=1, this suite
# only), its KTAP read from the console by the kernel's own parser
# (tools/testing/kunit/kunit.py parse). Each case is reported, and every
# case must have run and passed. Fails on the base, which has no such
# suite, and with tests/breaks/offline-bits-alias.diff.
# posting: T
# needs: CONFIG_KUNIT
# timeout: 300
set -euo pipefail
. tests/lib.sh

suite=page_offline
kunit_py=build/linux/tools/testing/kunit/kunit.py

scenario_begin kunit 5
# Built-in suites run before init, so the console holds all of it once
# the guest is up.
VM_APPEND="kunit.enable=1 kunit.filter_glob=$suite" vm_start || scenario_bail "guest did not boot"

# kunit.py runs from the kernel tree: give it absolute paths.
json=$(realpath "$VM_DIR")/kunit.json
rc=0
out=$(python3 "$kunit_py" parse --json="$json" "$(realpath "$VM_DIR/console.log")" 2>&1) || rc=$?
# kunit.py exits 1 when a test failed; anything else is a parse error.
tap_ok "$([ "$rc" -le 1 ] && [ -s "$json" ]; echo $?)" "kunit.py parsed the console's KTAP" "exit $rc" "$out"
echo "$out" >"$VM_DIR/kunit.txt"

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
	tap_skip "every case ran" "skipped: $(paste -sd, <<<"${skipped//SKIP /}")"
else
	tap_ok "$([ "$n_cases" -gt 0 ]; echo $?)" "every case ran"
fi
scenario_end
