#!/usr/bin/env bash
# Download Debian's linux-source-7.3 package with a private apt configuration
# (the machine's sources and lists are left alone) and cache it under build/.
# Prints the path of the kernel tarball on stdout.
set -euo pipefail
# shellcheck source=scripts/apt-private.sh
. scripts/apt-private.sh

pkg=${BASE_PKG:-linux-source-7.3}
cache=${BASE_CACHE:-build/base}
apt_dir=$cache/apt
mkdir -p "$apt_dir"
cache=$(cd "$cache" && pwd)
apt_dir=$cache/apt

deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
if [ -z "$deb" ]; then
	# trixie-backports carries 7.3; testing and sid are fallbacks.
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	apt_private "$apt_dir" \
		"deb [signed-by=$key] http://deb.debian.org/debian trixie-backports main" \
		"deb [signed-by=$key] http://deb.debian.org/debian testing main" \
		"deb [signed-by=$key] http://deb.debian.org/debian sid main"
	apt_opts+=(-o "APT::Default-Release=trixie-backports")
	echo "fetch-base: updating a private package list for $pkg" >&2
	apt-get "${apt_opts[@]}" -q update >&2 ||
		{ echo "fetch-base: apt-get update failed for the private list $apt_dir/sources.list; is deb.debian.org reachable?" >&2; exit 1; }
	ver=$(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "fetch-base: package $pkg not found in trixie-backports, testing or sid." >&2
		echo "fetch-base: set BASE_PKG to a linux-source package that exists, or place its .deb in $cache/" >&2
		exit 1
	fi
	echo "fetch-base: downloading $pkg $ver" >&2
	(cd "$cache" && apt-get "${apt_opts[@]}" -q download "$pkg=$ver" >&2) ||
		{ echo "fetch-base: apt-get download $pkg=$ver failed" >&2; exit 1; }
	deb=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
fi

ver=$(dpkg-deb -f "$deb" Version)
echo "fetch-base: using $pkg $ver ($deb)" >&2
tarball=$(find "$cache/x" -name 'linux-source-*.tar.*' 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ] || [ ! -f "$cache/x/.version" ] || [ "$(cat "$cache/x/.version")" != "$ver" ]; then
	rm -rf "$cache/x"
	dpkg -x "$deb" "$cache/x"
	echo "$ver" >"$cache/x/.version"
	tarball=$(find "$cache/x" -name 'linux-source-*.tar.*' | head -n 1)
fi
[ -n "$tarball" ] || { echo "fetch-base: no kernel tarball inside $deb" >&2; exit 1; }
printf '%s\t%s\n' "$ver" "$tarball"
