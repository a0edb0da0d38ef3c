# shellcheck shell=bash
# Shared by the host-driven scenarios: TAP output and guest probes.
# A scenario sets its plan, boots one guest with vm_start, reports each
# check exactly once, and ends with scenario_end (console scan + stop).
#
# Writing a scenario (tests/NAME.sh; helper files must be named lib*.sh):
#   - a header line "# timeout: QUICK [FULL]" (seconds) sets its limit in
#     tests/run.sh (default 900, FULL 3 x QUICK); keep it generous but
#     well under CI's budget;
#   - results: tap_ok/tap_run/tap_eq/tap_skip/tap_todo/diag, or the same
#     under the kselftest ktap_helpers.sh names (ktap_test_pass,
#     ktap_test_fail, ktap_test_skip, ktap_test_xfail, ktap_test_result,
#     ktap_print_msg, ktap_exit_fail_msg), which are aliases below;
#   - an expected failure is "not ok N - ... # TODO reason" (tap_todo /
#     ktap_test_xfail): TAP::Parser and prove count it as todo, not failed.

# shellcheck source=host/vm.sh
. host/vm.sh

: "${CHECK_KERNEL:?set by make: path of the bzImage under test}"
: "${CHECK_INITRD:?set by make: path of the initramfs}"
: "${CHECK_LOGS:=build/logs}"
: "${CHECK_QUICK:=1}"   # 1 in make check (CI), 0 in make check-full
VM_KERNEL=$CHECK_KERNEL
VM_INITRD=$CHECK_INITRD

tap_n=0
tap_failed=0

# scenario_begin NAME PLAN
scenario_begin() {
	VM_DIR=$CHECK_LOGS/$1
	mkdir -p "$VM_DIR"
	echo "TAP version 13"
	echo "1..$2"
}

tap_ok() {   # tap_ok STATUS DESCRIPTION [DIAGNOSTIC...]
	local status=$1 desc=$2
	shift 2
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $desc"
	else
		echo "not ok $tap_n - $desc"
		tap_failed=$((tap_failed + 1))
		# Each line of each diagnostic is a TAP comment.
		local d line
		for d in "$@"; do
			while IFS= read -r line; do echo "# $line"; done <<<"$d"
		done
	fi
}

# tap_run DESCRIPTION COMMAND...: ok when COMMAND succeeds; its output is
# shown as diagnostics on failure.
tap_run() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	tap_ok "$rc" "$desc" "command: $*" "exit $rc: $out"
}

# tap_eq DESCRIPTION GOT WANT
tap_eq() {
	local rc=0
	[ "$2" = "$3" ] || rc=1
	tap_ok "$rc" "$1" "got '$2', want '$3'"
}

tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
tap_todo() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $1 # TODO $2"; }
diag() { echo "# $*"; }

# kselftest ktap_helpers.sh names for the same results. An expected
# failure is written as a TAP TODO (which prove and TAP::Parser know)
# rather than KTAP's "ok ... # XFAIL" (which they would read as a pass).
ktap_test_pass() { tap_ok 0 "$1"; }
ktap_test_fail() { local d=$1; shift; tap_ok 1 "$d" "$@"; }
ktap_test_skip() { tap_skip "$1" "${2:-}"; }
ktap_test_xfail() { tap_todo "$1" "${2:-expected failure}"; }
ktap_test_result() { tap_run "$@"; }
ktap_print_msg() { diag "$@"; }
ktap_exit_fail_msg() { scenario_bail "$@"; }

# A failed boot fails every remaining test of the plan.
scenario_bail() {
	echo "Bail out! $*"
	vm_kill
	exit 1
}

# tap_console [LABEL]: stop the guest, keep its console as
# console[-LABEL].log and report whether it is free of kernel splats.
tap_console() {
	local log=$VM_DIR/console${1:+-$1}.log splats
	vm_stop
	[ "$log" = "$VM_DIR/console.log" ] || cp "$VM_DIR/console.log" "$log"
	if splats=$(vm_scan_console "$log"); then
		tap_ok 0 "${1:+$1: }console free of kernel splats"
	else
		tap_ok 1 "${1:+$1: }console free of kernel splats" "$log:" "$splats"
	fi
}

# The last test of every scenario: the console shows no kernel splat.
scenario_end() {
	tap_console ""
	[ "$tap_failed" -eq 0 ]
}

# tap_write_fails DESCRIPTION ERRTEXT BLOCK FILE VALUE: the sysfs write
# must fail, with ERRTEXT (e.g. "Device or resource busy") in the error.
tap_write_fails() {
	local desc=$1 want=$2 out rc=0
	shift 2
	out=$(guest_block_write "$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ] && [[ "$out" == *"$want"* ]]; then
		tap_ok 0 "$desc"
	else
		tap_ok 1 "$desc" "write '$3' to memory$1/$2: status $rc, output: $out" "want a failure with '$want'"
	fi
}

# Guest probes ---------------------------------------------------------------

guest_memtotal_kb() { vm_memtotal_kb; }
guest_online_blocks() { vm_online_blocks; }

guest_block_bytes() { vm_run 'echo $((0x$(cat /sys/devices/system/memory/block_size_bytes)))'; }

# guest_memmap_kib: how much of each memory block it adds virtio-mem says
# holds the block's memmap (memory_hotplug.memmap_on_memory=1), from the
# console; 0 when it places none there.
guest_memmap_kib() {
	local hex
	hex=$(vm_console_since 0 | sed -n 's/.*virtio_mem.*memmap on memory: 0x\([0-9a-f]*\) per memory block.*/\1/p' | head -n 1)
	echo $((${hex:+0x$hex} + 0 >> 10))
}

# usable_kib BYTES BLOCK_BYTES MEMMAP_KIB: what BYTES plugged adds to
# MemTotal when each memory block (BLOCK_BYTES) that holds some of it
# keeps MEMMAP_KIB of it for its memmap.
usable_kib() {
	local n_mbs=$((($1 + $2 - 1) / $2))
	echo $(($1 / 1024 - n_mbs * $3))
}

# guest_offline_blocks: the guest's offline memory blocks, one per line
# (boot memory is online: in these guests, all of them the device's).
guest_offline_blocks() {
	vm_run 'for d in /sys/devices/system/memory/memory*; do
		[ "$(cat $d/state)" = offline ] && echo ${d##*memory}; done; true'
}

# guest_vmem_ranges: how many ranges of virtio-mem memory are added
# ("System RAM (virtio_mem)" in /proc/iomem).
guest_vmem_ranges() { vm_run "grep -c 'System RAM (virtio_mem)' /proc/iomem || true"; }

# Wait until a guest probe prints WANT (or give up after SECS); print the
# last value seen.
guest_wait_value() {   # guest_wait_value WANT SECS PROBE...
	local want=$1 secs=$2 v
	shift 2
	local deadline=$((SECONDS + secs))
	while :; do
		v=$("$@" 2>/dev/null) || true
		[ "$v" = "$want" ] || [ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.5
	done
	echo "$v"
}

# Parse a size such as 1G or 512M into bytes (host/vm.sh vm_bytes).
bytes() { vm_bytes "$1"; }

# The first virtio-mem memory block that is online and partially plugged
# (some but not all pages fake-offline): prints "N OFFLINE_PAGES ZONE".
guest_partial_block() {
	vm_run 'blockinfo' | awk '$2 == "online" {
		split($4, o, "="); split($5, p, "=")
		if (o[2] > 0 && o[2] < p[2]) { sub(/^memory/, "", $1); print $1, o[2], $3; exit }
	}'
}

# guest_block_field BLOCK NAME: one NAME=VALUE field of blockinfo's line
# for memory block BLOCK (offline, pages, dirty, first).
guest_block_field() {
	vm_run "blockinfo $1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

guest_offline_pages() { guest_block_field "$1" offline; }   # guest_offline_pages BLOCK

# guest_offline_refs BLOCK: on how many PageOffline pages of memory block
# BLOCK folio_try_get() succeeds, as a PFN walker would try: the series'
# test_page_offline module (v4, "tryget") counts it in the kernel. Fails
# with a message where the module or its tryget file is missing.
guest_offline_refs() {
	local pages=$(($(guest_block_bytes) / 4096))
	vm_run "modprobe test_page_offline 2>/dev/null
		t=/sys/kernel/debug/test_page_offline/tryget
		[ -w \$t ] || { echo \"no \$t: needs the test_page_offline module of series v4\"; exit 1; }
		echo $(($1 * pages)) $pages >\$t && cut -d' ' -f2 \$t"
}

guest_block_state() { vm_run "cat /sys/devices/system/memory/memory$1/state"; }

# Write to a memory block's sysfs file; prints the shell's error text (if
# any) so callers can check for EBUSY/EINVAL. Status is the write's.
guest_block_write() {   # guest_block_write BLOCK FILE VALUE
	vm_run "echo $3 > /sys/devices/system/memory/memory$1/$2"
}

# Memory pressure (oom, plug-pressure) ---------------------------------------

# guest_alive_or_bail DESCRIPTION: nothing while the guest answers. A guest
# that is gone (a panic ends QEMU: panic=-1, -no-reboot) fails the check
# DESCRIPTION, with the console's OOM and panic lines, and bails out:
# every remaining check would fail the same way.
guest_alive_or_bail() {
	local out
	vm_alive && vm_run true >/dev/null 2>&1 && return 0
	out=$(vm_console_oom | head -n 20)
	tap_ok 1 "$1" "the guest is gone; the console's OOM and panic lines:" "${out:-(none)}"
	scenario_bail "guest died (console: $VM_DIR/console.log)"
}

# Passes memcheck (/tmp/memcheck.log) has completed so far.
guest_memcheck_passes() { vm_run 'grep -c "^memcheck: pass" /tmp/memcheck.log || true'; }

# guest_meminfo FIELD...: those /proc/meminfo values, in order, on one line.
guest_meminfo() {
	vm_run "echo \$(for f in $*; do awk -v f=\"\$f:\" '\$1 == f {print \$2}' /proc/meminfo; done)"
}

# tap_retry_dumps DESCRIPTION: memory offlining dumps a page it cannot
# take yet ("isolation failed", and with posting F "migration failure" for
# a folio someone holds) and retries, on every kernel: not a splat, unless
# the page is PageOffline. Says how many there were, checks (DESCRIPTION)
# that none was PageOffline, and lets the final console scan accept them.
retry_dumps='page dumped because: (migration failure|isolation failed)'
tap_retry_dumps() {
	diag "$(vm_console_since 0 | grep -cE "$retry_dumps" || true) page dump(s) of memory offlining's retries"
	tap_eq "$1" "$(vm_console_since 0 | grep -c 'page_type: [0-9a-f]*(offline)' || true)" 0
	VM_SPLAT_IGNORE=$retry_dumps
}

guest_memavailable_mib() { vm_run "awk '/^MemAvailable:/ {print int(\$2 / 1024)}' /proc/meminfo"; }

# tap_reached_after_exit PREFIX SIZE SECS: stop the workload (memcheck, see
# vm_bg) and check that the device reaches SIZE within SECS of its exit.
# PREFIX starts each description (e.g. "run1: ", or "").
tap_reached_after_exit() {
	local p=$1 size=$2 secs=$3 out t0 rc=0 desc
	out=$(vm_stop_bg memcheck) || true
	diag "$p$out"
	t0=$SECONDS
	vmem -q -t "$secs" wait-size "$size" 2>/dev/null || rc=1
	desc="${p}size $size reached within ${secs}s of the workload's exit"
	guest_alive_or_bail "$desc"
	tap_ok "$rc" "$desc" "after $((SECONDS - t0)) s: $(($(vmem get size) >> 20)) MiB plugged"
	diag "${p}size $size reached $((SECONDS - t0)) s after the workload's exit"
}

# tap_workload_unharmed PREFIX: two checks, once the workload has ended:
# memcheck ran to its end with no corrupted word, and the console shows no
# OOM kill.
tap_workload_unharmed() {
	local p=$1 out rc
	out=$(vm_run 'cat /tmp/memcheck.log')
	[[ "$(tail -n 1 <<<"$out")" == *" passes over "*", 0 mismatches" ]] && rc=0 || rc=1
	tap_ok "$rc" "${p}the workload ran to its end with no corrupted word" "last lines of its log:" \
		"$(grep -m 5 'mismatch at' <<<"$out" || true; tail -n 2 <<<"$out")"
	out=$(vm_console_since 0 | grep 'Killed process' || true)
	[ "$(vm_oom_kills)" = 0 ] && rc=0 || rc=1
	tap_ok "$rc" "${p}no OOM kill (no 'Killed process' on the console)" "$out"
}
