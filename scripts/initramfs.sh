#!/usr/bin/env bash
# Assemble the guest initramfs for one kernel build:
#   initramfs.sh KBUILD_DIR OUT.cpio.gz [EXTRA_DIR...]
# Contents: busybox-static with its applet links, guest/init, the static
# guest helpers in build/guest/, and every file under each EXTRA_DIR (e.g.
# kselftests built from the patched tree), placed under /opt/bench.
# Built from a gen_init_cpio list, so no root and no mknod are needed.
set -euo pipefail

kbuild=${1:?usage: initramfs.sh KBUILD_DIR OUT.cpio.gz [EXTRA_DIR...]}
out=${2:?usage: initramfs.sh KBUILD_DIR OUT.cpio.gz [EXTRA_DIR...]}
shift 2
busybox=/bin/busybox
gen=build/host/gen_init_cpio

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
	echo "initramfs: busybox-static is not installed (the guest needs a static $busybox); run 'make deps'" >&2
	exit 1
fi
if [ ! -x "$gen" ] || [ build/linux/usr/gen_init_cpio.c -nt "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	gcc -O2 -o "$gen" build/linux/usr/gen_init_cpio.c
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	for d in /dev /proc /sys /tmp /bin /sbin /usr /usr/bin /usr/sbin /opt /opt/bench /lib /lib/modules; do
		echo "dir $d 755 0 0"
	done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	echo "file /init guest/init 755 0 0"
	echo "file /bin/busybox $busybox 755 0 0"
	"$busybox" --list | while read -r applet; do
		[ "$applet" = busybox ] || echo "slink /bin/$applet busybox 777 0 0"
	done
	# mem-on-off-test.sh calls /sbin/modprobe by its full path.
	echo "slink /sbin/modprobe /bin/busybox 777 0 0"
	# bash for upstream selftest scripts, with the libraries it links.
	bash_bin=$(command -v bash)
	echo "file /bin/bash $bash_bin 755 0 0"
	for lib in $(ldd "$bash_bin" | grep -o '/[^ ]*'); do
		lib_dir=${lib%/*}
		while [ -n "$lib_dir" ]; do
			echo "dir $lib_dir 755 0 0"
			lib_dir=${lib_dir%/*}
		done
		echo "file $lib $(readlink -f "$lib") 755 0 0"
	done
	for f in build/guest/*; do
		[ -f "$f" ] && [ -x "$f" ] && echo "file /opt/bench/${f##*/} $f 755 0 0"
	done
	for extra in "$@"; do
		[ -d "$extra" ] || continue
		(cd "$extra" && find . -mindepth 1 -type d) | while read -r d; do
			echo "dir /opt/bench/${d#./} 755 0 0"
		done
		(cd "$extra" && find . -type f) | while read -r f; do
			mode=644
			[ -x "$extra/$f" ] && mode=755
			echo "file /opt/bench/${f#./} $extra/${f#./} $mode 0 0"
		done
	done
	# Kernel modules of this build (test modules of the series), if any.
	if [ -d "$kbuild/modinst/lib/modules" ]; then
		(cd "$kbuild/modinst" && find lib/modules -mindepth 1 -type d) | while read -r d; do
			echo "dir /$d 755 0 0"
		done
		(cd "$kbuild/modinst" && find lib/modules -type f) | while read -r f; do
			echo "file /$f $kbuild/modinst/$f 644 0 0"
		done
	fi
} >"$list"

mkdir -p "$(dirname "$out")"
"$gen" "$list" | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out ($(du -k "$out" | cut -f1) KiB)"
