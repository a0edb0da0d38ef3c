#!/usr/bin/env bash
# The mm kselftest virtio_mem_offline in a guest with one fully and one
# half plugged virtio-mem memory block (192 MiB plugged, 128 MiB blocks,
# ZONE_MOVABLE): offline/online cycles of both, and pinned unskippable
# PageOffline pages that must make offlining fail with EBUSY. A regression
# guard: the unpatched base has neither the selftest nor its module.
#
# Every result the selftest reports becomes a result of this scenario
# (named after its case; SKIP stays SKIP). The plan is printed once the
# selftest has run: its own plan plus four checks: it exited 0; it printed
# a plan and reported each planned case exactly once (a crash, a bail-out
# before the end or a short plan fails); it left every virtio-mem memory block as it found it; and
# the console shows no kernel splat.
#
# The selftest is built from the kernel tree under test by
# scripts/build-selftests.sh; a tree without it (the unpatched base) makes
# this scenario a SKIP.
#
# Its pinning case needs the series' test_page_offline module: when the
# kernel has the module, the scenario loads it first (as run_vmtests.sh
# does) and afterwards checks that unloading it releases a pinned range
# (five more checks).
# posting: T
# timeout: 900
set -euo pipefail
. tests/lib.sh

name=kselftest-vmem
prog=/opt/bench/virtio_mem_offline
label=virtio_mem_offline

# print_notes TEXT: the selftest's own lines, as diagnostics.
print_notes() {
	local l
	while IFS= read -r l; do
		[ -z "$l" ] || diag "  ${l#\# }"
	done <<<"$1"
}

# report_result INDEX LINE NOTES: one selftest result as a scenario result,
# after the diagnostics the selftest printed for it.
report_result() {
	local i=$1 line=$2 status num desc body directive
	local re_result='^(not ok|ok) ([0-9]+) *(.*)$' re_skip='^# *SKIP *(.*)$'
	[[ $line =~ $re_result ]] || return 1
	status=${BASH_REMATCH[1]} num=${BASH_REMATCH[2]} desc=${BASH_REMATCH[3]}
	body=${desc%%#*}
	directive=${desc#"$body"}
	body=${body%"${body##*[! ]}"}
	[ -n "$body" ] || body="case $num"
	print_notes "$3"
	if [ "$num" -ne "$i" ]; then
		tap_ok 1 "$label: $body" "result numbered $num, want $i: $line"
	elif [[ $directive =~ $re_skip ]]; then
		tap_skip "$label: $body" "${BASH_REMATCH[1]}"
	elif [ "$status" = ok ]; then
		tap_ok 0 "$label: $body"
	else
		tap_ok 1 "$label: $body" "the selftest reported: $line"
	fi
}

# scenario_begin prints the plan, which is only known after the selftest
# ran; until then a failure bails out, and a stream without a plan fails.
VM_DIR=$CHECK_LOGS/$name
mkdir -p "$VM_DIR"
vm_start || scenario_bail "guest did not boot"

present=0
vm_run "test -x $prog" 2>/dev/null || present=$?
[ "$present" -le 1 ] || scenario_bail "checking for $prog in the guest failed (status $present)"
if [ "$present" -eq 1 ]; then
	scenario_begin "$name" 2
	tap_skip "$label" "$prog is not in the initramfs: the kernel tree has no tools/testing/selftests/mm/$label.c"
	scenario_end
	exit
fi

out=$(vmem resize 192M --wait 2>&1) || scenario_bail "plugging 192 MiB failed: $out"
read -r blk offline _ < <(guest_partial_block) || true
[ -n "${blk:-}" ] ||
	scenario_bail "no partially plugged virtio-mem block after plugging 192 MiB: $(vm_run blockinfo | paste -sd';')"

module=0
vm_run 'find /lib/modules -name test_page_offline.ko | grep -q .' 2>/dev/null && module=1
modprobe_out=
[ "$module" -eq 0 ] || modprobe_out=$(vm_run 'modprobe test_page_offline' 2>&1) || module=2

blocks0=$(vm_run blockinfo)
rc=0
out=$(vm_run "$prog" 600 2>&1) || rc=$?
printf '%s\n' "$out" >"$VM_DIR/$label.log"
blocks1=$(vm_run blockinfo 2>&1) || true

# Split the selftest's output into its plan, its result lines, and the
# diagnostics printed before each result (the case's [RUN]/[INFO]/[FAIL]).
plan=
bailed=
results=()
notes=()
pending=
while IFS= read -r line; do
	case "$line" in
	1..*)
		plan=${line#1..}
		plan=${plan%%[!0-9]*}
		;;
	"ok "* | "not ok "*)
		results+=("$line")
		notes+=("$pending")
		pending=
		;;
	"Bail out!"*)
		bailed=$line
		pending+="$line"$'\n'
		;;
	"TAP version"*) ;;
	*) pending+="$line"$'\n' ;;
	esac
done <<<"$out"

seen=${#results[@]}
total=$seen
[ -n "$plan" ] && [ "$plan" -gt "$total" ] && total=$plan
extra=0
[ "$module" -eq 0 ] || extra=5
scenario_begin "$name" $((total + 4 + extra))
diag "plugged 192 MiB: memory$blk is partially plugged ($offline pages fake-offline)"
diag "$label output: $VM_DIR/$label.log"

for ((i = 1; i <= seen; i++)); do
	report_result "$i" "${results[i - 1]}" "${notes[i - 1]}" ||
		tap_ok 1 "$label: case $i" "unparsable result line: ${results[i - 1]}"
done
# What came after the last result: totals, or why the rest never came.
print_notes "$pending"
for ((; i <= total; i++)); do
	tap_ok 1 "$label: case $i never reported" \
		"planned $plan cases, reported $seen (crashed or hung?)"
done

case "$rc" in
1) why="a case failed or the test bailed out" ;;
4) why="the whole test was skipped" ;;
254) why="it did not finish within 600 s" ;;
255) why="the guest died" ;;
*) why="" ;;
esac
[ "$rc" -le 128 ] || [ "$rc" -ge 254 ] || why="killed by signal $((rc - 128))"
tap_ok "$rc" "$label exited with status 0" "status $rc${why:+: $why}"

rc=1
if [ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$seen" -eq "$plan" ]; then
	rc=0
fi
tap_ok "$rc" "$label printed a plan and reported each planned case once" \
	"plan: ${plan:-none}, results: $seen${bailed:+, $bailed}"

tap_eq "virtio-mem memory blocks as before $label (state, zone, PageOffline)" \
	"$(paste -sd';' <<<"$blocks1")" "$(paste -sd';' <<<"$blocks0")"

# Unloading test_page_offline must give back what it pinned: pin 2 MiB in
# the middle of a fully plugged block, then unload the module.
if [ "$module" -ne 0 ]; then
	tap_ok "$((module - 1))" "test_page_offline loads" "modprobe: $modprobe_out"
	read -r full npages < <(awk '$2 == "online" && $4 == "offline=0" {
		sub(/^memory/, "", $1); sub(/^pages=/, "", $5); print $1, $5; exit }' <<<"$blocks1") || true
	if [ -z "${full:-}" ]; then
		scenario_bail "no fully plugged online block to pin pages in: $(paste -sd';' <<<"$blocks1")"
	fi
	pfn=$((full * npages + npages / 2))
	tap_run "pinning 512 pages at PFN $pfn (memory$full)" \
		vm_run "echo $pfn 512 > /sys/kernel/debug/test_page_offline/pin"
	tap_eq "memory$full has 512 more PageOffline pages" "$(guest_offline_pages "$full")" 512
	tap_run "unloading test_page_offline with pages pinned" vm_run 'rmmod test_page_offline'
	tap_eq "unloading released them: blocks as before (state, zone, PageOffline)" \
		"$(vm_run blockinfo 2>&1 | paste -sd';')" "$(paste -sd';' <<<"$blocks0")"
fi

scenario_end
