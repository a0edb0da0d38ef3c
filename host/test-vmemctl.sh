#!/usr/bin/env bash
# Tests for vmemctl, output as TAP.
#   VMEMCTL=build/host/vmemctl FAKE_QMP=build/host/fake-qmp host/test-vmemctl.sh
# 1. usage errors, without any server;
# 2. saved QMP transcripts (testdata/*.qmp) replayed by fake-qmp: split and
#    merged messages, early events, stale replies, EOF, garbage, silence;
# 3. a real QEMU paused with -S (no guest kernel, so nothing ever plugs), with
#    one and with two virtio-mem devices.
# Every QEMU and fake-qmp runs under timeout(1) and is killed on exit.
# QEMU_TEST_KEEP=1 keeps the scratch directory (QEMU logs) for debugging.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
VMEMCTL=${VMEMCTL:-$here/../build/host/vmemctl}
FAKE_QMP=${FAKE_QMP:-$here/../build/host/fake-qmp}
# The QEMU of the bench (QEMU=10 or 7.2, host/vm.sh), binary and firmware.
# shellcheck source=host/vm.sh
. "$here/vm.sh"
data=$here/testdata
unset VMEMCTL_SOCKET

n_usage=8
n_fake=15
n_qemu=26
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-vmemctl.XXXXXX")
children=()

cleanup() {
	local p
	for p in "${children[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	if [ -n "${QEMU_TEST_KEEP:-}" ]; then
		echo "# scratch kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

for f in "$VMEMCTL" "$FAKE_QMP"; do
	[ -x "$f" ] || { echo "Bail out! $f not built (run make -C host)"; exit 1; }
done
qemu_skip=
if ! vm_qemu_cmd 2>/dev/null; then
	qemu_skip="no QEMU: $vm_qemu_err"
elif ! vm_vmem_props >/dev/null; then
	qemu_skip="$(vm_qemu_desc) has no virtio-mem-pci"
fi

echo "TAP version 13"
echo "1..$((n_usage + n_fake + n_qemu))"
n=0
failed=0
rc=0 frc=0 out='' err=''

# report NAME [REASON...]: ok without reasons, else not ok with the reasons
# and the last run's output as diagnostics.
report() {
	local name=$1
	shift
	n=$((n + 1))
	if [ $# -eq 0 ]; then
		echo "ok $n - $name"
		return
	fi
	failed=$((failed + 1))
	echo "not ok $n - $name"
	printf '# %s\n' "$@"
	sed 's/^/#   stdout: /' "$tmp/out"
	sed 's/^/#   stderr: /' "$tmp/err"
}

# run ARGS...: run vmemctl, keep its exit code, stdout and stderr.
run() {
	rc=0
	frc=0
	"$VMEMCTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# check NAME RC STDOUT_RE STDERR_RE: assert on the last run.  The regexes
# match the whole output (use ^...$ to pin it; '' accepts anything).
check() {
	local why=()
	[ "$rc" -eq "$2" ] || why+=("exit code $rc, expected $2")
	[[ $out =~ $3 ]] || why+=("stdout does not match /$3/")
	[[ $err =~ $4 ]] || why+=("stderr does not match /$4/")
	[ "$frc" -eq 0 ] || why+=("fake-qmp exit $frc: $(cat "$tmp/fake.err")")
	report "$1" "${why[@]}"
}

# wait_socket PATH PID: wait until PATH is a socket, or fail if PID died.
wait_socket() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# fake TRANSCRIPT ARGS...: replay testdata/TRANSCRIPT to `vmemctl -s SOCK ARGS`.
fake() {
	local sock=$tmp/fake.sock pid
	rm -f "$sock"
	timeout 30 "$FAKE_QMP" "$sock" "$data/$1" 2>"$tmp/fake.err" &
	pid=$!
	children+=("$pid")
	shift
	if ! wait_socket "$sock" "$pid"; then
		rc=-1 frc=99 out='' err=''
		: >"$tmp/out"
		: >"$tmp/err"
		return
	fi
	run -s "$sock" "$@"
	wait "$pid" || frc=$?
}

# ---- 1. usage ----------------------------------------------------------

run --help
check "--help lists every command and the exit codes" 0 \
	'status.*resize SIZE \[--wait\].*get PROP.*wait-size SIZE.*watch \[COUNT\].*qmp JSON.*help \[COMMAND\].*5 timeout' '^$'
run help watch
check "help COMMAND prints its synopsis and details" 0 '^  watch \[COUNT\] .*exits 5 after -t' '^$'
run frobnicate
check "unknown command is a usage error" 1 '^$' "unknown command 'frobnicate'"
run status
check "no socket and no VMEMCTL_SOCKET is a usage error" 1 '^$' 'no QMP socket: use -s PATH or set VMEMCTL_SOCKET'
run -s "$tmp/none" resize abc
check "a bad size is refused before connecting (exit 4, not 2)" 4 '^$' "resize: invalid size 'abc':"
run -s "$tmp/none" watch 0
check "a bad event count is refused before connecting" 1 '^$' "watch: invalid event count '0'"
run -s "$tmp/none" resize
check "missing argument is a usage error" 1 '^$' 'resize: expected 1 to 1 arguments, got 0'
run -s "$tmp/none" resize 1G --bogus
check "unknown command flag is a usage error" 1 '^$' "resize: unknown option '--bogus'"

# ---- 2. transcripts ----------------------------------------------------

ev0='event id=vmem0 size=67108864 qom-path=/machine/peripheral/vmem0'
fake early-event.qmp -t 5 resize 64M + watch 1
check "event before the qom-set reply is kept for watch" 0 \
	"^resize: vmem0 requested-size 0 -> 67108864 bytes
$ev0\$" 'ignoring reply with id 999'
fake resize-wait.qmp resize 64M --wait + watch 1
check "resize --wait polls size; event in the same write as the reply" 0 \
	"^resize: vmem0 0 -> 67108864 bytes in [0-9]+\\.[0-9]{3} s
$ev0\$" '^$'
fake resize-wait.qmp -q resize 64M --wait
check "-q resize --wait prints nothing" 0 '^$' '^$'
fake two-devices.qmp status + resize 64M
check "two devices: status lists both, skips the DIMM; resize needs -d" 4 \
	'^id=vmem0 node=0 block-size=2097152 requested-size=0 size=0 max-size=2147483648
id=vmem1 node=1 block-size=4194304 requested-size=8388608 size=8388608 max-size=1073741824$' \
	'2 virtio-mem devices \(vmem0, vmem1\): choose one with -d ID'
fake watch-filter.qmp -d vmem0 -t 5 watch 1
check "watch -d skips other devices' events" 0 "^$ev0\$" '^$'
fake refuse.qmp resize 3M
check "size not a multiple of block-size: refused, nothing sent" 4 '^$' \
	"size '3M' \\(3145728 bytes\\) is not a multiple of block-size 2097152 of device 'vmem0'"
fake refuse.qmp resize 4G
check "size above max-size: refused, nothing sent" 4 '^$' \
	"size '4G' \\(4294967296 bytes\\) exceeds max-size 2147483648 of device 'vmem0'"
fake truncated.qmp status
check "EOF in the middle of a message is an I/O error" 2 '^$' \
	"QEMU closed QMP socket '.*fake.sock' in the middle of a JSON message while waiting for the reply to 'query-memory-devices' \\(stream truncated\\)"
fake eof.qmp status
check "EOF between messages is an I/O error" 2 '^$' \
	"QEMU closed QMP socket '.*' \\(EOF\\) while waiting for the reply to 'query-memory-devices'"
fake error-reply.qmp resize 64M
check "QMP error reply: class and desc verbatim" 3 '^$' \
	"QMP command 'qom-set' \\{\"path\":\"/machine/peripheral/vmem0\",\"property\":\"requested-size\",\"value\":67108864\\} failed: GenericError: fake: 'requested-size' cannot be changed now \\(0x4000000\\)"
fake malformed.qmp status
check "malformed JSON is an I/O error" 2 '^$' 'malformed JSON from QEMU'
fake bad-greeting.qmp status
check "a server without a QMP greeting is refused" 2 '^$' 'unexpected greeting on QMP socket'
fake silent.qmp -t 0.5 status
check "no reply within -t is a timeout" 5 '^$' "timed out while waiting for the reply to 'qmp_capabilities'"
fake idle.qmp -t 0.3 watch
check "watch without COUNT ends at the timeout with exit 0" 0 '^$' '^$'
fake idle.qmp -t 0.3 watch 1
check "watch COUNT not reached by the timeout exits 5" 5 '^$' \
	'watch: timed out after 0\.300 s with 0 of 1 MEMORY_DEVICE_SIZE_CHANGE events'

# ---- 3. real QEMU ------------------------------------------------------

if [ -n "$qemu_skip" ]; then
	for ((i = 0; i < n_qemu; i++)); do
		n=$((n + 1))
		echo "ok $n - real QEMU test # SKIP $qemu_skip"
	done
fi

# start_qemu NAME QEMU-ARGS...: paused QEMU with a QMP socket at $qsock.
start_qemu() {
	local dir=$tmp/$1 i
	shift
	mkdir -p "$dir"
	qsock=$dir/qmp.sock
	echo "# ${vm_qemu[*]} -M q35 -accel tcg -nodefaults -display none -S -m 512M,maxmem=4G $* -qmp unix:$qsock,server=on,wait=off"
	timeout 60 "${vm_qemu[@]}" -M q35 -accel tcg -nodefaults -display none -S \
		-m 512M,maxmem=4G "$@" -qmp "unix:$qsock,server=on,wait=off" \
		>"$dir/qemu.log" 2>&1 &
	qpid=$!
	children+=("$qpid")
	for ((i = 0; i < 100; i++)); do
		"$VMEMCTL" -s "$qsock" -t 5 qmp '{"execute":"query-status"}' \
			>/dev/null 2>&1 && return 0
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# QEMU did not answer on $qsock; log:"
	sed 's/^/#   /' "$dir/qemu.log"
	return 1
}

# stop_qemu NAME: quit over QMP and check that QEMU exits 0.
stop_qemu() {
	local qrc=0
	run -s "$qsock" qmp '{"execute":"quit"}'
	wait "$qpid" || qrc=$?
	[ "$qrc" -eq 0 ] || rc=$qrc
	check "$1: QEMU quits cleanly on QMP quit" 0 '^\{\}$' '^$'
}

mem() { echo "-object memory-backend-ram,id=mem$1,size=$2 -device virtio-mem-pci,id=vmem$1,memdev=mem$1,requested-size=0,block-size=$3"; }

if [ -z "$qemu_skip" ]; then
	# shellcheck disable=SC2046 # mem() yields several words on purpose
	start_qemu one $(mem 0 2G 2M) || true
	s=(-s "$qsock")

	rc=0
	out=$(VMEMCTL_SOCKET=$qsock "$VMEMCTL" status 2>"$tmp/err") || rc=$?
	err=$(cat "$tmp/err")
	check "status via VMEMCTL_SOCKET prints the device's numbers" 0 \
		'^id=vmem0 node=0 block-size=2097152 requested-size=0 size=0 max-size=2147483648$' '^$'
	run "${s[@]}" -d vmem0 status
	check "status -d vmem0" 0 '^id=vmem0 node=0 block-size=2097152 requested-size=0 size=0 max-size=2147483648$' '^$'
	run "${s[@]}" resize 64M
	check "resize 64M" 0 '^resize: vmem0 requested-size 0 -> 67108864 bytes$' '^$'
	run "${s[@]}" get requested-size + get size + status
	check "get shows requested-size 64M, size still 0" 0 \
		'^67108864
0
id=vmem0 node=0 block-size=2097152 requested-size=67108864 size=0 max-size=2147483648$' '^$'
	run "${s[@]}" resize 3M
	check "resize 3M (not a multiple of 2M) is refused" 4 '^$' \
		"resize: size '3M' \\(3145728 bytes\\) is not a multiple of block-size 2097152 of device 'vmem0'"
	run "${s[@]}" resize 3G
	check "resize 3G (above max-size 2G) is refused" 4 '^$' \
		"resize: size '3G' \\(3221225472 bytes\\) exceeds max-size 2147483648 of device 'vmem0'"
	run "${s[@]}" resize garbage
	check "resize garbage is refused" 4 '^$' "resize: invalid size 'garbage':"
	run "${s[@]}" resize -64M
	check "resize -64M is refused" 4 '^$' "resize: invalid size '-64M':"
	run "${s[@]}" get requested-size
	check "requested-size unchanged after refused resizes" 0 '^67108864$' '^$'
	run "${s[@]}" -d nosuch status
	check "-d nosuch lists the existing ids" 4 '^$' "no virtio-mem device with id 'nosuch' \\(devices: vmem0\\)"
	run "${s[@]}" resize 1GiB + get requested-size + resize 4096K + get requested-size + resize 2097152B + get requested-size
	check "sizes with GiB, K and B suffixes" 0 \
		'^resize: vmem0 requested-size 67108864 -> 1073741824 bytes
1073741824
resize: vmem0 requested-size 1073741824 -> 4194304 bytes
4194304
resize: vmem0 requested-size 4194304 -> 2097152 bytes
2097152$' '^$'
	t0=$EPOCHREALTIME
	run "${s[@]}" -t 2 resize 128M --wait
	t1=$EPOCHREALTIME
	check "resize --wait -t 2 times out (no guest plugs)" 5 '^$' \
		"resize: timed out after 2\\.000 s waiting for size of device 'vmem0' to reach 134217728 bytes \\(last size 0\\)"
	ms=$(((${t1/./} - ${t0/./}) / 1000))
	rc=0
	[ "$ms" -ge 1900 ] && [ "$ms" -le 5000 ] || rc=$ms
	check "the timeout took about 2 s (${ms} ms)" 0 '' ''
	run "${s[@]}" -t 1 wait-size 64M
	check "wait-size 64M times out" 5 '^$' \
		"wait-size: timed out after 1\\.000 s waiting for size of device 'vmem0' to reach 67108864 bytes"
	run "${s[@]}" wait-size 0
	check "wait-size 0 returns at once with the elapsed seconds" 0 '^0\.0[0-9]{2}$' '^$'
	run "${s[@]}" qmp '{"execute":"qom-set","arguments":{"path":"/machine/peripheral/vmem0","property":"requested-size","value":-1}}'
	check "qom-set -1: QEMU's error passed through" 3 '^$' \
		"QMP command 'qom-set' .* failed: GenericError: .*requested-size.*block-size"
	run "${s[@]}" qmp '{"execute":"no-such-command"}'
	check "unknown QMP command: class and desc verbatim" 3 '^$' \
		"QMP command 'no-such-command' failed: CommandNotFound: The command no-such-command has not been found"
	run "${s[@]}" qmp '{"execute":"query-status"}'
	check "qmp prints the return value" 0 '^\{"status":"prelaunch",.*"running":false\}$' '^$'
	run "${s[@]}" -q resize 0 + get requested-size
	check "resize back to 0, -q" 0 '^0$' '^$'
	run -s "$tmp/one/nosuch.sock" status
	check "missing socket: path, strerror and hint" 2 '^$' \
		"cannot connect to QMP socket '$tmp/one/nosuch.sock': No such file or directory
.*hint: QEMU must run with -qmp unix:$tmp/one/nosuch.sock,server=on,wait=off"
	stop_qemu one

	# shellcheck disable=SC2046 # mem() yields several words on purpose
	start_qemu two $(mem 0 1G 2M) $(mem 1 1G 4M) || true
	s=(-s "$qsock")
	run "${s[@]}" status
	check "two devices: status prints both" 0 \
		'^id=vmem0 node=0 block-size=2097152 requested-size=0 size=0 max-size=1073741824
id=vmem1 node=0 block-size=4194304 requested-size=0 size=0 max-size=1073741824$' '^$'
	run "${s[@]}" resize 64M
	check "two devices: no -d lists both ids" 4 '^$' '2 virtio-mem devices \(vmem0, vmem1\): choose one with -d ID'
	run "${s[@]}" -d vmem1 resize 6M
	check "two devices: -d vmem1 checks vmem1's block-size" 4 '^$' 'not a multiple of block-size 4194304'
	stop_qemu two

	rc=0
	out=$(pgrep -af "$tmp" || true)
	err=''
	check "no QEMU or fake-qmp left running" 0 '^$' ''
fi

expected=$((n_usage + n_fake + n_qemu))
[ "$n" -eq "$expected" ] ||
	{ echo "# planned $expected tests, ran $n"; failed=$((failed + 1)); }
echo "# $failed of $n tests failed"
[ "$failed" -eq 0 ]
