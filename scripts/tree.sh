#!/usr/bin/env bash
# (Re)create build/linux: the Debian linux-source-7.3 tree committed as the
# `base` tag, with every patch named in patches/series applied by git am.
set -euo pipefail

tree=${TREE:-build/linux}
series=patches/series
ident=(-c user.name="PageOffline series" -c user.email="pgoffline@series.invalid")

# Refuse to throw away kernel commits that were never exported.
if git -C "$tree" rev-parse -q --verify base >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
	n=$(git -C "$tree" rev-list --count base..HEAD)
	exported=$(grep -cv '^\s*\(#\|$\)' "$series" 2>/dev/null || true)
	if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
		[ "$n" != "${exported:-0}" ]; then
		echo "tree: $tree has uncommitted changes or $n commit(s) on base while $series lists ${exported:-0}." >&2
		echo "tree: run 'make export' first to keep them, or 'make tree FORCE=1' to discard them." >&2
		exit 1
	fi
fi

IFS=$'\t' read -r ver tarball < <(scripts/fetch-base.sh)

echo "tree: unpacking $tarball into $tree"
rm -rf "$tree" "$tree.tmp"
mkdir -p "$tree.tmp"
tar -xf "$tarball" -C "$tree.tmp"
mv "$tree.tmp"/linux-source-* "$tree"
rmdir "$tree.tmp"

# Debian's .gitignore ends with a stanza that ignores every top-level entry,
# which would hide new files of the series from git; drop it.
sed -i '/^# Debian packaging: ignore everything/,$d' "$tree/.gitignore"
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tree/.gitignore"
sed -i '$ { /^#$/d }' "$tree/.gitignore"

echo "tree: committing the base (about a minute)"
git -C "$tree" init -q -b base-branch
git -C "$tree" "${ident[@]}" add -A
git -C "$tree" "${ident[@]}" commit -q -m "Linux $ver (Debian linux-source-7.3)" -m \
"Unpacked from Debian's linux-source-7.3 package, version $ver.
The Debian packaging stanza at the end of .gitignore, which ignores
every top-level entry, is removed so that new files are visible to git."
git -C "$tree" tag -f base >/dev/null
git -C "$tree" checkout -q -b series

[ -f "$series" ] || { echo "tree: no $series; the tree is the plain base $ver"; exit 0; }
while read -r p; do
	case "$p" in '' | '#'*) continue ;; esac
	if ! git -C "$tree" "${ident[@]}" am -q --keep-cr "$PWD/patches/$p" 2>/tmp/tree-am.$$; then
		cat /tmp/tree-am.$$ >&2
		rm -f /tmp/tree-am.$$
		git -C "$tree" am --abort 2>/dev/null || true
		echo "tree: patches/$p does not apply to the base $ver (linux-source-7.3)." >&2
		echo "tree: the series was written for 7.3.4-1~bpo13+1; rebase it in $tree on 'base' and run 'make export'." >&2
		exit 1
	fi
	echo "tree: applied $p"
done <"$series"
rm -f /tmp/tree-am.$$
echo "tree: $tree is base $ver plus $(git -C "$tree" rev-list --count base..HEAD) patch(es)"
