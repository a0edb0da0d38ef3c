#!/usr/bin/env bash
# An admin onlines memory blocks through sysfs while the kernel zones are
# full: 1 GiB boot memory, 1 GiB plugged and left offline
# (memhp_default_state=offline), a verified workload (memcheck) that
# leaves about 48 MiB available, every other process at oom_score_adj
# -1000. Then "echo online_movable > state" for one offline block after
# the other. Onlining a block allocates its KASAN shadow, an eighth of
# it (16 MiB of a 128 MiB block), from the kernel zones, which the
# workload has filled, and the movable memory onlined before cannot give
# it. Each write must succeed or fail with ENOMEM ("Cannot allocate
# memory"): never an OOM kill, never a panic. A block whose onlining
# failed is offline and onlines once the workload has exited. Fails on
# the base: the shadow is allocated with plain GFP_KERNEL, the OOM killer
# kills the workload, and the next OOM panics.
# posting: E2
# needs: CONFIG_KASAN
# timeout: 900
set -euo pipefail
. tests/lib.sh

margin_mib=48
scenario_begin online-pressure 11

VM_BOOT_MEM=1G VM_VMEM_SIZE=2G VM_VMEM_BLOCK=2M VM_ONLINE=offline vm_start ||
	scenario_bail "guest did not boot"
vm_oom_protect || scenario_bail "cannot set oom_score_adj -1000 in the guest"
tap_run "plugged 1 GiB" vmem -t 300 resize 1G --wait
read -ra blocks <<<"$(guest_offline_blocks | paste -sd' ')"
tap_eq "the 1 GiB stays offline (memory blocks)" "${#blocks[@]}" 8
a0=$(guest_memavailable_mib)
wl_mib=$((a0 - margin_mib))
vm_bg memcheck "memcheck -f /tmp/memcheck.stop $wl_mib" 0
vm_wait_guest 'filled\|failed' /tmp/memcheck.log 600 || true
tap_run "workload filled $wl_mib MiB (MemAvailable was $a0 MiB)" vm_run 'grep -q filled /tmp/memcheck.log'

# Online one block after the other; each write succeeds or fails with
# ENOMEM. Stop at the first failure: the ones after it would fail alike.
k0=$(vm_oom_kills)
onlined=0 failed='' bad=''
for b in "${blocks[@]}"; do
	rc=0
	out=$(guest_block_write "$b" state online_movable 2>&1) || rc=$?
	guest_alive_or_bail "no panic while onlining memory$b"
	if [ "$rc" -eq 0 ]; then
		onlined=$((onlined + 1))
	elif [[ "$out" == *"Cannot allocate memory"* ]]; then
		failed=$b
		break
	else
		bad="memory$b: status $rc: $out"
		break
	fi
done
diag "onlined $onlined of ${#blocks[@]} blocks${failed:+, memory$failed failed with ENOMEM}"
tap_ok "$([ -z "$bad" ]; echo $?)" "every online either succeeded or failed with ENOMEM" "$bad"
tap_eq "no OOM kill while onlining" "$(($(vm_oom_kills) - k0))" 0
p0=$(guest_memcheck_passes)
vm_wait_guest "pass $((p0 + 1)):\|failed" /tmp/memcheck.log 300 || true
tap_ok "$([ "$(guest_memcheck_passes)" -gt "$p0" ]; echo $?)" "the workload keeps verifying" \
	"$(vm_run 'tail -n 2 /tmp/memcheck.log')"

vm_stop_bg memcheck >/dev/null || true
if [ -n "$failed" ]; then
	tap_eq "memory$failed is offline after its failed online" "$(guest_block_state "$failed")" offline
	tap_run "memory$failed onlines once the workload has exited" guest_block_write "$failed" state online_movable
else
	tap_skip "the failed block is offline" "every block onlined: the kernel zones had room"
	tap_skip "the failed block onlines later" "every block onlined"
fi
tap_workload_unharmed ""
scenario_end
