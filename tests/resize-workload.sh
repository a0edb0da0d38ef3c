#!/usr/bin/env bash
# Resize while memory is in use: memcheck holds 1 GiB of anonymous memory
# with an address-derived pattern and re-verifies every word continuously,
# while the device is unplugged and plugged under it (SBM with 2 MiB device
# blocks, then BBM with 128 MiB device blocks). Unplugging must migrate the
# workload's pages out of the blocks it removes; any lost or misplaced page
# shows up as a mismatch.
# posting: D
# timeout: 900 1800
set -euo pipefail
. tests/lib.sh

sizes=(2G 1G 2G 512M)
[ "$CHECK_QUICK" = 1 ] || sizes=(2G 1G 2G 512M 3G 1G 2G 256M)
per_mode=$((${#sizes[@]} + 3))
scenario_begin resize-workload $((2 * per_mode))

one_mode() {   # one_mode LABEL DEVICE-BLOCK-SIZE
	local label=$1 s out
	# The last shrinks leave the 1 GiB workload less room than the
	# unplug reserve of the series keeps (oom tests that policy): turn it
	# off, this scenario is about migrating every page correctly.
	VM_APPEND="virtio_mem.unplug_reserve_mb=0 ${VM_APPEND:-}" \
		VM_VMEM_BLOCK=$2 VM_BOOT_MEM=1G vm_start || scenario_bail "$label: guest did not boot"
	tap_run "$label: plugged ${sizes[0]} before the workload starts" vmem resize "${sizes[0]}" --wait
	vm_run 'memcheck -f /tmp/stop 1024 >/tmp/memcheck.log 2>&1 & echo $! >/tmp/memcheck.pid' >/dev/null
	# Let it fill its memory before the first resize.
	guest_wait_value yes 120 vm_run 'grep -q "filled\|failed" /tmp/memcheck.log && echo yes' >/dev/null
	for s in "${sizes[@]:1}"; do
		tap_run "$label: resize to $s under a 1 GiB workload" vmem -t 180 resize "$s" --wait
	done
	vm_run 'touch /tmp/stop; while kill -0 $(cat /tmp/memcheck.pid) 2>/dev/null; do sleep 0.2; done' 600 >/dev/null
	out=$(vm_run 'cat /tmp/memcheck.log')
	diag "$label: $(tail -n 1 <<<"$out")"
	[[ "$out" == *", 0 mismatches"* ]] && s=0 || s=1
	tap_ok "$s" "$label: memcheck saw no mismatch" "$(grep -m 5 mismatch <<<"$out" || true)"
	[ "$(grep -c '^memcheck: pass' <<<"$out")" -ge 2 ] && s=0 || s=1
	tap_ok "$s" "$label: memcheck verified all its memory at least twice" "$(tail -n 2 <<<"$out")"
	tap_console "$label"
}

one_mode sbm 2M
one_mode bbm 128M
[ "$tap_failed" -eq 0 ]
