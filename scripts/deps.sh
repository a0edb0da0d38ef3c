#!/usr/bin/env bash
# Install the Debian packages the bench needs. Idempotent: asks dpkg which
# are missing (under a second) and installs only those.
set -euo pipefail

stamp=${1:-build/.deps-stamp}
pkgs=(
	qemu-system-x86   # QEMU=7.2 (QEMU=10 is fetched below)
	busybox-static    # the guest userland
	flex bison bc libelf-dev libssl-dev cpio perl make gcc libc6-dev  # kernel build
	libjson-c-dev pkg-config  # the QMP client
	libnuma-dev libcap-dev liburing-dev  # static mm selftests (migration, mlock, cow)
	dpkg-dev ca-certificates  # fetching linux-source with apt-get download
	xz-utils git ccache rsync kmod procps util-linux
	gnuplot-nox       # benchmark plots
	shellcheck        # lint for our shell
	python3-ply python3-git  # checkpatch's SPDX license check
)

want=$(printf '%s\n' "${pkgs[@]}" | sort)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "deps: missing packages: ${missing[*]}" >&2
			echo "deps: not root and no sudo; install them as root (apt-get install ${missing[*]}) and rerun" >&2
			exit 1
		fi
		sudo=(sudo)
	fi
	echo "deps: installing ${missing[*]} (needed to build and boot the kernel, and to drive QEMU)"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q ||
		{ echo "deps: '${sudo[*]}${sudo[*]:+ }apt-get update' failed: no permission (sudo refused?) or the Debian archive is not reachable" >&2; exit 1; }
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ echo "deps: apt-get install ${missing[*]} failed; install them by hand and rerun" >&2; exit 1; }
fi
# QEMU 10 next to the machine's 7.2 (QEMU=10, the default; scripts/qemu.env).
scripts/fetch-qemu.sh
mkdir -p "$(dirname "$stamp")"
printf '%s\n' "$want" >"$stamp"
