#!/usr/bin/env bash
# Write base..HEAD of build/linux back to patches/ and refresh patches/series.
# The cover letter (patches/0000-cover-letter.patch) keeps its prose; its
# patch count, shortlog and diffstat are regenerated. The revision ("v2")
# comes from the cover letter's subject; git notes on the commits (testing
# notes) go below the "---" of each patch, where scripts/restore-notes.sh
# finds them again when make tree re-applies the series.
set -euo pipefail

tree=${TREE:-build/linux}
git -C "$tree" rev-parse -q --verify base >/dev/null ||
	{ echo "export: $tree has no 'base' tag; run 'make tree' first" >&2; exit 1; }
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	echo "export: $tree has uncommitted changes; commit them (git commit, or --fixup and rebase) first:" >&2
	git -C "$tree" status --short --untracked-files=no >&2
	exit 1
fi

cover=patches/0000-cover-letter.patch
rev=$(sed -n 's/^Subject: \[PATCH \(v[0-9]*\) *0\/.*/\1/p' "$cover" 2>/dev/null | head -n 1)
prefix="PATCH${rev:+ $rev}"

mkdir -p patches
find patches -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' -delete
git -C "$tree" format-patch -q --no-signature --zero-commit --numbered --notes \
	--subject-prefix="$prefix" -o "$PWD/patches" base..HEAD >/dev/null
# --zero-commit keeps diffs stable; format-patch also names files by subject.
for p in patches/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -f "$p" ] && [ "${p##*/}" != 0000-cover-letter.patch ] && echo "${p##*/}"
done >patches/series
echo "export: $(wc -l <patches/series) patch(es) written to patches/"

# Cover letter: prose up to the shortlog ("Author (N):"), then a fresh
# shortlog and diffstat, then everything from the base paragraph on.
if [ -f "$cover" ]; then
	n=$(wc -l <patches/series)
	{
		awk '/^[^ ].* \([0-9]+\):$/ { exit } { print }' "$cover" |
			sed -E "s|^Subject: \[PATCH( v[0-9]+)? 0/[0-9]+\]|Subject: [$prefix 0/$n]|"
		# What format-patch --cover-letter would write there.
		git -C "$tree" format-patch -q --cover-letter --no-signature --stdout base..HEAD |
			awk '/^\*\*\* BLURB HERE \*\*\*$/ { p = 1; next } /^From / { p = 0 } p' |
			sed '1{/^$/d}'
		awk '/^The base is / { p = 1 } p' "$cover"
	} >"$cover.new"
	grep -q '^base-commit: ' "$cover.new" ||
		{ echo "export: $cover lost its base paragraph; not updating it" >&2; rm -f "$cover.new"; exit 1; }
	mv "$cover.new" "$cover"
fi
