#!/usr/bin/env bash
# Test of the make variable checks (scripts/check-args.sh), without a
# kernel: a table of targets and variables, each refused (status 2, with
# the variable named in the message) or accepted, in a clean environment.
# Then the check of the breaks' headers (check-breaks.sh --headers) on
# fake breaks.
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
check;QEMU=7.2;accepted;
check;QEMU=/bin/true;accepted;
check;QEMU=9;refused;QEMU='9'
check-upstream;MM_CATEGORIES=migration cow;accepted;
check-upstream;MM_CATEGORIES=cow Cow!;refused;MM_CATEGORIES: 'Cow!'
check-upstream;MM_CATEGORY_LIMIT=0;refused;MM_CATEGORY_LIMIT='0'
check-upstream;CONFIG=guest;refused;drop CONFIG=guest
check;TESTS=mm-selftests;accepted;
EOF
)

echo "TAP version 13"
# NAME;HEADER LINES (\n-separated);WANT;what the message names
breaks=$(cat <<'EOF'
good;# Must fail: smoke\n# Must fail check: smoke: booted\n# Config: debug;accepted;
no-scenario;# Nothing named.;refused;no '# Must fail: SCENARIO...' line
unknown;# Must fail: nosuch;refused;no scenario 'nosuch'
check-elsewhere;# Must fail: smoke\n# Must fail check: cma: round 1;refused;names 'cma', not one of its scenarios
bad-config;# Must fail: smoke\n# Config: tiny;refused;'# Config: tiny' is not guest or debug
EOF
)
echo "1..$(($(grep -c . <<<"$table") + $(grep -c . <<<"$breaks")))"
while IFS=';' read -r target vars want names; do
	rc=0
	out=$(env -i PATH="$PATH" HOME="${HOME:-/root}" "${vars%%=*}=${vars#*=}" scripts/check-args.sh "$target" 2>&1) || rc=$?
	case "$want" in
	accepted) ok=$([ "$rc" = 0 ] && [ -z "$out" ]; echo $?) ;;
	refused) ok=$([ "$rc" = 2 ] && [[ "$out" == *"$names"* ]]; echo $?) ;;
	esac
	check "$ok" "make $target $vars: $want" "status $rc: $out"
done <<<"$table"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
while IFS=';' read -r name header want names; do
	printf '%b\n' "$header" >"$dir/$name.diff"
	rc=0
	out=$(BREAKS_DIR=$dir scripts/check-breaks.sh --headers "$name" 2>&1) || rc=$?
	case "$want" in
	accepted) ok=$([ "$rc" = 0 ]; echo $?) ;;
	refused) ok=$([ "$rc" = 1 ] && [[ "$out" == *"$names"* ]]; echo $?) ;;
	esac
	check "$ok" "break header '$name': $want" "status $rc: $out"
done <<<"$breaks"
