#!/usr/bin/env bash
# PageOffline pages that are not skippable but have movable_ops (inflated
# virtio-balloon pages, CONFIG_BALLOON_MIGRATION=y) must still be migrated
# when their memory block goes offline: offlining succeeds, and the balloon
# keeps its size. The series only lets memory offlining skip *skippable*
# PageOffline pages; everything else must be migrated or block offlining.
# posting: C
# timeout: 600
set -euo pipefail
. tests/lib.sh

balloon_actual() { vmem qmp '{"execute":"query-balloon"}' | sed -n 's/.*"actual": *\([0-9]*\).*/\1/p'; }

scenario_begin balloon 7
VM_EXTRA="-device virtio-balloon-pci,id=balloon0" vm_start || scenario_bail "guest did not boot"
tap_run "plugged 512 MiB" vmem resize 512M --wait
# Inflate until the guest has 640 MiB left: balloon pages land in the
# virtio-mem blocks (ZONE_MOVABLE) too.
target=$((640 << 20))
tap_run "balloon request accepted" vmem qmp "{\"execute\":\"balloon\",\"arguments\":{\"value\":$target}}"
actual=$(guest_wait_value "$target" 120 balloon_actual)
tap_eq "balloon inflated to leave 640 MiB (bytes)" "$actual" "$target"

# A fully plugged virtio-mem block (no fake-offline pages) that holds
# balloon pages: every KPF_OFFLINE page there is a balloon page.
read -r blk nballoon < <(vm_run 'blockinfo' | awk '$2 == "online" {
	split($4, o, "="); if (o[2] > 0) { sub(/^memory/, "", $1); print $1, o[2]; exit } }') || true
[ -n "${blk:-}" ] || scenario_bail "no virtio-mem block holds balloon pages: $(vm_run blockinfo | paste -sd';')"
diag "memory$blk holds $nballoon balloon pages"
tap_run "offlining memory$blk migrates its balloon pages" guest_block_write "$blk" state offline
tap_eq "memory$blk is offline" "$(guest_block_state "$blk")" offline
tap_eq "balloon size unchanged after the migration (bytes)" "$(balloon_actual)" "$actual"
scenario_end
