#!/usr/bin/env bash
# Test of the make variable checks (scripts/check-args.sh), without a
# kernel: a table of targets and variables, each refused (status 2, with
# the variable named in the message) or accepted, in a clean environment.
# posting: all (the harness itself: run for every posting)
# timeout: 60
set -euo pipefail
# shellcheck source=tests/lib-selftest.sh
. tests/lib-selftest.sh

# TARGET; VARIABLES; WANT (refused or accepted); what the message names.
table=$(cat <<'EOF'
check;KERNEL=series;accepted;
check;KERNEL=linux;refused;KERNEL='linux'
check;CONFIG=debug;accepted;
check;CONFIG=tiny;refused;CONFIG='tiny'
bench;CONFIG=debug;refused;drop CONFIG=debug
check;SERIES=F;accepted;
check;SERIES=Z;refused;SERIES='Z'
check;TESTS=smoke transient-pin;accepted;
check;TESTS=smoke nosuch;refused;no scenario 'nosuch'
check-breaks;BREAKS=no-skippable;accepted;
check-breaks;BREAKS=nosuch;refused;no break 'nosuch'
run;ARGS=--keep 512M 2G;accepted;
run;ARGS=lots;refused;ARGS: 'lots'
run;VM_BOOT_MEM=1G;accepted;
run;VM_BOOT_MEM=1.5G;refused;VM_BOOT_MEM='1.5G'
prefixes;JOBS=3;accepted;
prefixes;JOBS=0;refused;JOBS='0'
prefixes;PREFIXES_FROM=0;refused;PREFIXES_FROM='0'
prefixes;PREFIXES_FROM=2;accepted;
check;CHECK_TIMEOUT=0;refused;CHECK_TIMEOUT='0'
check;STORM_SEED=0;accepted;
soak;SOAK_CYCLES=x;refused;SOAK_CYCLES='x'
check;ALLOW_STALE=1;accepted;
check;ALLOW_STALE=yes;refused;ALLOW_STALE='yes'
bench;BENCH_REPS=0;refused;BENCH_REPS='0'
bench;BENCH_SCENARIOS=offline gigantic;accepted;
bench;BENCH_SCENARIOS=nosuch;refused;no bench scenario 'nosuch'
bench;BENCH_ACCEL=kvm;refused;BENCH_ACCEL='kvm'
bench;BENCH_SMP=0;refused;BENCH_SMP='0'
EOF
)

echo "TAP version 13"
echo "1..$(grep -c . <<<"$table")"
while IFS=';' read -r target vars want names; do
	rc=0
	out=$(env -i PATH="$PATH" HOME="${HOME:-/root}" "${vars%%=*}=${vars#*=}" scripts/check-args.sh "$target" 2>&1) || rc=$?
	case "$want" in
	accepted) ok=$([ "$rc" = 0 ] && [ -z "$out" ]; echo $?) ;;
	refused) ok=$([ "$rc" = 2 ] && [[ "$out" == *"$names"* ]]; echo $?) ;;
	esac
	check "$ok" "make $target $vars: $want" "status $rc: $out"
done <<<"$table"
