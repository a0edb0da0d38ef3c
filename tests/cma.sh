#!/usr/bin/env bash
# CMA, the main user of alloc_contig_range() besides virtio-mem, still
# works: a verified workload fills boot memory so that it holds pages of
# the CMA area (a 64 MiB DMA_CMA area, cma=64M), then the
# whole area is allocated through debugfs, which migrates those pages,
# and freed again, three times. The workload must see every byte intact.
#
# Regression guard for "mm/page_alloc: add ACR_FLAGS_RETRY to retry busy
# pages for a moment", which must leave CMA's single pass as it was: it
# passes on the base too.
# posting: G
# needs: CONFIG_CMA CONFIG_DMA_CMA CONFIG_CMA_DEBUGFS
# timeout: 600
set -euo pipefail
. tests/lib.sh

rounds=3
scenario_begin cma $((5 + 2 * rounds))
VM_APPEND="cma=64M" vm_start || scenario_bail "guest did not boot"
cma=$(vm_run 'ls -d /sys/kernel/debug/cma/*/ 2>/dev/null | head -n 1')
[ -n "$cma" ] || scenario_bail "no CMA area in debugfs (needs CONFIG_DMA_CMA, CONFIG_CMA_DEBUGFS and cma=64M)"
count=$(vm_run "cat ${cma}count")
diag "CMA area ${cma}: $count pages"

# Leave 96 MiB free (MemFree, not MemAvailable, which leaves out the
# watermark reserves): movable allocations take CMA pages first while free
# CMA pages are more than half of the free pages (__rmqueue()), so the
# workload ends up holding about 16 MiB of the area, and the 48 MiB free
# outside it take what must migrate. Sized from MemAvailable, the workload
# left the area almost untouched (CmaFree at CmaTotal in two runs of
# 2026-12-03).
read -r memfree <<<"$(guest_meminfo MemFree)"
mib=$(( memfree / 1024 - 96 ))
vm_bg memcheck "memcheck -f /tmp/memcheck.stop $mib"
vm_wait_guest "pass" /tmp/memcheck.log 120 || true
read -r cmatotal cmafree <<<"$(guest_meminfo CmaTotal CmaFree)"
tap_ok "$([ "${cmafree:-0}" -lt "${cmatotal:-0}" ]; echo $?)" \
	"a $mib MiB workload holds pages of the CMA area (CmaFree ${cmafree:-?} of ${cmatotal:-?} kB)"

for ((r = 1; r <= rounds; r++)); do
	tap_run "round $r: allocated all $count pages of the area" \
		vm_run "echo $count > ${cma}alloc && [ \$(cat ${cma}used) = $count ]"
	tap_run "round $r: freed them" \
		vm_run "[ \$(cat ${cma}used) = $count ] && echo $count > ${cma}free && [ \$(cat ${cma}used) = 0 ]"
done
diag "$(vm_stop_bg memcheck)"
tap_workload_unharmed ""
tap_run "guest still runs a workload (memcheck 32 MiB)" vm_run 'memcheck -s 1 32'
scenario_end
