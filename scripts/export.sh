#!/usr/bin/env bash
# Write base..HEAD of build/linux back to patches/ and refresh patches/series.
# The cover letter (patches/0000-cover-letter.patch) is kept as it is.
set -euo pipefail

tree=${TREE:-build/linux}
git -C "$tree" rev-parse -q --verify base >/dev/null ||
	{ echo "export: $tree has no 'base' tag; run 'make tree' first" >&2; exit 1; }
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	echo "export: $tree has uncommitted changes; commit them (git commit, or --fixup and rebase) first:" >&2
	git -C "$tree" status --short --untracked-files=no >&2
	exit 1
fi

mkdir -p patches
find patches -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' -delete
git -C "$tree" format-patch -q --no-signature --zero-commit --no-numbered \
	-o "$PWD/patches" base..HEAD >/dev/null
# --zero-commit keeps diffs stable; format-patch also names files by subject.
for p in patches/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -f "$p" ] && [ "${p##*/}" != 0000-cover-letter.patch ] && echo "${p##*/}"
done >patches/series
echo "export: $(wc -l <patches/series) patch(es) written to patches/"
