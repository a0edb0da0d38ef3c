# shellcheck shell=bash
# What build/linux holds compared with patches/, by content (git patch-id),
# not by commit count or hash. Sourced by tree.sh and provenance.sh.
# Every git command here is read-only and takes no optional locks, so it
# is safe next to a rebase in progress.

# The series is a stack of postings (patches/postings, one line each, in
# stack order: NAME REQUIRES ROUTE STATUS); posting NAME lives in
# patches/NAME/ (series, 0000-cover-letter.patch, NNNN-*.patch) and
# applies on the base plus the postings REQUIRES names (comma-separated,
# "-" for none), recursively.
postings() {   # every posting name, in stack order
	[ -f patches/postings ] || return 0
	awk '$1 !~ /^#/ && NF { print $1 }' patches/postings
}

# posting_field NAME FIELD: requires, route or status of posting NAME.
posting_field() {
	local col
	case "$2" in requires) col=2 ;; route) col=3 ;; status) col=4 ;; *) return 1 ;; esac
	awk -v n="$1" -v c="$col" '$1 == n { print $c; exit }' patches/postings
}

is_posting() { postings | grep -qxF -- "$1"; }

# posting_stack NAME: NAME and everything it requires, recursively, in
# stack order (the postings 'make tree SERIES=NAME' applies). No NAME (or
# "all"): every posting.
posting_stack() {
	local want=" ${1:-all} " n req changed=1
	if [ "${1:-all}" = all ]; then postings; return 0; fi
	while [ "$changed" = 1 ]; do
		changed=0
		for n in $want; do
			for req in $(posting_field "$n" requires | tr ',' ' '); do
				[ "$req" = - ] || [[ "$want" == *" $req "* ]] || { want="$want$req "; changed=1; }
			done
		done
	done
	postings | while read -r n; do [[ "$want" == *" $n "* ]] && echo "$n"; done
	return 0
}

# series_files [NAME...]: the patch files of those postings (default:
# every posting), in stack order, as their series files list them.
series_files() {
	local n p names=("$@")
	[ "$#" -gt 0 ] || mapfile -t names < <(postings)
	for n in "${names[@]}"; do
		[ -f "patches/$n/series" ] || continue
		while read -r p; do
			case "$p" in '' | '#'*) continue ;; esac
			echo "patches/$n/$p"
		done <"patches/$n/series"
	done
}

# series_hash [NAME...]: short sha256 over patches/postings and the
# series file and patches of those postings (default: all; names and
# contents): the identity of the stack a result was made with.
series_hash() {
	local f n names=("$@")
	[ "$#" -gt 0 ] || mapfile -t names < <(postings)
	{
		cat patches/postings 2>/dev/null || true
		for n in "${names[@]}"; do cat "patches/$n/series" 2>/dev/null || true; done
		series_files "$@" | while read -r f; do
			printf '%s\n' "$f"
			cat "$f"
		done
	} | sha256sum | cut -c1-12
}

# The empty commit that ends posting NAME in a tree made by tree.sh.
marker_subject() { echo "posting: $1"; }

# tree_markers TREE [REV]: "SHA NAME" for each posting marker on base..REV,
# oldest first.
tree_markers() {
	tree_git "$1" log --reverse --format='%H %s' "base..${2:-HEAD}" |
		sed -n 's/^\([0-9a-f]*\) posting: \([A-Za-z0-9]*\)$/\1 \2/p'
}

# series_patch_ids: the stable patch-id of every patch of every posting.
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
	# A commit with an empty diff has no patch-id; it is work too, unless
	# it is a posting marker.
	tree_git "$tree" log --reverse --no-merges --format='%H %s' "base..$rev" | while read -r sha subject; do
		[[ "$subject" =~ ^posting:\ [A-Za-z0-9]+$ ]] && continue
		[ -n "$(tree_git "$tree" show --format= "$sha" | head -c1)" ] ||
			tree_git "$tree" log -1 --format='%h %s (empty commit)' "$sha"
	done
}

# tree_missing TREE [REV]: print each patch file of patches/ whose content
# is in no commit of base..REV (default HEAD): a tree older than patches/
# (e.g. after a git pull that changed patches/) or one where a patch was
# dropped or amended.
tree_missing() {
	local tree=$1 rev=${2:-HEAD} have f
	have=$(tree_git "$tree" log -p --no-merges --format='commit %H' "base..$rev" |
		git patch-id --stable | cut -d' ' -f1)
	series_files | while read -r f; do
		[ -f "$f" ] || continue
		grep -qxF "$(git patch-id --stable <"$f" | cut -d' ' -f1)" <<<"$have" || echo "$f"
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

# stack_tree NAME: print the source tree of the stack NAME (posting_stack):
# build/linux when NAME is empty or "all", or when build/linux holds
# exactly that stack (make tree SERIES=NAME; work in progress on top
# included); otherwise the worktree build/linux-stack, made from base plus
# the stack's patches in patches/ (git am; redone only when they change).
# stack_tree_path NAME: which tree stack_tree NAME uses, without making it
# (read-only, for provenance).
stack_tree_path() {
	local want have
	if [ -z "${1:-}" ] || [ "$1" = all ]; then echo build/linux; return 0; fi
	want=$(posting_stack "$1" | paste -sd' ')
	have=$(tree_markers build/linux | cut -d' ' -f2 | paste -sd' ')
	if [ "$want" = "$have" ]; then echo build/linux; else echo build/linux-stack; fi
}

stack_tree() {
	local tree=build/linux wt=build/linux-stack stamp=build/.linux-stack want have sum p names
	local ident=(-c user.name="PageOffline series" -c user.email="pgoffline@series.invalid")
	local stack_files=() ids=() have_ids=() wt_commits=() keep=0 i
	if [ -z "${1:-}" ] || [ "$1" = all ]; then echo "$tree"; return 0; fi
	mapfile -t names < <(posting_stack "$1")
	want=${names[*]}
	have=$(tree_markers "$tree" | cut -d' ' -f2 | paste -sd' ')
	if [ "$want" = "$have" ]; then echo "$tree"; return 0; fi
	sum=$(series_hash "${names[@]}")
	if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
		echo "stack: $wt: base plus $want from patches/ (git am)" >&2
		if [ ! -d "$wt" ]; then
			tree_git "$tree" worktree prune
			git -C "$tree" worktree add -q --detach "$PWD/$wt" base >&2
		fi
		git -C "$wt" am --abort >/dev/null 2>&1 || true
		rm -f "$stamp"
		# Keep the longest run of commits the worktree already has in
		# common with the stack (by patch-id), so that only the files of
		# the other patches change and a build stays incremental.
		mapfile -t stack_files < <(series_files "${names[@]}")
		for p in "${stack_files[@]}"; do ids+=("$(git patch-id --stable <"$p" | cut -d' ' -f1)"); done
		mapfile -t wt_commits < <(git -C "$wt" rev-list --reverse base..HEAD 2>/dev/null)
		for i in "${!wt_commits[@]}"; do
			have_ids[i]=$(git -C "$wt" show "${wt_commits[i]}" | git patch-id --stable | cut -d' ' -f1)
			if [ "$i" -ge "${#ids[@]}" ] || [ "${have_ids[i]}" != "${ids[i]}" ]; then
				break
			fi
			keep=$((i + 1))
		done
		if [ "$keep" -gt 0 ]; then
			git -C "$wt" checkout -q -f --detach "${wt_commits[keep - 1]}"
		else
			git -C "$wt" checkout -q -f --detach base
		fi
		for p in "${stack_files[@]:keep}"; do
			git -C "$wt" "${ident[@]}" am -q --keep-cr "$PWD/$p" >&2 || {
				git -C "$wt" am --abort >/dev/null 2>&1 || true
				echo "stack: $p does not apply on its stack ($want); see make lint-series" >&2
				return 1
			}
		done
		echo "$sum" >"$stamp"
	fi
	echo "$wt"
}
