#!/usr/bin/env bash
# make run: boot the guest and walk a resize sequence over QMP, printing one
# line per step. With --keep the guest stays up for manual use afterwards.
#   demo.sh [--keep] [SIZE...]     (default walk: 0 2G 512M 3G 0)
set -euo pipefail
. host/vm.sh

keep=0
if [ "${1:-}" = --keep ]; then keep=1; shift; fi
steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=(0 2G 512M 3G 0)

VM_KERNEL=${CHECK_KERNEL:?} VM_INITRD=${CHECK_INITRD:?}
VM_DIR=build/logs/demo
VM_VMEM_SIZE=${VM_VMEM_SIZE:-4G}
[ "$keep" = 1 ] && VM_TIMEOUT=${VM_TIMEOUT:-86400}

echo "demo: booting $VM_KERNEL ($(vm_accel); console in $VM_DIR/console.log)"
t0=$SECONDS
vm_start
echo "demo: guest up in $((SECONDS - t0)) s"

# MemTotal and online blocks once they have settled: the device reaches
# its size before the driver has removed the blocks it emptied (two equal
# readings 0.5 s apart, at most 5 s).
probe() {
	local prev now i
	prev="$(vm_memtotal_kb) $(vm_online_blocks)"
	for ((i = 0; i < 10; i++)); do
		sleep 0.5
		now="$(vm_memtotal_kb) $(vm_online_blocks)"
		[ "$now" != "$prev" ] || break
		prev=$now
	done
	echo "$prev"
}

plugged() { echo "$(($(vmem get size) >> 20))M"; }

printf '%-10s %-10s %-14s %-14s %s\n' requested plugged "MemTotal(MiB)" "online-blocks" "time"
read -r mem online < <(probe)
printf '%-10s %-10s %-14s %-14s %s\n' boot "$(plugged)" $((mem / 1024)) "$online" -
for size in "${steps[@]}"; do
	out=$(vmem resize "$size" --wait) || { echo "demo: resize to $size failed: $out" >&2; vm_stop; exit 1; }
	# "resize: ID OLD -> NEW bytes in X s"
	secs=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' <<<"$out")
	read -r mem online < <(probe)
	printf '%-10s %-10s %-14s %-14s %s s\n' "$size" "$(plugged)" $((mem / 1024)) "$online" "$secs"
done

if [ "$keep" = 1 ]; then
	echo "demo: guest left running. QMP socket: $VM_DIR/qmp.sock"
	echo "demo: try: build/host/vmemctl -s $VM_DIR/qmp.sock status"
	echo "demo: press Enter to power it off"
	read -r _ || true
fi
vm_stop_report demo || exit 1
