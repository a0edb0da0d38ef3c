# shellcheck shell=bash
# Shared by the bench drivers: boot a guest for one kernel, time a resize
# inside the guest (hptime) and from the host (vmemctl), record results.
#
# Results are rows of $BENCH_OUT/runs.csv:
#   scenario,metric,unit,kernel,rep,value,status
# status is "ok", or "unfinished" for a resize that did not reach its
# target (bench/report.sh leaves those out of the medians and counts them).
# MemTotal time series go to $BENCH_OUT/series/SCENARIO.METRIC.KERNEL.REP.dat
# ("seconds-since-request MemTotal-kB" per line).

# shellcheck source=host/vm.sh
. host/vm.sh

BENCH_OUT=${BENCH_OUT:-build/bench}
# Accelerator mode: icount (default; see bench/results.md) or mttcg.
# icount runs all vCPUs round-robin on one host thread, and with 2 vCPUs a
# busy one starves the other (RCU stall reports within seconds of a
# memory-bound workload), so icount runs use 1 vCPU unless BENCH_SMP says.
BENCH_ACCEL=${BENCH_ACCEL:-icount}
BENCH_ICOUNT=${BENCH_ICOUNT:-shift=2}
BENCH_SMP=${BENCH_SMP:-}

# Kernel label -> files. BENCH_{BASE,SERIES}_{KERNEL,INITRD} override them
# (e.g. base vs base to validate the bench itself).
bench_kernel() {
	case "$1" in
	base) echo "${BENCH_BASE_KERNEL:-build/kbuild/base-guest/arch/x86/boot/bzImage}" ;;
	series) echo "${BENCH_SERIES_KERNEL:-build/kbuild/series-guest/arch/x86/boot/bzImage}" ;;
	*) echo "bench: unknown kernel label '$1'" >&2; return 1 ;;
	esac
}

bench_initrd() {
	case "$1" in
	base) echo "${BENCH_BASE_INITRD:-build/initramfs/base-guest.cpio.gz}" ;;
	series) echo "${BENCH_SERIES_INITRD:-build/initramfs/series-guest.cpio.gz}" ;;
	*) echo "bench: unknown kernel label '$1'" >&2; return 1 ;;
	esac
}

# QEMU accelerator settings for BENCH_ACCEL. icount needs single-threaded
# TCG (QEMU refuses -icount with thread=multi); vm.sh passes VM_ACCEL
# through unchanged unless it is exactly "tcg".
bench_accel_env() {
	case "$BENCH_ACCEL" in
	icount)
		VM_ACCEL=tcg,thread=single
		VM_EXTRA="-icount $BENCH_ICOUNT"
		VM_SMP=${BENCH_SMP:-1}
		;;
	mttcg)
		VM_ACCEL=
		VM_EXTRA=
		VM_SMP=${BENCH_SMP:-2}
		;;
	*) echo "bench: BENCH_ACCEL must be icount or mttcg, not '$BENCH_ACCEL'" >&2; return 1 ;;
	esac
}

bench_accel_desc() {
	case "$BENCH_ACCEL" in
	icount) echo "TCG single-threaded, -icount $BENCH_ICOUNT, ${BENCH_SMP:-1} vCPU(s)" ;;
	mttcg) echo "TCG multi-threaded (thread=multi), no icount, ${BENCH_SMP:-2} vCPUs" ;;
	esac
}

# bench_boot SCENARIO KERNEL REP: boot with the VM_* settings of the caller.
bench_boot() {
	local sc=$1 kernel=$2 rep=$3
	VM_KERNEL=$(bench_kernel "$kernel")
	VM_INITRD=$(bench_initrd "$kernel")
	VM_DIR=$BENCH_OUT/logs/$sc/$kernel-$rep
	bench_accel_env
	cur_sc=$sc cur_kernel=$kernel cur_rep=$rep
	vm_start
}

# bench_end: power off; kernel splats are reported (not fatal: the numbers
# stay, the splat is flagged in the progress output and in results.md).
bench_end() {
	local splats
	vm_stop
	if ! splats=$(vm_scan_console "$VM_DIR/console.log"); then
		echo "bench: $cur_sc $cur_kernel rep $cur_rep: kernel splats on the console ($VM_DIR/console.log):" >&2
		head -n 5 <<<"$splats" | sed 's/^/bench:   /' >&2
		echo "$cur_sc,$cur_kernel,$cur_rep,$VM_DIR/console.log" >>"$BENCH_OUT/splats.csv"
	fi
}

# bench_record METRIC UNIT VALUE [STATUS]: one result of the current run.
bench_record() {
	echo "$cur_sc,$1,$2,$cur_kernel,$cur_rep,$3,${4:-ok}" >>"$BENCH_OUT/runs.csv"
	bench_line+=" $1=$3"
}

# Size and MemTotal: the harness-wide helpers of host/vm.sh.
bench_bytes() { vm_bytes "$1"; }
guest_memtotal() { vm_memtotal_kb; }

# bench_set_size SIZE [SECS]: resize without timing it; return once QEMU's
# size and the guest's MemTotal both match (QEMU's size is reached before
# the guest has added and onlined the memory).
bench_set_size() {
	local size=$1 limit=${2:-120} bytes cur mem target
	bytes=$(bench_bytes "$size")
	cur=$(vmem get size)
	mem=$(guest_memtotal)
	target=$((mem + (bytes - cur) / 1024))
	vmem -q -t "$limit" resize "$size" --wait
	vm_run "i=0; while [ \$(awk '/^MemTotal:/ {print \$2}' /proc/meminfo) != $target ]; do
		i=\$((i + 1)); [ \$i -lt $((limit * 20)) ] || exit 1; usleep 50000; done" $((limit + 30)) >/dev/null ||
		{ echo "bench: MemTotal did not reach $target kB after resizing to $size" >&2; return 1; }
}

# bench_resize METRIC SIZE [TIMEOUT] [SETTLE]: resize the device to SIZE,
# timing it in the guest (hptime: from the driver's "requested size" log
# record to the last MemTotal change) and on the host (vmemctl resize
# --wait: from the QMP request until QEMU's size matches). Records
# METRIC (guest seconds) and METRIC-host (host seconds, only if the size
# was reached). Sets hp_status (reached/settled/timeout), hp_final_kb,
# hp_duration, and keeps the MemTotal series. METRIC "-" records nothing
# (see bench_resize_quiet).
bench_resize() {
	local metric=$1 size=$2 limit=${3:-120} settle=${4:-3} bytes cur mem target out host res status=ok
	bytes=$(bench_bytes "$size")
	cur=$(vmem get size)
	mem=$(guest_memtotal)
	target=$((mem + (bytes - cur) / 1024))
	vm_run "rm -f /tmp/hp.log; hptime watch -r $bytes -T $target -t $limit -s $settle >/tmp/hp.log 2>&1 &
		echo \$! >/tmp/hp.pid
		while ! grep -q 'ready\\|usage\\|cannot\\|failed' /tmp/hp.log; do usleep 10000; done
		grep -q ready /tmp/hp.log" >/dev/null || { echo "bench: hptime did not start: $(vm_run 'cat /tmp/hp.log')" >&2; return 1; }
	host=
	if out=$(vmem -t "$limit" resize "$size" --wait 2>&1); then
		host=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' <<<"$out")
	fi
	out=$(vm_run 'while kill -0 $(cat /tmp/hp.pid) 2>/dev/null; do usleep 20000; done; cat /tmp/hp.log' $((limit + 60)))
	res=$(grep '^hptime: result' <<<"$out") || { echo "bench: hptime gave no result: $(tail -n 3 <<<"$out")" >&2; return 1; }
	hp_status=$(sed -n 's/.* status=\([a-z]*\).*/\1/p' <<<"$res")
	hp_duration=$(sed -n 's/.* duration=\([0-9.]*\).*/\1/p' <<<"$res")
	hp_final_kb=$(sed -n 's/.* final_kb=\([0-9]*\).*/\1/p' <<<"$res")
	case "$res" in
	*" start=kmsg "*) ;;
	*) echo "bench: $cur_sc $metric: no \"requested size\" log record seen; timed from the first MemTotal change" >&2 ;;
	esac
	[ "$metric" != - ] || return 0
	mkdir -p "$BENCH_OUT/series"
	sed -n 's/^series //p' <<<"$out" >"$BENCH_OUT/series/$cur_sc.$metric.$cur_kernel.$cur_rep.dat"
	if [ "$hp_status" != reached ]; then
		status=unfinished
		echo "bench: $cur_sc $metric: MemTotal did not reach $target kB within ${limit}s ($hp_status, last $hp_final_kb kB); recorded as unfinished" >&2
	fi
	bench_record "$metric" s "$hp_duration" "$status"
	[ -z "$host" ] || bench_record "$metric-host" s "$host"
	return 0
}

# bench_resize_quiet SIZE [TIMEOUT] [SETTLE]: bench_resize without
# recording; for scenarios that aggregate several resizes into one value.
# Fails unless the size was reached.
bench_resize_quiet() {
	bench_resize - "$@" || return 1
	[ "$hp_status" = reached ] ||
		{ echo "bench: $cur_sc: resizing to $1: $hp_status (last $hp_final_kb kB)" >&2; return 1; }
}

# bench_unplug_best_effort METRIC SIZE LIMIT SETTLE: request SIZE without
# waiting for it; time it in the guest (hptime, until MemTotal reaches the
# target or stops changing for SETTLE s) and on the host (until QEMU's size
# stops changing). Records METRIC (guest s), METRIC-host (s) and
# METRIC-left-MiB (still plugged above the request).
bench_unplug_best_effort() {
	local metric=$1 size=$2 limit=$3 settle=$4 bytes cur mem target out res host
	bytes=$(bench_bytes "$size")
	cur=$(vmem get size)
	mem=$(guest_memtotal)
	target=$((mem - (cur - bytes) / 1024))
	vm_run "rm -f /tmp/hp.log; hptime watch -r $bytes -T $target -t $limit -s $settle >/tmp/hp.log 2>&1 &
		echo \$! >/tmp/hp.pid
		while ! grep -q 'ready\\|usage\\|cannot\\|failed' /tmp/hp.log; do usleep 10000; done
		grep -q ready /tmp/hp.log" >/dev/null
	vmem -q resize "$size"
	host=$(vm_poll_size "$bytes" "$limit" "$settle")
	out=$(vm_run 'while kill -0 $(cat /tmp/hp.pid) 2>/dev/null; do usleep 100000; done; cat /tmp/hp.log' $((limit + 120)))
	res=$(grep '^hptime: result' <<<"$out") || { echo "bench: hptime gave no result: $(tail -n 3 <<<"$out")" >&2; return 1; }
	hp_status=$(sed -n 's/.* status=\([a-z]*\).*/\1/p' <<<"$res")
	mkdir -p "$BENCH_OUT/series"
	sed -n 's/^series //p' <<<"$out" >"$BENCH_OUT/series/$cur_sc.$metric.$cur_kernel.$cur_rep.dat"
	bench_record "$metric" s "$(sed -n 's/.* duration=\([0-9.]*\).*/\1/p' <<<"$res")"
	bench_record "$metric-host" s "${host% *}"
	be_left_mib=$(((${host#* } - bytes) >> 20))
	bench_record "$metric-left-MiB" MiB "$be_left_mib"
}

# bench_write_stats [VALUE]: bench_stats of the times of the successful
# "hptime: write FILE VALUE status=0 seconds=S" lines on stdin (of every
# value when VALUE is empty).
bench_write_stats() {
	awk -v v="${1:-}" '$1 == "hptime:" && $5 == "status=0" && (v == "" || $4 == v) {
		sub(/seconds=/, "", $6); print $6 }' | bench_stats
}

# bench_wl_fill LEAVE SECS: start memcheck as "mc", holding all but LEAVE
# MiB of the guest's free memory, and wait (at most SECS) until it has
# filled it. Sets wl_mib to the MiB it holds.
bench_wl_fill() {
	wl_mib=$(( $(vm_run "awk '/^MemFree:/ {print int(\$2 / 1024)}' /proc/meminfo") - $1 ))
	vm_bg mc "memcheck -f /tmp/mc.stop $wl_mib"
	vm_wait_guest 'filled\|failed' /tmp/mc.log "$2"
}

# bench_wl_verdict METRIC: stop the memcheck started as "mc" and record its
# verdict as METRIC (0: every word verified, 1: anything else).
bench_wl_verdict() {
	local out
	out=$(vm_stop_bg mc)
	case "$out" in
	*", 0 mismatches") bench_record "$1" n 0 ;;
	*) echo "bench: memcheck: $out" >&2; bench_record "$1" n 1 ;;
	esac
}

# Median, min and max of a column of numbers: prints "MEDIAN MIN MAX N"
# (bench/stats.awk).
bench_stats() {
	awk -f bench/stats.awk -f /dev/fd/3 3<<<'{ v[NR] = $1 } END { print stats(v, NR) }'
}
