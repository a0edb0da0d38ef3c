#!/usr/bin/env bash
# Which files Debian's build of the base changed, and whether the series
# touches any of them. Debian ships linux-source-7.3 with its patches
# applied and without debian/patches (and its source package is not
# served here), but the tarball keeps two kinds of mtime: the upstream
# files', and the time of the Debian build (its changelog's top entry,
# SOURCE_DATE_EPOCH) for every file that build rewrote.
#   check-base.sh      prints the Debian-changed files, then those the
#                      postings in patches/ also change; exits 1 if any
set -euo pipefail
# shellcheck source=scripts/base.env
. scripts/base.env
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

x=build/base/x
tarball=$x/usr/src/$BASE_PKG.tar.xz
changelog=$x/usr/share/doc/$BASE_PKG/changelog.Debian.gz
{ [ -f "$tarball" ] && [ -f "$changelog" ]; } ||
	{ echo "check-base: no unpacked $BASE_PKG in $x; run 'make tree' (scripts/fetch-base.sh) first" >&2; exit 1; }

date=$(zcat "$changelog" | sed -n '0,/^ -- /s/^ -- .*>  //p')
stamp=$(date -u -d "$date" '+%Y-%m-%d %H:%M:%S')
echo "check-base: $BASE_PKG $BASE_VERSION, Debian build of $stamp UTC (changelog: $date)"
debian=$(tar --full-time -tvJf "$tarball" |
	awk -v s="$stamp" '$4 " " $5 == s && $1 !~ /^d/ { sub("^[^/]*/", "", $6); print $6 }' | sort -u)
echo "check-base: $(wc -l <<<"$debian") file(s) carry the Debian build's mtime; under mm/:" \
	"$(grep '^mm/' <<<"$debian" | paste -sd' ' || true)"
ours=$(series_files | xargs grep -h '^+++ b/' | sed 's|^+++ b/||' | sort -u)
both=$(comm -12 <(echo "$debian") <(echo "$ours"))
if [ -n "$both" ]; then
	echo "check-base: Debian changed files the series changes too:"
	while read -r f; do echo "  $f"; done <<<"$both"
	exit 1
fi
echo "check-base: none of the $(wc -l <<<"$ours") files the postings change is among them"
