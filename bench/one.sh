#!/usr/bin/env bash
# One run of one bench scenario on one kernel (called by bench/run.sh):
#   one.sh SCENARIO KERNEL REP
# Appends the run's metrics to $BENCH_OUT/runs.csv and prints one progress
# line with them. Exit status non-zero if the run failed (its QEMU is
# killed by vm.sh's EXIT trap either way).
set -euo pipefail
. bench/lib.sh
. bench/scenarios.sh

sc=${1:?usage: one.sh SCENARIO KERNEL REP} kernel=${2:?} rep=${3:?}
fn=sc_${sc//-/_}
declare -F "$fn" >/dev/null || { echo "bench: no scenario '$sc' (have: ${BENCH_ALL[*]})" >&2; exit 2; }
bench_line=
start=$SECONDS
"$fn" "$kernel" "$rep"
echo "bench: $sc $kernel rep $rep/${BENCH_REPS:-?} ($((SECONDS - start)) s):$bench_line"
