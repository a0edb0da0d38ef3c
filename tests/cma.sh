#!/usr/bin/env bash
# CMA, the main user of alloc_contig_range() besides virtio-mem, still
# works: a verified workload fills boot memory so that it holds pages of
# the CMA area (a 16 MiB DMA_CMA area, cma=16M; debug config), then the
# whole area is allocated through debugfs, which migrates those pages,
# and freed again, three times. The workload must see every byte intact.
#
# Regression guard for "mm/page_alloc: use migrate_isolated_range() in
# alloc_contig_range()" and "mm/page_alloc: add ACR_FLAGS_RETRY ...": it
# passes on the base too.
# posting: G
# timeout: 600
set -euo pipefail
. tests/lib.sh

rounds=3
scenario_begin cma $((5 + 2 * rounds))
VM_APPEND="cma=16M" vm_start || scenario_bail "guest did not boot"
cma=$(vm_run 'ls -d /sys/kernel/debug/cma/*/ 2>/dev/null | head -n 1')
[ -n "$cma" ] || scenario_bail "no CMA area in debugfs (needs CONFIG_DMA_CMA, CONFIG_CMA_DEBUGFS and cma=16M)"
count=$(vm_run "cat ${cma}count")
diag "CMA area ${cma}: $count pages"

# Leave 96 MiB free: the workload then also fills the CMA area, which
# movable allocations use once most free memory is CMA.
mib=$(( $(guest_memavailable_mib) - 96 ))
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
