#!/usr/bin/env bash
# Check that each posting applies on the base plus exactly the postings it
# requires (patches/postings), with git am as a maintainer would, in a
# worktree of build/linux at 'base' (build/linux-apply).
#   check-postings.sh [NAME...]    (default: every posting)
# Prints one line per posting; exits 1 if any does not apply.
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

tree=${TREE:-build/linux}
wt=build/linux-apply
ident=(-c user.name="PageOffline series" -c user.email="pgoffline@series.invalid")
tree_git "$tree" rev-parse -q --verify base >/dev/null ||
	{ echo "check-postings: $tree has no 'base' tag; run 'make tree' first" >&2; exit 1; }
if [ ! -d "$wt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$PWD/$wt" base
fi
names=("$@")
[ "$#" -gt 0 ] || mapfile -t names < <(postings)
bad=0
for name in "${names[@]}"; do
	mapfile -t stack < <(posting_stack "$name")
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	git -C "$wt" checkout -q -f --detach base
	failed=
	while read -r p; do
		if ! git -C "$wt" "${ident[@]}" am -q --keep-cr "$PWD/$p" >/dev/null 2>&1; then
			failed=$p
			git -C "$wt" am --abort >/dev/null 2>&1 || true
			break
		fi
	done < <(series_files "${stack[@]}")
	if [ -z "$failed" ]; then
		echo "ok - $name applies on base + $(posting_field "$name" requires | tr ',' ' ') (stack: ${stack[*]})"
	else
		echo "not ok - $name on its stack (${stack[*]}): $failed does not apply"
		bad=1
	fi
done
git -C "$wt" checkout -q -f --detach base
exit "$bad"
