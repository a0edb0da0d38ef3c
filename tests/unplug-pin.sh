#!/usr/bin/env bash
# virtio-mem unplugs subblocks of an online ZONE_MOVABLE block while some
# of its pages are pinned for a moment (vmsplice(2) into a pipe:
# guest/pin.c). The pin is dropped 0.3 s after the request; the unplug
# must then finish within seconds.
#
# 7.3 tries each busy subblock five times back to back, un-isolating it
# in between, then leaves it to the retry timer: 50 s at first, so the
# device reaches the requested size a minute later. With the series,
# alloc_offline_page_range() keeps a ZONE_MOVABLE range isolated and
# retries for up to a second (ACR_FLAGS_RETRY), and the subblock goes in
# the same run.
#
# Guards "mm/page_alloc: add ACR_FLAGS_RETRY to retry busy pages for a
# moment" and "virtio-mem: let mm retry busy pages in ZONE_MOVABLE". Fails
# on the unpatched base (the time check) and with the break
# offline-range-no-retry.
# posting: H
# timeout: 600
set -euo pipefail
. tests/lib.sh

release_after=0.3 within=10
scenario_begin unplug-pin 8
vm_start || scenario_bail "guest did not boot"
plugged=$((128 << 20))
tap_run "plugged $((plugged >> 20)) MiB" vmem resize "$plugged" --wait
bs=$(vmem get block-size)
kb0=$(guest_memtotal_kb)

vm_pin 8 60
diag "$pin_log"
blk=$pin_block
[ -n "$blk" ] || scenario_bail "no pinned page in an online virtio-mem block: $pin_log"

# Keep one subblock: every other one of the block must go, pinned or not.
tap_run "asked the device to unplug all but one $bs-byte subblock" vmem resize "$bs"
sleep "$release_after"
held=$(vmem get size)
vm_run 'kill -USR1 $(cat /tmp/pin.pid)'
read -r secs size < <(vm_poll_size "$bs" "$within" "$within")
diag "plugged $held bytes when the pin was dropped; $size bytes ${secs} s later"
# Otherwise the pin did not delay the unplug, and the next check proves
# nothing.
tap_ok "$([ "$held" -gt "$bs" ]; echo $?)" \
	"the pinned pages held up the unplug ($held bytes plugged after ${release_after} s)"
tap_eq "device unplugged to the request within ${within} s of dropping the pin" "$size" "$bs"
tap_run "pin dropped its references" vm_wait_guest released /tmp/pin.log 30
tap_eq "MemTotal went down by what was unplugged" \
	"$(guest_memtotal_kb)" "$((kb0 - (plugged - bs) / 1024))"
tap_run "guest still runs a workload (memcheck 32 MiB)" vm_run 'memcheck -s 1 32'
scenario_end
