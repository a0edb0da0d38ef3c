#!/usr/bin/env bash
# make shell: boot a guest with a virtio-mem device (empty, 4 GiB region)
# and give a prompt into it. Each line runs in the guest (busybox sh over
# the bench's command channel); the working directory is kept between
# lines, variables are not. A line starting with "vmemctl " runs the QMP
# client on the host against this guest instead, e.g.
#   vmemctl resize 2G --wait
# The QMP socket can also be used from another terminal (printed below).
# "exit" or end of input powers the guest off.
set -euo pipefail
. host/vm.sh

VM_KERNEL=${CHECK_KERNEL:?set by make: the bzImage}
VM_INITRD=${CHECK_INITRD:?set by make: the initramfs}
VM_DIR=build/logs/shell
VM_VMEM_SIZE=${VM_VMEM_SIZE:-4G}
VM_TIMEOUT=${VM_TIMEOUT:-86400}
VM_NUMA=${VM_NUMA:-1}

echo "shell: booting $VM_KERNEL ($(vm_accel); console in $VM_DIR/console.log)"
t0=$SECONDS
vm_start
cat <<EOM
shell: guest up in $((SECONDS - t0)) s; virtio-mem device vmem0, region $VM_VMEM_SIZE, nothing plugged.
shell: each line runs in the guest (busybox sh); /opt/bench has blockinfo, memcheck, hptime.
shell: "vmemctl ARGS" runs the QMP client here, e.g.: vmemctl resize 1G --wait; vmemctl status
shell: from another terminal: $VMEMCTL -s $PWD/$VM_DIR/qmp.sock status
shell: "exit" or Ctrl-D powers the guest off.
EOM
cwd=/
while :; do
	line=
	if [ -t 0 ]; then
		IFS= read -r -e -p "guest:$cwd# " line || break
		[ -z "$line" ] || history -s "$line"
	else
		IFS= read -r line || break
		echo "guest:$cwd# $line"
	fi
	case "$line" in
	'') continue ;;
	exit | logout | poweroff) break ;;
	vmemctl | "vmemctl "*)
		# shellcheck disable=SC2086 # the user's words
		vmem ${line#vmemctl} || echo "shell: vmemctl exited with status $?"
		continue
		;;
	esac
	# Run in the kept directory, then remember where the line left us.
	script="cd '$cwd' 2>/dev/null || cd /
$line
rc=\$?
pwd >/tmp/.shell-cwd
exit \$rc"
	VM_RUN_QUIET=1 vm_run "$script" "${SHELL_CMD_TIMEOUT:-3600}" || echo "shell: status $?"
	cwd=$(vm_run 'cat /tmp/.shell-cwd' 2>/dev/null || echo /)
done
echo "shell: powering off"
vm_stop_report shell || true
