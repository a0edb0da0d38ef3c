# shellcheck shell=bash
# Boot and drive one bench guest. Source this file, then:
#   vm_start            boot with the VM_* settings below, wait for the guest
#   vm_run CMD [SECS]   run CMD in the guest, print its output, return its status
#                       (the guest kills CMD after SECS, default 300)
#   vmem ARGS...        run vmemctl against this guest's QMP socket
#   vm_stop             power off (killing QEMU if it does not stop)
#   vm_scan_console     print kernel splats from the console; 1 if any, or
#                       if the console log is missing or empty
#   vm_stop_report WHO  vm_stop, then print "WHO: console clean" or the splats;
#                       1 if any
#   vm_console_since N the console lines after line N, minus guest/init's own
#   vm_bytes SIZE       1G, 512M, 4096K, 1T or plain bytes -> bytes
#   vm_memtotal_kb      the guest's MemTotal (kB)
#   vm_online_blocks    the number of online memory blocks in the guest
#   vm_alive            QEMU is still running (0) or gone, e.g. after a panic (1)
#   vm_bg NAME CMD [ADJ]  run CMD in the guest in the background (see below)
#   vm_wait_guest PATTERN FILE SECS   wait until a guest file matches
#   vm_stop_bg NAME     stop a background job and print its last line
#   vm_poll_size TARGET LIMIT SETTLE  host-side: wait for the device's size
#                       to reach TARGET or stop changing
#   vm_oom_protect      oom_score_adj -1000 for init and every user process
#   vm_oom_kills        the number of OOM kills on the console
#   vm_console_oom      the console's OOM-kill and panic lines
# QEMU runs under a hard timeout and dies with this shell (PR_SET_PDEATHSIG
# via setpriv); an EXIT trap kills it as well (a caller's EXIT trap set
# before vm_start still runs after it).

VM_KERNEL=${VM_KERNEL:-}         # bzImage
VM_INITRD=${VM_INITRD:-}         # initramfs
VM_DIR=${VM_DIR:-}               # per-scenario log directory
VM_SMP=${VM_SMP:-2}
VM_CPU=${VM_CPU:-}               # -cpu model (e.g. max: 1 GiB pages); QEMU's default when empty
VM_BOOT_MEM=${VM_BOOT_MEM:-1G}   # boot memory
VM_VMEM_SIZE=${VM_VMEM_SIZE:-8G} # virtio-mem device region (max-size)
VM_VMEM_REQ=${VM_VMEM_REQ:-0}    # initial requested-size
VM_VMEM_BLOCK=${VM_VMEM_BLOCK:-2M}
VM_VMEM_OPTS=${VM_VMEM_OPTS:-,unplugged-inaccessible=on}
VM_ONLINE=${VM_ONLINE:-online_movable} # memhp_default_state
VM_APPEND=${VM_APPEND:-}         # extra kernel parameters
VM_TIMEOUT=${VM_TIMEOUT:-900}    # hard limit for the whole QEMU run, seconds
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-180}
VM_ACCEL=${VM_ACCEL:-}           # tcg or kvm; probed when empty
VM_NO_REBOOT=${VM_NO_REBOOT:-1}  # 1: a reset (or a panic) ends QEMU
VM_NUMA=${VM_NUMA:-1}            # NUMA nodes; boot memory and CPUs split evenly
VM_EXTRA=${VM_EXTRA:-}           # extra QEMU arguments, split on spaces
VMEMCTL=${VMEMCTL:-build/host/vmemctl}
# 10: Debian's QEMU 10.0 from bookworm-backports (scripts/qemu.env, fetched
# into build/qemu/10 by make deps); 7.2: the machine's qemu-system-x86_64
# (bookworm's); or the path of another qemu-system-x86_64.
QEMU=${QEMU:-10}

vm_pid=
vm_in=
vm_out=
vm_prev_exit_trap=

vm_die() { echo "vm: $*" >&2; return 1; }

# The one size parser of the harness (tests, bench, demo): bytes, or a
# whole number with a binary K, M, G or T suffix (the syntax vmemctl takes).
vm_bytes() {
	local re='^([0-9]+)([KMGT]?)$' shift=0
	[[ $1 =~ $re ]] || { vm_die "invalid size '$1': want bytes or a whole number with K, M, G or T (e.g. 512M)"; return 1; }
	case "${BASH_REMATCH[2]}" in K) shift=10 ;; M) shift=20 ;; G) shift=30 ;; T) shift=40 ;; esac
	echo $((10#${BASH_REMATCH[1]} << shift))
}

# vm_qemu_cmd: the QEMU command for $QEMU (binary and firmware paths) in
# the array vm_qemu; otherwise says why (also in vm_qemu_err) and fails.
vm_qemu_cmd() {
	local root ver
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/qemu/10
	vm_qemu=() vm_qemu_err=
	case "$QEMU" in
	10)
		if [ -x "$root/usr/bin/qemu-system-x86_64" ]; then
			# Its own modules, not the machine's 7.2 ones (which it
			# refuses, and "-device help" fails).
			vm_qemu=(env "QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu" "$root/usr/bin/qemu-system-x86_64"
				-L "$root/usr/share/qemu" -L "$root/usr/share/seabios")
		else
			vm_qemu_err="QEMU=10: no $root/usr/bin/qemu-system-x86_64; 'make deps' fetches it (scripts/fetch-qemu.sh), or use QEMU=7.2"
		fi
		;;
	7.2)
		ver=$(qemu-system-x86_64 --version 2>&1 | head -n 1) || true
		if [[ "$ver" == *"version 7.2"* ]]; then
			vm_qemu=(qemu-system-x86_64)
		else
			vm_qemu_err="QEMU=7.2: qemu-system-x86_64 on PATH is not 7.2: $ver"
		fi
		;;
	*)
		if [ -x "$QEMU" ]; then
			vm_qemu=("$QEMU")
		else
			vm_qemu_err="QEMU='$QEMU': want 10, 7.2 or the path of a qemu-system-x86_64"
		fi
		;;
	esac
	[ -z "$vm_qemu_err" ] || { vm_die "$vm_qemu_err"; return 1; }
}

# vm_qemu_desc: which QEMU, for provenance ("QEMU=10: QEMU emulator
# version 10.0.2 (Debian ...)").
vm_qemu_desc() {
	if vm_qemu_cmd 2>/dev/null; then
		echo "QEMU=$QEMU: $("${vm_qemu[@]}" --version | head -n 1)"
	else
		echo "QEMU=$QEMU: unusable ($vm_qemu_err)"
	fi
}

# vm_vmem_props: QEMU's list of virtio-mem-pci properties, empty if it has
# no such device. Not "-device help", which loads every module, and the
# machine's 7.2 has modules (ui-opengl) that QEMU 10 can neither find in
# its own build nor load.
vm_vmem_props() {
	local props
	vm_qemu_cmd || return 1
	props=$("${vm_qemu[@]}" -device virtio-mem-pci,help 2>&1) || true
	grep -q 'memdev=' <<<"$props" && echo "$props"
}

# KVM is used only where a short probe boot shows it works (it does not under
# nested virtualisation here); the answer is cached per machine.
vm_accel() {
	local cache=build/.accel probe
	if [ -n "$VM_ACCEL" ]; then echo "$VM_ACCEL"; return; fi
	if [ -f "$cache" ]; then cat "$cache"; return; fi
	local accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		vm_qemu_cmd || return 1
		probe=$(mktemp)
		timeout -k 2 25 "${vm_qemu[@]}" -M q35 -accel kvm -m 256M -nodefaults \
			-display none -no-reboot -serial "file:$probe" -kernel "$VM_KERNEL" \
			-append "console=ttyS0 panic=-1" >/dev/null 2>&1 || true
		grep -q 'Kernel panic\|Run /init\|VFS:' "$probe" && accel=kvm
		rm -f "$probe"
	fi
	# Cached only once the probe has finished (an interrupted probe is
	# repeated next time).
	mkdir -p "$(dirname "$cache")"
	echo "$accel" >"$cache"
	echo "vm: accelerator $accel (probed once; delete $cache to probe again)" >&2
	echo "$accel"
}

# Size to MiB (QEMU's -m wants whole MiB here).
vm_mib() {
	local b
	b=$(vm_bytes "$1") || return 1
	[ $((b % (1 << 20))) -eq 0 ] || { vm_die "size '$1' is not a whole number of MiB"; return 1; }
	echo $((b >> 20))
}

vm_cmdline() {
	local accel maxmem boot_mib vmem_mib smp
	boot_mib=$(vm_mib "$VM_BOOT_MEM") || { vm_die "VM_BOOT_MEM: see above"; return 1; }
	vmem_mib=$(vm_mib "$VM_VMEM_SIZE") || { vm_die "VM_VMEM_SIZE: see above"; return 1; }
	accel=$(vm_accel)
	vm_qemu_cmd || return 1
	# Plain "tcg" gets multi-threaded TCG; any other value (kvm, or the
	# bench's "tcg,thread=single") is passed through as it is.
	[ "$accel" != tcg ] || accel=tcg,thread=multi
	maxmem=$((boot_mib + vmem_mib))
	smp=$VM_SMP
	# One socket per NUMA node, so the guest's CPU topology is sane.
	[ "$VM_NUMA" -le 1 ] || smp="$VM_SMP,sockets=$VM_NUMA,cores=$((VM_SMP / VM_NUMA)),threads=1"
	# shellcheck disable=SC2054 # commas belong to QEMU options
	vm_argv=("${vm_qemu[@]}" -M q35 -accel "$accel"
		-smp "$smp" -m "$VM_BOOT_MEM,maxmem=${maxmem}M"
		-nodefaults -display none
		-serial "file:$VM_DIR/console.log"
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD"
		-append "console=ttyS0 panic=-1 memhp_default_state=$VM_ONLINE $VM_APPEND"
		-qmp "unix:$VM_DIR/qmp.sock,server=on,wait=off"
		-device virtio-serial-pci,id=vser0
		-chardev "pipe,id=ctl,path=$VM_DIR/ctl"
		-device virtserialport,chardev=ctl,name=bench.ctl
		-object "memory-backend-ram,id=vmem0mem,size=$VM_VMEM_SIZE"
		-device "virtio-mem-pci,id=vmem0,memdev=vmem0mem,requested-size=$VM_VMEM_REQ,block-size=$VM_VMEM_BLOCK$VM_VMEM_OPTS"
		)
	# shellcheck disable=SC2206 # VM_EXTRA is a list of words on purpose
	vm_argv+=($VM_EXTRA)
	[ -z "$VM_CPU" ] || vm_argv+=(-cpu "$VM_CPU")
	if [ "$VM_NUMA" -gt 1 ]; then
		local node per=$((boot_mib / VM_NUMA)) cores=$((VM_SMP / VM_NUMA))
		for ((node = 0; node < VM_NUMA; node++)); do
			vm_argv+=(-object "memory-backend-ram,id=node${node}mem,size=${per}M"
				-numa "node,nodeid=$node,memdev=node${node}mem,cpus=$((node * cores))-$((node * cores + cores - 1))")
		done
	fi
	[ "$VM_NO_REBOOT" = 1 ] && vm_argv+=(-no-reboot)
	return 0
}

vm_start() {
	[ -f "$VM_KERNEL" ] || vm_die "kernel image '$VM_KERNEL' not found; run make kernel" || return
	[ -f "$VM_INITRD" ] || vm_die "initramfs '$VM_INITRD' not found; run make initramfs" || return
	[ -n "$VM_DIR" ] || vm_die "VM_DIR is not set" || return
	mkdir -p "$VM_DIR"
	rm -f "$VM_DIR/console.log" "$VM_DIR/qmp.sock" "$VM_DIR/ctl.in" "$VM_DIR/ctl.out" "$VM_DIR/guest.log" "$VM_DIR/.seq"
	mkfifo "$VM_DIR/ctl.in" "$VM_DIR/ctl.out"
	vm_cmdline || return 1
	printf '%q ' "${vm_argv[@]}" >"$VM_DIR/qemu.cmd"
	echo >>"$VM_DIR/qemu.cmd"
	echo "# qemu: $(cat "$VM_DIR/qemu.cmd")" >>"$VM_DIR/guest.log"
	# Which series and base (scripts/provenance.sh, from the project root).
	[ ! -x scripts/provenance.sh ] || scripts/provenance.sh 2>/dev/null | sed 's/^/# /' >>"$VM_DIR/guest.log" || true
	vm_trap_exit
	# A write to the control FIFO after QEMU died must fail, not kill us.
	# A handler (not '' = ignore) keeps children at the default SIGPIPE.
	trap : PIPE
	setpriv --pdeathsig KILL -- timeout -k 5 "$VM_TIMEOUT" \
		setpriv --pdeathsig KILL -- "${vm_argv[@]}" >"$VM_DIR/qemu.err" 2>&1 &
	vm_pid=$!
	# Opening both FIFOs pairs them with QEMU's ends (QEMU opens them O_RDWR).
	exec {vm_in}>"$VM_DIR/ctl.in" {vm_out}<"$VM_DIR/ctl.out"
	vm_partial=
	vm_wait_ready
}

# Kill QEMU on exit, then run whatever EXIT trap the caller had set.
vm_exit_trap() {
	vm_kill
	[ -z "$vm_prev_exit_trap" ] || eval "$vm_prev_exit_trap"
}

vm_trap_exit() {
	local cur
	cur=$(trap -p EXIT)
	case "$cur" in *vm_exit_trap*) return 0 ;; esac
	vm_prev_exit_trap=
	if [ -n "$cur" ]; then
		cur=${cur#trap -- }
		eval "vm_prev_exit_trap=${cur% EXIT}"
	fi
	trap vm_exit_trap EXIT
}

# Wait for the guest's init to announce itself (after boot or a reset).
vm_wait_ready() {
	local line deadline
	deadline=$((SECONDS + VM_BOOT_TIMEOUT))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if vm_read_line line; then
			[ "$line" = "@@bench-ready" ] && return 0
		fi
		if ! kill -0 "$vm_pid" 2>/dev/null; then
			vm_die "QEMU exited during boot: $(cat "$VM_DIR/qemu.err"); console: $VM_DIR/console.log"
			vm_kill
			return 1
		fi
	done
	vm_die "guest not ready after ${VM_BOOT_TIMEOUT}s; console: $VM_DIR/console.log"
	vm_kill
	return 1
}

# vm_read_line VAR: one line from the guest channel into VAR, waiting at
# most 1 s. A read that times out keeps what arrived of a line (bash's
# read hands it over, then returns > 128), so a line that a busy guest
# sends in pieces is completed by the next call instead of losing its
# start.
vm_partial=
vm_read_line() {
	local -n vm_line_ref=$1
	local part rc=0
	IFS= read -r -t 1 -u "$vm_out" part || rc=$?
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2034 # a nameref: sets the caller's VAR
		vm_line_ref=$vm_partial$part
		vm_partial=
		return 0
	fi
	[ "$rc" -le 128 ] || vm_partial+=$part
	return 1
}

# Run one shell command in the guest. Output goes to stdout and guest.log.
# Each request carries an id; the guest echoes "@@bench-start ID" before
# running it and "@@bench-rc ID STATUS" after, so output or a status that
# arrives late from an earlier, timed-out request is logged and dropped,
# never taken as this command's. The guest kills the command after SECS.
vm_run() {
	local cmd=$1 limit=${2:-300} line deadline id started=0 rc
	[ -n "$vm_pid" ] || vm_die "no guest running" || return 255
	# A subshell ($(vm_run ...)) resets vm_start's PIPE handler: set it
	# again, so a dead QEMU gives the message below, not a silent 141.
	trap : PIPE
	# vm_run often runs in $(...), so the counter lives in a file.
	id=$(($(cat "$VM_DIR/.seq" 2>/dev/null || echo 0) + 1))
	echo "$id" >"$VM_DIR/.seq"
	echo "\$ [$id] $cmd" >>"$VM_DIR/guest.log"
	{ printf '%s %s %s\n' "$id" "$limit" "$(printf '%s' "$cmd" | base64 -w0)" >&"$vm_in"; } 2>/dev/null ||
		{ vm_die "cannot send '$cmd' to the guest (QEMU gone?); console: $VM_DIR/console.log"; return 255; }
	deadline=$((SECONDS + limit))
	while :; do
		if vm_read_line line; then
			case "$line" in
			"@@bench-start $id")
				started=1
				continue
				;;
			"@@bench-rc $id "*)
				rc=${line##* }
				echo "# rc $rc" >>"$VM_DIR/guest.log"
				[ "$rc" = 0 ] || [ -n "${VM_RUN_QUIET:-}" ] ||
					echo "# guest command failed (status $rc): $cmd" >&2
				return "$rc"
				;;
			"@@bench-"*)
				echo "# dropped (earlier request): $line" >>"$VM_DIR/guest.log"
				continue
				;;
			esac
			if [ "$started" = 1 ]; then
				printf '%s\n' "$line"
				printf '%s\n' "$line" >>"$VM_DIR/guest.log"
			else
				printf '# dropped (earlier request): %s\n' "$line" >>"$VM_DIR/guest.log"
			fi
			continue
		fi
		if ! kill -0 "$vm_pid" 2>/dev/null; then
			vm_die "guest died while running '$cmd'; console: $VM_DIR/console.log"
			return 255
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			vm_die "'$cmd' did not finish within ${limit}s (killed in the guest)"
			return 254
		fi
	done
}

# Guest probes shared by tests, bench and demo.
vm_memtotal_kb() { vm_run "awk '/^MemTotal:/ {print \$2}' /proc/meminfo"; }

vm_online_blocks() {
	# A block removed while this counts is not online: no error for it.
	vm_run 'n=0; for s in /sys/devices/system/memory/memory*/state; do
		[ "$(cat $s 2>/dev/null)" = online ] && n=$((n + 1)); done; echo $n'
}

vmem() { "$VMEMCTL" -s "$VM_DIR/qmp.sock" "$@"; }

vm_alive() { [ -n "$vm_pid" ] && kill -0 "$vm_pid" 2>/dev/null; }

# Background jobs in the guest: vm_bg NAME CMD [ADJ] starts CMD with its
# output in /tmp/NAME.log and its pid in /tmp/NAME.pid; with ADJ it runs
# at that oom_score_adj (e.g. 0 for the one process an OOM kill may hit,
# after vm_oom_protect). Jobs that take -f /tmp/NAME.stop (memcheck,
# bystander, fragment) end with vm_stop_bg NAME, which waits for the exit
# and prints the job's last output line.
vm_bg() {
	local adj=
	[ -z "${3:-}" ] || adj="echo $3 >/proc/self/oom_score_adj; "
	vm_run "(${adj}exec $2) >/tmp/$1.log 2>&1 & echo \$! >/tmp/$1.pid" >/dev/null
}

# vm_wait_guest PATTERN FILE SECS: wait until FILE in the guest matches.
vm_wait_guest() {
	vm_run "i=0; while ! grep -q '$1' $2 2>/dev/null; do
		i=\$((i + 1)); [ \$i -lt $(($3 * 10)) ] || exit 1; usleep 100000; done" $(($3 + 30)) >/dev/null
}

vm_stop_bg() {
	vm_run "touch /tmp/$1.stop; while kill -0 \$(cat /tmp/$1.pid) 2>/dev/null; do usleep 100000; done; tail -n 1 /tmp/$1.log" 600
}

# vm_poll_size TARGET LIMIT SETTLE: host-side, poll the device's size
# every 0.1 s until it equals TARGET, or has not changed for SETTLE s, or
# LIMIT s passed, or QEMU is gone. Prints "ELAPSED-TO-LAST-CHANGE SIZE".
# Every change (and any failed query) is logged in $VM_DIR/size-poll.log
# as "SECONDS SIZE".
vm_poll_size() {
	local target=$1 limit=$2 settle=$3 t0 t last_t size last log=$VM_DIR/size-poll.log rc
	t0=$(date +%s.%N)
	last=$(vmem get size) last_t=$t0
	echo "# vm_poll_size $*: 0 $last" >>"$log"
	while vm_alive; do
		sleep 0.1
		t=$(date +%s.%N)
		rc=0
		size=$(vmem get size 2>&1) || rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "$(awk -v t="$t" -v z="$t0" 'BEGIN { printf "%.3f", t - z }') query failed ($rc): $size" >>"$log"
			size=$last
		fi
		if [ "$size" != "$last" ]; then
			last=$size last_t=$t
			echo "$(awk -v t="$t" -v z="$t0" 'BEGIN { printf "%.3f", t - z }') $size" >>"$log"
		fi
		[ "$size" = "$target" ] && break
		awk -v t="$t" -v l="$last_t" -v s="$settle" -v z="$t0" -v m="$limit" \
			'BEGIN { exit !(t - l >= s || t - z >= m) }' && break
	done
	awk -v l="$last_t" -v z="$t0" -v s="$last" 'BEGIN { printf "%.3f %s\n", l - z, s }'
}

# Memory pressure (tests/oom.sh, tests/plug-pressure.sh, the bench's
# pressure scenario). vm_oom_protect sets oom_score_adj -1000 (never
# killed) on init and every user process running now; everything started
# later inherits it from init. A workload started with vm_bg ... 0 is then
# the only process an OOM kill can pick, and an OOM with no victim left
# panics ("System is deadlocked on memory"), which ends QEMU (panic=-1,
# -no-reboot) instead of hiding behind a killed shell.
vm_oom_protect() {
	vm_run 'for p in /proc/[0-9]*; do
		grep -q . $p/cmdline 2>/dev/null && echo -1000 >$p/oom_score_adj 2>/dev/null
	done; [ "$(cat /proc/1/oom_score_adj)" = -1000 ]' >/dev/null
}

# vm_pin MIB SECS: start guest/pin in the background (references on MIB
# MiB through vmsplice() for SECS seconds, or until SIGUSR1; log in
# /tmp/pin.log). Sets pin_log to its report and pin_block to the first
# online memory block that holds a pinned page (empty if none does).
# shellcheck disable=SC2034 # pin_block is the caller's
vm_pin() {
	local b blocks
	vm_bg pin "pin $1 $2"
	vm_wait_guest "pinned\|usage\|failed\|cannot" /tmp/pin.log 60 || true
	pin_log=$(vm_run 'cat /tmp/pin.log') pin_block=
	read -ra blocks <<<"$(sed -n 's/^pin: pinned [0-9]* pages in blocks//p' <<<"$pin_log")"
	for b in "${blocks[@]}"; do
		[ "$(vm_run "blockinfo $b 2>/dev/null | cut -d' ' -f2")" = online ] && { pin_block=$b; return 0; }
	done
}

# OOM kills so far, from the console (host side, so it works after the
# guest died): the guest configs have no VM_EVENT_COUNTERS, so
# /proc/vmstat has no oom_kill counter.
vm_oom_kills() { vm_console_since 0 | grep -c 'Killed process' || true; }

# The console's OOM-kill and panic lines (host side, so it works after the
# guest died).
vm_console_oom() {
	tr -d '\r' <"$VM_DIR/console.log" | grep -E 'Killed process|invoked oom-killer|Kernel panic|System is deadlocked' || true
}

# Withdraw what is left of a resize request: ask for the size the device
# has now and wait (up to 60 s) until it is there, so the driver stops
# plugging or unplugging in the background.
vmem_hold() {
	vmem -q resize "$(vmem get size)" || true
	vmem -q -t 60 wait-size "$(vmem get requested-size)" 2>/dev/null || true
}

vm_stop() {
	local i
	[ -n "$vm_pid" ] || return 0
	{ printf 'poweroff\n' >&"$vm_in"; } 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$vm_pid" 2>/dev/null || break
		sleep 0.1
	done
	vm_kill
}

vm_stop_report() {
	local splats
	vm_stop
	if splats=$(vm_scan_console "$VM_DIR/console.log"); then
		echo "$1: console clean"
	else
		echo "$1: kernel splats on the console ($VM_DIR/console.log):" >&2
		echo "$splats" >&2
		return 1
	fi
}

vm_kill() {
	if [ -n "$vm_pid" ]; then
		pkill -KILL -P "$vm_pid" 2>/dev/null || true
		kill -KILL "$vm_pid" 2>/dev/null || true
		wait "$vm_pid" 2>/dev/null || true
		vm_pid=
	fi
	if [ -n "$vm_in" ]; then exec {vm_in}>&-; vm_in=; fi
	if [ -n "$vm_out" ]; then exec {vm_out}<&-; vm_out=; fi
	return 0
}

# vm_console_lines: how many lines the console log has now.
# vm_console_since N: the console lines after line N, without the lines
# guest/init writes to the kernel log itself ("bench: run: [ID] CMD", ...),
# so a scenario can check what the kernel printed during a step.
vm_console_lines() { wc -l <"$VM_DIR/console.log"; }
vm_console_since() {
	tail -n +$(($1 + 1)) "$VM_DIR/console.log" | tr -d '\r' | grep -Ev '^\[ *[0-9.]+\] bench: ' || true
}

# Kernel splats on the console fail a scenario.
# (lockdep reports start with WARNING: or BUG:; the rest catch its
# follow-ups. "RCU lockdep checking is enabled" at boot is not a report.)
VM_SPLAT='WARNING:|BUG:|Oops|KASAN|kernel BUG|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|lockdep is turned off|page dumped because|Kernel panic|general protection fault|INFO: task .* blocked|Call Trace:'

# VM_SPLAT_IGNORE: a regex of splat lines a scenario expects (say why there).
VM_SPLAT_IGNORE=${VM_SPLAT_IGNORE:-}

vm_scan_console() {
	local log=${1:-$VM_DIR/console.log} hits
	# No console means nothing was checked: that is a failure, not "clean".
	if [ ! -s "$log" ]; then
		echo "console log $log is missing or empty (QEMU never wrote its serial output)"
		return 1
	fi
	hits=$(grep -E "$VM_SPLAT" "$log" | tr -d '\r') || return 0
	[ -z "$VM_SPLAT_IGNORE" ] || hits=$(grep -Ev "$VM_SPLAT_IGNORE" <<<"$hits") || return 0
	head -n 20 <<<"$hits"
	return 1
}
