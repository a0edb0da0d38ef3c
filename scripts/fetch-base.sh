#!/usr/bin/env bash
# Download Debian's linux-source-7.3 package, exactly the version pinned in
# scripts/base.env, with a private apt configuration (the machine's sources
# and lists are left alone) and cache it under build/base/. A .deb placed
# there by hand is used if it has the pinned version (and checksum).
# Prints "VERSION<TAB>TARBALL" on stdout.
set -euo pipefail
# shellcheck source=scripts/apt-private.sh
. scripts/apt-private.sh
# shellcheck source=scripts/base.env
. scripts/base.env

pkg=${BASE_PKG}
want=${BASE_VERSION}
cache=${BASE_CACHE:-build/base}
apt_dir=$cache/apt
mkdir -p "$apt_dir"
cache=$(cd "$cache" && pwd)
apt_dir=$cache/apt

# Debian's file name for PKG VERSION (an epoch's colon becomes %3a).
deb_name="${pkg}_${want//:/%3a}_all.deb"
deb=$cache/$deb_name

by_hand() {
	echo "fetch-base: to supply it by hand, download ${pkg}_${want}_all.deb (e.g. from" >&2
	echo "fetch-base: https://snapshot.debian.org/package/linux/ , binary package $pkg)" >&2
	echo "fetch-base: and place it in $cache/ as $deb_name; its sha256 must be" >&2
	echo "fetch-base: $BASE_SHA256 (scripts/base.env)." >&2
}

if [ ! -f "$deb" ]; then
	others=$(find "$cache" -maxdepth 1 -name "${pkg}_*.deb" -printf '%f\n' | sort -V)
	if [ -n "$others" ]; then
		echo "fetch-base: found $(paste -sd' ' <<<"$others") in $cache/, but the series is pinned to $pkg $want;" >&2
		echo "fetch-base: not using another version. Looking for $want in the archive." >&2
	fi
	# trixie-backports carries 7.3; testing and sid are fallbacks.
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	apt_private "$apt_dir" \
		"deb [signed-by=$key] http://deb.debian.org/debian trixie-backports main" \
		"deb [signed-by=$key] http://deb.debian.org/debian testing main" \
		"deb [signed-by=$key] http://deb.debian.org/debian sid main"
	echo "fetch-base: updating a private package list for $pkg" >&2
	apt-get "${apt_opts[@]}" -q update >&2 ||
		{ echo "fetch-base: apt-get update failed for the private list $apt_dir/sources.list; is deb.debian.org reachable?" >&2; by_hand; exit 1; }
	offered=$(apt-cache "${apt_opts[@]}" madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -uV | paste -sd' ')
	if ! grep -qw -- "$want" <<<"${offered// /$'\n'}"; then
		echo "fetch-base: $pkg $want is not in trixie-backports, testing or sid any more." >&2
		echo "fetch-base: the archive offers: ${offered:-no version of $pkg at all}." >&2
		echo "fetch-base: the series is written for $want and is not built on anything else silently." >&2
		by_hand
		echo "fetch-base: (or move the series to a new base: change scripts/base.env, rebase, 'make export')." >&2
		exit 1
	fi
	echo "fetch-base: downloading $pkg $want" >&2
	(cd "$cache" && apt-get "${apt_opts[@]}" -q download "$pkg=$want" >&2) ||
		{ echo "fetch-base: apt-get download $pkg=$want failed" >&2; by_hand; exit 1; }
	[ -f "$deb" ] || { echo "fetch-base: apt-get download left no $deb" >&2; exit 1; }
fi

ver=$(dpkg-deb -f "$deb" Version)
if [ "$ver" != "$want" ]; then
	echo "fetch-base: $deb says it is version $ver, not $want; remove it." >&2
	exit 1
fi
sum=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$sum" != "$BASE_SHA256" ] && [ "${BASE_ANY_SHA:-0}" != 1 ]; then
	echo "fetch-base: $deb has sha256 $sum, not $BASE_SHA256 (scripts/base.env);" >&2
	echo "fetch-base: remove it and fetch again, or set BASE_ANY_SHA=1 if you trust this file." >&2
	exit 1
fi
echo "fetch-base: using $pkg $ver ($deb, sha256 ${sum:0:12})" >&2
tarball=$(find "$cache/x" -name 'linux-source-*.tar.*' 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ] || [ ! -f "$cache/x/.version" ] || [ "$(cat "$cache/x/.version")" != "$ver" ]; then
	rm -rf "$cache/x"
	dpkg -x "$deb" "$cache/x"
	echo "$ver" >"$cache/x/.version"
	tarball=$(find "$cache/x" -name 'linux-source-*.tar.*' | head -n 1)
fi
[ -n "$tarball" ] || { echo "fetch-base: no kernel tarball inside $deb" >&2; exit 1; }
printf '%s\t%s\n' "$ver" "$tarball"
