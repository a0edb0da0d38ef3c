# shellcheck shell=bash
# What build/linux holds compared with patches/, by content (git patch-id),
# not by commit count or hash. Sourced by tree.sh and provenance.sh.
# Every git command here is read-only and takes no optional locks, so it
# is safe next to a rebase in progress.

series_files() {   # the patch files patches/series lists, in order
	local p
	[ -f patches/series ] || return 0
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		echo "patches/$p"
	done <patches/series
}

# series_hash: short sha256 over patches/series and every patch it lists
# (names and contents): the identity of the series a result was made with.
series_hash() {
	local f
	{
		cat patches/series 2>/dev/null || true
		series_files | while read -r f; do
			printf '%s\n' "$f"
			cat "$f"
		done
	} | sha256sum | cut -c1-12
}

# series_patch_ids: the stable patch-id of every patch in patches/.
series_patch_ids() {
	local f
	series_files | while read -r f; do
		[ -f "$f" ] && git patch-id --stable <"$f" | cut -d' ' -f1
	done
}

# tree_git TREE ARGS...: read-only git in the kernel tree.
tree_git() { local t=$1; shift; git --no-optional-locks -C "$t" "$@"; }

# tree_unexported TREE [REV]: print "SHA SUBJECT" for each commit in
# base..REV (default HEAD) whose content is not one of the patches in
# patches/ (new commits, amended ones, fixups not yet squashed).
tree_unexported() {
	local tree=$1 rev=${2:-HEAD} known id sha
	known=$(series_patch_ids)
	tree_git "$tree" log --reverse -p --no-merges --format='commit %H' "base..$rev" |
		git patch-id --stable | while read -r id sha; do
			grep -qxF "$id" <<<"$known" && continue
			tree_git "$tree" log -1 --format='%h %s' "$sha"
		done
	# A commit with an empty diff has no patch-id; it is work too.
	tree_git "$tree" log --reverse --no-merges --format='%H' "base..$rev" | while read -r sha; do
		[ -n "$(tree_git "$tree" show --format= "$sha" | head -c1)" ] ||
			tree_git "$tree" log -1 --format='%h %s (empty commit)' "$sha"
	done
}

# tree_in_progress TREE: print what is half done (rebase, am, merge,
# cherry-pick, bisect), if anything.
tree_in_progress() {
	local gd=$1/.git d
	for d in rebase-merge rebase-apply MERGE_HEAD CHERRY_PICK_HEAD REVERT_HEAD BISECT_LOG; do
		[ -e "$gd/$d" ] && echo "$d"
	done
	return 0
}

# tree_dirty TREE: print changed tracked files (git status --short).
tree_dirty() { tree_git "$1" status --short --untracked-files=no; }
