#!/usr/bin/env bash
# (Re)create build/linux: the Debian linux-source-7.3 tree committed as the
# `base` tag, with the postings of patches/postings applied by git am in
# stack order, each ended by its marker (an empty commit "posting: NAME",
# which make export splits at). SERIES=NAME applies only NAME and the
# postings it requires (scripts/lib-series.sh posting_stack).
set -euo pipefail

tree=${TREE:-build/linux}
ident=(-c user.name="PageOffline series" -c user.email="pgoffline@series.invalid")
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh
# shellcheck source=scripts/base.env
. scripts/base.env

indent() { sed 's/^/    /'; }

# backup_tree: keep everything of $tree that is not the base under
# build/backup/linux-DATE/ before it is removed: each local branch (and a
# detached HEAD) as format-patch output, uncommitted changes as a binary
# diff, untracked files as a tarball. Restore with 'git am' on a fresh tree.
backup_tree() {
	local dir ref refs name n
	mkdir -p "${BACKUP_DIR:-build/backup}"
	dir=$(mktemp -d "${BACKUP_DIR:-build/backup}/linux-$(date -u +%Y%m%d-%H%M%S)-XXXX")
	{
		echo "backup of $tree made by scripts/tree.sh on $(date -u '+%F %T UTC')"
		echo "HEAD: $(tree_git "$tree" rev-parse HEAD) ($(tree_git "$tree" rev-parse --abbrev-ref HEAD))"
		echo "base: $(tree_git "$tree" rev-parse base)"
		echo "restore a branch: git -C build/linux am $PWD/$dir/BRANCH/*.patch"
	} >"$dir/README"
	refs=$(tree_git "$tree" for-each-ref --format='%(refname:short)' refs/heads)
	# A detached HEAD is kept too; an attached one is its branch.
	tree_git "$tree" symbolic-ref -q HEAD >/dev/null || refs="HEAD $refs"
	for ref in $refs; do
		n=$(tree_git "$tree" rev-list --count "base..$ref" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] || continue
		name=${ref//\//_}
		tree_git "$tree" format-patch -q --no-signature -o "$PWD/$dir/$name" "base..$ref" >/dev/null
	done
	tree_git "$tree" diff --binary HEAD >"$dir/uncommitted.diff"
	[ -s "$dir/uncommitted.diff" ] || rm -f "$dir/uncommitted.diff"
	if [ -n "$(tree_git "$tree" ls-files --others --exclude-standard | head -n 1)" ]; then
		tree_git "$tree" ls-files -z --others --exclude-standard |
			tar -C "$tree" --null -T - -czf "$dir/untracked.tar.gz"
	fi
	echo "tree: backup of $tree (branches, uncommitted changes, untracked files) in $dir/"
}

# Refuse to throw away work: every commit on base..HEAD must be one of the
# patches in patches/ by content (patch-id), nothing may be uncommitted,
# and no rebase or am may be half done. FORCE=1 overrides the refusal;
# the backup below is made either way.
if [ -e "$tree" ]; then
	if ! tree_git "$tree" rev-parse -q --verify base >/dev/null 2>&1; then
		if [ "${FORCE:-0}" != 1 ]; then
			echo "tree: $tree exists but has no 'base' tag, so it was not made by this script." >&2
			echo "tree: move it away, or run 'make tree FORCE=1' to replace it." >&2
			exit 1
		fi
	else
		lost=$(tree_unexported "$tree")
		dirty=$(tree_dirty "$tree")
		busy=$(tree_in_progress "$tree")
		if [ -n "$lost$dirty$busy" ] && [ "${FORCE:-0}" != 1 ]; then
			echo "tree: refusing to replace $tree; this work is not in patches/:" >&2
			[ -z "$lost" ] || { echo "  commits on base..HEAD that no patch in patches/ matches (by patch-id):"; indent <<<"$lost"; } >&2
			[ -z "$dirty" ] || { echo "  uncommitted changes:"; indent <<<"$dirty"; } >&2
			[ -z "$busy" ] || echo "  an operation is in progress: $busy (finish or abort it)" >&2
			echo "tree: run 'make export' to keep the commits, or 'make tree FORCE=1' to discard them" >&2
			echo "tree: (a backup under build/backup/ is made before anything is removed)." >&2
			exit 1
		fi
	fi
fi

# Fetch first: if that fails, nothing has been touched.
fetched=$(scripts/fetch-base.sh) || exit 1
IFS=$'\t' read -r ver tarball <<<"$fetched"
[ -f "$tarball" ] || { echo "tree: fetch-base gave no tarball ('$fetched')" >&2; exit 1; }
if [ -e "$tree" ] && tree_git "$tree" rev-parse -q --verify base >/dev/null 2>&1; then
	backup_tree
fi

echo "tree: unpacking $tarball into $tree"
rm -rf "$tree" "$tree.tmp"
# The worktrees made from the old tree (base, prefixes, stacks, breaks)
# would be stale.
rm -rf build/linux-base build/linux-prefix build/linux-stack build/linux-apply build/linux-breaks build/.linux-stack
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
# -f: the tarball's dotfiles (.kunitconfig, .clang-format, ...) are part of
# the base too, though the kernel's .gitignore ignores ".*".
git -C "$tree" "${ident[@]}" add -A -f
# A fixed date makes the base commit, the covers' base-commit:, the same
# on every machine.
GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
	git -C "$tree" "${ident[@]}" commit -q -m "Linux $ver (Debian linux-source-7.3)" -m \
"Unpacked from Debian's linux-source-7.3 package, version $ver; every
file of its tarball, dotfiles included. The Debian packaging stanza at
the end of .gitignore, which ignores every top-level entry, is removed
so that new files are visible to git."
git -C "$tree" tag -f base >/dev/null
# For scripts/provenance.sh, which reads it without running git here.
echo "$ver" >"$tree/.git/bench-base-version"
git -C "$tree" checkout -q -b series

mapfile -t stack < <(posting_stack "${SERIES:-all}")
[ "${#stack[@]}" -gt 0 ] || { echo "tree: no postings in patches/postings; the tree is the plain base $ver"; exit 0; }
am_err=$(mktemp)
trap 'rm -f "$am_err"' EXIT
for name in "${stack[@]}"; do
	req=$(posting_field "$name" requires)
	while read -r p; do
		if ! git -C "$tree" "${ident[@]}" am -q --keep-cr "$PWD/$p" 2>"$am_err"; then
			cat "$am_err" >&2
			git -C "$tree" am --abort 2>/dev/null || true
			echo "tree: $p does not apply to the base $ver plus the postings before it (${stack[*]})." >&2
			echo "tree: posting $name requires: $req (patches/postings). The postings were written for" >&2
			echo "tree: $BASE_PKG $BASE_VERSION; rebase in $tree on 'base' and run 'make export'." >&2
			exit 1
		fi
	done < <(series_files "$name")
	git -C "$tree" "${ident[@]}" commit -q --allow-empty -m "$(marker_subject "$name")" -m \
"Marks the end of posting $name (patches/$name/): make export splits
base..HEAD into the postings at these empty commits. Keep it after the
posting's last commit when rebasing."
	echo "tree: applied posting $name ($(series_files "$name" | wc -l) patch(es); requires $req)"
done
# git am drops the testing notes below each patch's "---"; put them back.
scripts/restore-notes.sh "$tree" "${stack[@]}"
echo "tree: $tree is base $ver plus postings ${stack[*]} ($(series_files "${stack[@]}" | wc -l) patches)"
