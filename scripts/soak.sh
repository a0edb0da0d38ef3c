#!/usr/bin/env bash
# make soak: a long random run for reliability figures (on demand, not in
# make check or CI). One guest (debug config by default), 2 GiB boot
# memory, a 4 GiB virtio-mem region, and at the same time:
#   - SOAK_RESIZES random resizes (0..3 GiB in 2 MiB steps), each waited for
#     up to 60 s: reached or not;
#   - in the guest, offline/online of random virtio-mem memory blocks
#     through sysfs until SOAK_CYCLES cycles are done (each write bounded
#     by 5 s; refusals, e.g. EBUSY while plugging, are counted);
#   - a byte-verifying workload (memcheck, SOAK_WORKLOAD_MIB);
#   - PFN walkers: /proc/kpageflags read in full, /proc/kcore read 1 MiB
#     at a random offset below 8 GiB (for RAM, a kcore file offset is the
#     physical address plus a small header, so this reads random boot and
#     virtio-mem memory, fake-offline pages included), and
#     /proc/sys/vm/compact_memory.
# Then every block is onlined again and the device must reach the last
# size. Prints and keeps ($SOAK_LOGS/summary.txt) resizes reached, cycles
# done, words verified, mismatches and kernel splats; exits 1 on a
# mismatch, a splat, a guest that stops answering or a final size not
# reached. SOAK_SEED replays the host's sequence of sizes.
set -euo pipefail
. host/vm.sh

resizes=${SOAK_RESIZES:-200}
cycles=${SOAK_CYCLES:-200}
wl_mib=${SOAK_WORKLOAD_MIB:-512}
seed=${SOAK_SEED:-$(((RANDOM << 15) | RANDOM))}
VM_KERNEL=${CHECK_KERNEL:?set by make: the bzImage}
VM_INITRD=${CHECK_INITRD:?set by make: the initramfs}
VM_DIR=${SOAK_LOGS:-build/logs/soak}
VM_BOOT_MEM=${VM_BOOT_MEM:-2G}
VM_VMEM_SIZE=${VM_VMEM_SIZE:-4G}
VM_NUMA=${VM_NUMA:-1}
VM_TIMEOUT=${VM_TIMEOUT:-$((resizes * 90 + cycles * 10 + 1800))}
mkdir -p "$VM_DIR"
scripts/provenance.sh ${CHECK_KERNEL_LABEL:+"$CHECK_KERNEL_LABEL"} >"$VM_DIR/meta.env" 2>/dev/null || true
echo "soak: $resizes resizes, $cycles offline/online cycles, ${wl_mib} MiB workload, seed $seed (SOAK_SEED)"
echo "soak: kernel $VM_KERNEL; logs in $VM_DIR/"
t0=$SECONDS
vm_start
echo "soak: guest up in $((SECONDS - t0)) s"

vm_run "cat >/tmp/toggle.sh <<'EOS'
ok=0 fail=0
while [ ! -e /tmp/stop ] && [ \$ok -lt $cycles ]; do
	b=\$(blockinfo 2>/dev/null | shuf -n 1 | cut -d' ' -f1)
	if [ -n \"\$b\" ]; then
		f=/sys/devices/system/memory/\$b/state
		# A cycle: offline, then online again (movable).
		if [ \"\$(cat \$f 2>/dev/null)\" = online ] &&
			timeout 5 sh -c \"echo offline >\$f\" 2>/dev/null &&
			timeout 5 sh -c \"echo online_movable >\$f\" 2>/dev/null; then
			ok=\$((ok + 1))
		else
			fail=\$((fail + 1))
		fi
		echo \"\$ok \$fail\" >/tmp/toggle.count
	fi
	usleep 100000
done
echo \"cycles: \$ok done, \$fail refused\"
EOS
cat >/tmp/walk.sh <<'EOS'
n=0
while [ ! -e /tmp/stop ]; do
	cat /proc/kpageflags >/dev/null 2>&1
	dd if=/proc/kcore of=/dev/null bs=1M count=1 skip=\$((\$(od -An -N2 -tu2 /dev/urandom) % 8192)) 2>/dev/null
	echo 1 >/proc/sys/vm/compact_memory 2>/dev/null
	n=\$((n + 1))
	echo \$n >/tmp/walk.count
	sleep 1
done
EOS
memcheck -f /tmp/stop $wl_mib >/tmp/memcheck.log 2>&1 & echo \$! >/tmp/memcheck.pid
sh /tmp/toggle.sh >/tmp/toggle.log 2>&1 & echo \$! >/tmp/toggle.pid
sh /tmp/walk.sh >/tmp/walk.log 2>&1 & echo \$! >/tmp/walk.pid" >/dev/null

RANDOM=$seed
reached=0 last=0
for ((i = 1; i <= resizes; i++)); do
	last=$(((RANDOM % 1536) * 2))M   # 0..3070 MiB in 2 MiB steps
	if vmem -q -t 60 resize "$last" --wait 2>>"$VM_DIR/resizes.err"; then
		reached=$((reached + 1))
	fi
	if [ $((i % 10)) -eq 0 ] || [ "$i" -eq "$resizes" ]; then
		c=$(vm_run 'cat /tmp/toggle.count 2>/dev/null || echo 0 0' 30 2>/dev/null) ||
			{ echo "soak: the guest stopped answering after $i resizes (console: $VM_DIR/console.log)" >&2; vm_kill; exit 1; }
		echo "soak: $((SECONDS - t0)) s: $i/$resizes resizes ($reached reached), cycles done/refused: $c"
	fi
done
# Let the cycles finish (bounded), then stop everything.
vm_run "i=0; while kill -0 \$(cat /tmp/toggle.pid) 2>/dev/null && [ \$i -lt $((cycles * 20)) ]; do
	i=\$((i + 1)); usleep 500000; done" $((cycles * 10 + 60)) >/dev/null || true
vm_run 'touch /tmp/stop
	for p in toggle walk memcheck; do while kill -0 $(cat /tmp/$p.pid) 2>/dev/null; do usleep 200000; done; done' 900 >/dev/null || true
vm_run 'for b in $(blockinfo | awk "\$2 == \"offline\" {print \$1}"); do
	echo online_movable >/sys/devices/system/memory/$b/state || true; done' >/dev/null || true
final=ok
vmem -q -t 180 resize "$last" --wait || final="not reached"
toggle=$(vm_run 'cat /tmp/toggle.log' | tail -n 1)
walks=$(vm_run 'cat /tmp/walk.count 2>/dev/null || echo 0')
mc=$(vm_run 'cat /tmp/memcheck.log' | tail -n 1)
read -r passes mib mism < <(sed -n 's/^memcheck: \([0-9]*\) passes over \([0-9]*\) MiB, \(-\{0,1\}[0-9]*\) mismatches$/\1 \2 \3/p' <<<"$mc") || true
vm_stop
splats=0
hits=$(vm_scan_console "$VM_DIR/console.log") || splats=$(grep -c . <<<"$hits")
{
	echo "soak: kernel $VM_KERNEL; series $(sed -n 's/^series=//p' "$VM_DIR/meta.env"); base $(sed -n 's/^base=//p' "$VM_DIR/meta.env")"
	echo "resizes: $reached of $resizes reached within 60 s (seed $seed); final size $last: $final"
	echo "sysfs $toggle"
	echo "PFN walker rounds (kpageflags + kcore + compact_memory): $walks"
	if [ -n "${passes:-}" ]; then
		echo "workload: $passes passes over $mib MiB = $((passes * mib * 131072)) words verified, $mism mismatches"
	else
		echo "workload: no result ($mc)"
	fi
	echo "kernel splat lines on the console: $splats"
	echo "OOM kills: $(grep -c 'Killed process' "$VM_DIR/console.log" || true)"
	echo "time: $((SECONDS - t0)) s"
} | tee "$VM_DIR/summary.txt"
[ "$splats" = 0 ] || { echo "soak: splats:"; head -n 10 <<<"$hits"; }
[ "$final" = ok ] && [ "$splats" = 0 ] && [ "${mism:-x}" = 0 ]
