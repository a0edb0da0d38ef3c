#!/usr/bin/env bash
# Write base..HEAD of build/linux back to patches/, posting by posting.
# The tree holds the postings of patches/postings in stack order, each
# ended by its marker, an empty commit "posting: NAME" (scripts/tree.sh
# makes them; add one with 'git commit --allow-empty -m "posting: NAME"'
# for a new posting). Each posting's patches go to patches/NAME/ with a
# fresh series file; its cover letter (patches/NAME/0000-cover-letter.patch)
# keeps its prose, and its patch count, shortlog, diffstat and base lines
# are regenerated. The revision and prefix ("PATCH v7", "RFC PATCH v7")
# come from the cover letter's subject. git notes on the commits (testing
# notes) go below the "---" of each patch, where scripts/restore-notes.sh
# finds them again when make tree re-applies the postings. SERIES=NAME
# writes only posting NAME.
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

tree=${TREE:-build/linux}
git -C "$tree" rev-parse -q --verify base >/dev/null ||
	{ echo "export: $tree has no 'base' tag; run 'make tree' first" >&2; exit 1; }
if [ -n "$(git -C "$tree" status --porcelain --untracked-files=no)" ]; then
	echo "export: $tree has uncommitted changes; commit them (git commit, or --fixup and rebase) first:" >&2
	git -C "$tree" status --short --untracked-files=no >&2
	exit 1
fi
mapfile -t markers < <(tree_markers "$tree")
[ "${#markers[@]}" -gt 0 ] || {
	echo "export: $tree has no posting markers (empty commits 'posting: NAME'); make it with 'make tree'" >&2
	exit 1
}
last=${markers[-1]%% *}
if [ -n "$(git -C "$tree" rev-list "$last..HEAD")" ]; then
	echo "export: these commits come after the last posting marker, so they belong to no posting:" >&2
	git -C "$tree" log --reverse --format='  %h %s' "$last..HEAD" >&2
	echo "export: move them before a marker (git rebase -i base), or end a new posting with" >&2
	echo "export: 'git commit --allow-empty -m \"posting: NAME\"' and add NAME to patches/postings." >&2
	exit 1
fi
for m in "${markers[@]}"; do
	is_posting "${m#* }" || {
		echo "export: $tree has a marker for posting '${m#* }', which patches/postings does not list; add it there first" >&2
		exit 1
	}
done

# cover_base NAME: the closing lines of NAME's cover letter.
cover_base() {
	local req r c
	req=$(posting_stack "$1" | { grep -vxF -- "$1" || true; } | paste -sd' ' | sed 's/ /, /g')
	# shellcheck source=scripts/base.env
	. scripts/base.env
	{
		echo "Applies on the base${req:+ plus posting(s) $req} (patches/postings)."
		echo "The base is Debian's $BASE_PKG $BASE_VERSION: $BASE_DESCRIPTION"
		echo "Not rebased on mm-new, which cannot be reached from here."
	} | fmt -w 72
	echo
	echo "base-commit: $(git -C "$tree" rev-parse base)"
	for r in $(posting_stack "$1" | { grep -vxF -- "$1" || true; }); do
		for c in $(range_of "$r"); do
			echo "prerequisite-patch-id: $(git -C "$tree" show "$c" | git patch-id --stable | cut -d' ' -f1)"
		done
	done
}

# range_of NAME: the commits of posting NAME in the tree, oldest first.
range_of() {
	local i start=base
	for i in "${!markers[@]}"; do
		if [ "${markers[$i]#* }" = "$1" ]; then
			[ "$i" = 0 ] || start=${markers[$((i - 1))]%% *}
			git -C "$tree" rev-list --reverse --no-merges "$start..${markers[$i]%% *}" |
				while read -r c; do
					[ -n "$(git -C "$tree" show --format= "$c" | head -c1)" ] && echo "$c"
				done
			return 0
		fi
	done
}

prev=base
total=0
for m in "${markers[@]}"; do
	sha=${m%% *} name=${m#* } dir=patches/${m#* }
	if [ -n "${SERIES:-}" ] && [ "$SERIES" != "$name" ]; then
		prev=$sha
		continue
	fi
	cover=$dir/0000-cover-letter.patch
	prefix=$(sed -n 's/^Subject: \[\(.*PATCH\( v[0-9]*\)\?\) *0\/.*/\1/p' "$cover" 2>/dev/null | head -n 1)
	prefix=${prefix:-PATCH}
	mkdir -p "$dir"
	find "$dir" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-cover-letter.patch' -delete
	# format-patch leaves out the empty marker commits; --zero-commit keeps
	# the files stable.
	git -C "$tree" format-patch -q --no-signature --zero-commit --numbered --notes \
		--subject-prefix="$prefix" -o "$PWD/$dir" "$prev..$sha^" >/dev/null
	for p in "$dir"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -f "$p" ] && [ "${p##*/}" != 0000-cover-letter.patch ] && echo "${p##*/}"
	done >"$dir/series"
	n=$(wc -l <"$dir/series")
	total=$((total + n))

	# Cover letter: prose up to the shortlog ("Author (N):"), then what
	# format-patch --cover-letter writes there (shortlog, diffstat), then
	# the stack it applies on: base-commit and one prerequisite-patch-id
	# per patch of the postings it requires (git format-patch --base's
	# trailer, restricted to the required postings).
	if [ -f "$cover" ]; then
		{
			awk '/^[^ ].* \([0-9]+\):$/ { exit } { print }' "$cover" |
				sed -E "s|^Subject: \[(RFC )?PATCH( v[0-9]+)? 0/[0-9]+\]|Subject: [$prefix 0/$n]|"
			git -C "$tree" format-patch -q --cover-letter --no-signature --stdout "$prev..$sha^" |
				awk '/^\*\*\* BLURB HERE \*\*\*$/ { p = 1; next } /^From / { p = 0 } p' |
				sed '1{/^$/d}'
			cover_base "$name"
		} >"$cover.new"
		mv "$cover.new" "$cover"
	else
		echo "export: $cover is missing; write one (Subject: [PATCH v1 0/$n] ...), then export again" >&2
	fi
	echo "export: $dir: $n patch(es) ($prefix)"
	prev=$sha
done
[ -z "${SERIES:-}" ] || [ "$total" -gt 0 ] || tree_markers "$tree" | grep -q " $SERIES\$" || {
	echo "export: $tree has no posting $SERIES (no 'posting: $SERIES' marker); nothing written" >&2
	exit 1
}
echo "export: $total patch(es) written to patches/${SERIES:+$SERIES/}"
