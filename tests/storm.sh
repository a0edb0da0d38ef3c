#!/usr/bin/env bash
# Resize storm: random resizes over QMP, each without waiting, while a
# guest loop offlines and onlines random virtio-mem memory blocks through
# sysfs. Afterwards the loop stops, every virtio-mem block is onlined
# again, and the device must reach the last requested size, with MemTotal
# matching the plugged size and no kernel splat.
# The sequence of sizes and sleeps comes from STORM_SEED (printed; set it
# to replay a failing run: make check TESTS=storm STORM_SEED=N).
# posting: D
# timeout: 600 1200
set -euo pipefail
. tests/lib.sh

n=12
[ "$CHECK_QUICK" = 1 ] || n=60
scenario_begin storm 5
vm_start || scenario_bail "guest did not boot"
mem0=$(guest_memtotal_kb)

# The guest toggles a random virtio-mem block every 50 ms. Failures are
# expected (EBUSY while plugging, removed blocks, a 5 s limit on each
# write) and counted, not fatal.
vm_run 'cat >/tmp/toggle.sh <<"EOS"
ok=0 fail=0
while [ ! -e /tmp/stop ]; do
	b=$(blockinfo 2>/dev/null | shuf -n 1 | cut -d" " -f1)
	if [ -n "$b" ]; then
		f=/sys/devices/system/memory/$b/state
		case "$(cat $f 2>/dev/null)" in
		online) to=offline ;;
		*) to=online_movable ;;
		esac
		# Offlining retries until a signal; bound it like an admin would.
		if timeout 5 sh -c "echo $to >$f" 2>/dev/null; then
			ok=$((ok + 1))
		else
			fail=$((fail + 1))
		fi
	fi
	usleep 50000
done
echo "toggles: $ok done, $fail refused"
EOS
sh /tmp/toggle.sh >/tmp/toggle.log 2>&1 &
echo $! >/tmp/toggle.pid' >/dev/null

seed=${STORM_SEED:-$(((RANDOM << 15) | RANDOM))}
[[ "$seed" =~ ^[0-9]+$ ]] || scenario_bail "STORM_SEED must be a number, not '$seed'"
diag "random seed $seed (replay with STORM_SEED=$seed)"
RANDOM=$seed
last=0
fails=0
for ((i = 0; i < n; i++)); do
	last=$(((RANDOM % 1024) * 2))M   # 0..2046 MiB in 2 MiB steps
	vmem -q resize "$last" || fails=$((fails + 1))
	sleep "0.$((RANDOM % 10))"
done
diag "$n resizes, last $last, $fails refused by vmemctl"
tap_eq "every resize request was accepted" "$fails" 0

vm_run 'touch /tmp/stop; while kill -0 $(cat /tmp/toggle.pid) 2>/dev/null; do usleep 100000; done
	cat /tmp/toggle.log' 120 |
	while IFS= read -r l; do diag "$l"; done
# Online whatever the loop left offline, so MemTotal can be compared.
vm_run 'for b in $(blockinfo | awk "\$2 == \"offline\" {print \$1}"); do
	echo online_movable >/sys/devices/system/memory/$b/state || true; done' >/dev/null || true

tap_run "device reached the last requested size $last" vmem -t 180 resize "$last" --wait
size=$(vmem get size)
want=$((mem0 + size / 1024))
tap_eq "MemTotal matches the plugged size (kB)" "$(guest_wait_value "$want" 20 guest_memtotal_kb)" "$want"
tap_eq "no virtio-mem memory block left offline" \
	"$(vm_run 'blockinfo | grep -c " offline " || true')" 0
scenario_end
