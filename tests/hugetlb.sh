#!/usr/bin/env bash
# hugetlb pages in virtio-mem memory, through both users of the shared
# isolate+migrate loop (migrate_isolated_range()):
#  - memory offlining through sysfs, while a verified workload uses 2 MiB
#    hugetlb pages (MAP_HUGETLB): in-use huge pages migrate, free ones in
#    the blocks are dissolved, so the pool shrinks (offlining dissolves,
#    alloc_contig_range() replaces: IRM_DISSOLVE_HUGETLB);
#  - virtio-mem unplugging everything while the workload still runs
#    (alloc_contig_range(): in-use huge pages migrate, free ones are
#    replaced).
# Gigantic pages are not tested: they cannot come from ZONE_MOVABLE, and
# the test guest's boot memory has no free 1 GiB range.
# The workload must see every byte intact.
#
# Regression guard for the migrate_isolated_range() patches: it passes on
# the base too.
# posting: G
# timeout: 900
set -euo pipefail
. tests/lib.sh

hp=/proc/sys/vm/nr_hugepages
scenario_begin hugetlb 12
# Offlining reports each failed migration with a page dump (ratelimited)
# and retries, on both kernels: an in-use huge page can fail to migrate for
# a moment (a transient reference, or no replacement page yet). Seen once,
# in CI on 2026-12-03; what matters is that every offline ends and that no
# dumped page is PageOffline (checked at the end).
vm_start || scenario_bail "guest did not boot"
tap_run "plugged 2 GiB" vmem resize 2G --wait
read -ra blocks <<<"$(vm_run 'blockinfo' | awk '$2 == "online" {sub(/^memory/, "", $1); printf "%s ", $1}')"
[ "${#blocks[@]}" -gt 0 ] || scenario_bail "no online virtio-mem block"

# blocks_write STATE: write STATE to every block of the device; prints the
# blocks where that failed.
blocks_write() {
	vm_run "for b in ${blocks[*]}; do
		echo $1 > /sys/devices/system/memory/memory\$b/state || echo \"memory\$b: $1 failed\"
	done" 600 2>&1 || true
}

vm_run "echo 128 > $hp"
read -r total0 _ <<<"$(guest_meminfo HugePages_Total HugePages_Free)"
tap_eq "a pool of 128 huge pages" "$total0" 128
vm_bg memcheck "memcheck -H -f /tmp/memcheck.stop 128"
vm_wait_guest "pass" /tmp/memcheck.log 120 || true
diag "$(vm_run 'head -n 2 /tmp/memcheck.log')"

# Offline every block of the device: its in-use huge pages migrate to
# boot memory, its free ones are dissolved.
tap_eq "offlined all ${#blocks[@]} blocks with huge pages in them" "$(blocks_write offline)" ""
read -r total free <<<"$(guest_meminfo HugePages_Total HugePages_Free)"
diag "huge pages after offlining: total $total, free $free (before: 128, 64 of them in use)"
tap_eq "the 64 huge pages in use survived" "$((total - free))" 64
tap_ok "$([ "$total" -lt "$total0" ]; echo $?)" \
	"free huge pages in the offlined blocks were dissolved (pool $total0 -> $total)"
tap_eq "onlined them again" "$(blocks_write online_movable)" ""

tap_run "unplugged everything while the workload runs" vmem -t 600 resize 0 --wait
diag "$(vm_stop_bg memcheck)"
tap_workload_unharmed ""
tap_run "guest still runs a workload (memcheck 32 MiB)" vm_run 'memcheck -s 1 32'
diag "failed migrations by error (count, ret):" \
	"$(vm_console_since 0 | sed -n 's/.*migrating pfn [0-9a-f]* failed ret:\(-*[0-9]*\).*/\1/p' | sort | uniq -c | xargs)"
tap_retry_dumps "no PageOffline page dumped by a retried isolation or migration"
scenario_end
