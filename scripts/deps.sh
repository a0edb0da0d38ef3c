#!/usr/bin/env bash
# Install the Debian packages the bench needs. Idempotent: a stamp records the
# package list, so a rerun with the same list does nothing.
set -euo pipefail

stamp=${1:-build/.deps-stamp}
pkgs=(
	qemu-system-x86   # boots the guest (TCG here, KVM where it works)
	busybox-static    # the guest userland
	flex bison bc libelf-dev libssl-dev cpio perl make gcc  # kernel build
	libjson-c-dev pkg-config  # the QMP client
	libnuma-dev       # static mm selftests (migration)
	dpkg-dev ca-certificates  # fetching linux-source with apt-get download
	xz-utils git ccache rsync kmod procps util-linux
	gnuplot-nox       # benchmark plots
	shellcheck        # lint for our shell
	python3-ply python3-git  # checkpatch's SPDX license check
)

want=$(printf '%s\n' "${pkgs[@]}" | sort)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	echo "deps: installing ${missing[*]} (needed to build and boot the kernel, and to drive QEMU)"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q ||
		{ echo "deps: apt-get update failed; check that the Debian archive is reachable" >&2; exit 1; }
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		{ echo "deps: apt-get install ${missing[*]} failed; install them by hand and rerun" >&2; exit 1; }
fi
mkdir -p "$(dirname "$stamp")"
printf '%s\n' "$want" >"$stamp"
