#!/usr/bin/env bash
# Fetch QEMU 10 (scripts/qemu.env) from Debian's bookworm-backports with a
# private apt configuration and unpack it under build/qemu/10/, without
# replacing the machine's QEMU 7.2. The libraries the binary links come
# from the machine's own suite and are installed as packages (deps.sh
# style).
set -euo pipefail
# shellcheck source=scripts/apt-private.sh
. scripts/apt-private.sh
# shellcheck source=scripts/qemu.env
. scripts/qemu.env

root=build/qemu/10
bin=$root/usr/bin/qemu-system-x86_64
stamp=$root/.version
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$QEMU10_PKGS" ]; then
	exit 0
fi

apt_dir=$PWD/build/qemu/apt
key=/usr/share/keyrings/debian-archive-keyring.gpg
apt_private "$apt_dir" "deb [signed-by=$key] http://deb.debian.org/debian $QEMU10_SUITE main"
echo "fetch-qemu: updating a private package list for $QEMU10_SUITE" >&2
apt-get "${apt_opts[@]}" -q update >&2 ||
	{ echo "fetch-qemu: apt-get update failed for $apt_dir/sources.list; is deb.debian.org reachable? (QEMU=7.2 uses the machine's QEMU)" >&2; exit 1; }
debs=$apt_dir/debs
rm -rf "$debs" "$root"
mkdir -p "$debs" "$root"
# shellcheck disable=SC2086 # a list of package=version words
(cd "$debs" && apt-get "${apt_opts[@]}" -q download $QEMU10_PKGS >&2) || {
	echo "fetch-qemu: downloading $QEMU10_PKGS from $QEMU10_SUITE failed;" >&2
	echo "fetch-qemu: the archive offers qemu-system-x86 $(apt-cache "${apt_opts[@]}" madison qemu-system-x86 | awk -F'|' '{gsub(/ /, "", $2); print $2}' | paste -sd' ')" >&2
	echo "fetch-qemu: update scripts/qemu.env, or use QEMU=7.2" >&2
	exit 1
}
for d in "$debs"/*.deb; do dpkg -x "$d" "$root"; done

# The binary's libraries, from the machine's suite.
libs=()
while read -r lib; do
	dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q 'install ok installed' || libs+=("$lib")
done < <(for d in "$debs"/qemu-system-x86_*.deb "$debs"/qemu-system-common_*.deb; do
	dpkg-deb -f "$d" Depends | tr ',' '\n'
done |
	sed -E 's/^ *//; s/ .*//; s/\|.*//' | grep -vE '^(qemu-|seabios|ipxe)')
if [ "${#libs[@]}" -gt 0 ]; then
	echo "fetch-qemu: installing the libraries QEMU 10 links: ${libs[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${libs[@]}" >&2 ||
		{ echo "fetch-qemu: apt-get install ${libs[*]} failed (as root, with the machine's sources)" >&2; exit 1; }
fi
# It runs as the bench runs it (host/vm.sh), and has the device.
# shellcheck source=host/vm.sh
. host/vm.sh
QEMU=10 vm_vmem_props >/dev/null ||
	{ echo "fetch-qemu: ${vm_qemu[*]} has no working virtio-mem-pci: $("${vm_qemu[@]}" -device virtio-mem-pci,help 2>&1 | head -n 3)" >&2; exit 1; }
echo "$QEMU10_PKGS" >"$stamp"
echo "fetch-qemu: $("$bin" --version | head -n 1) in $root" >&2
