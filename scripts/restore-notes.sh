#!/usr/bin/env bash
# Attach the testing notes of each patch of the postings (the "Notes:"
# block that make export writes below the "---") to its commit in
# build/linux again, as git notes, so that the next make export keeps them.
# git am drops everything below the "---", hence this step after make tree.
#   restore-notes.sh TREE POSTING...   (the postings the tree holds)
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

tree=${1:?usage: restore-notes.sh TREE POSTING...}
shift
# The commits with a diff: the posting markers are empty.
mapfile -t commits < <(git -C "$tree" log --reverse --format='%H %s' base..HEAD |
	grep -v ' posting: [A-Za-z0-9]*$' | cut -d' ' -f1)
mapfile -t names < <(series_files "$@")
if [ "${#commits[@]}" -ne "${#names[@]}" ]; then
	echo "restore-notes: $tree has ${#commits[@]} commit(s) on base, the postings $* have ${#names[@]} patch(es); notes not restored" >&2
	exit 1
fi
n=0
for i in "${!names[@]}"; do
	# The indented lines after "Notes:", up to the diffstat.
	note=$(awk '/^---$/ { cut = 1; next }
		cut && /^Notes:$/ { on = 1; next }
		on && /^    / { sub(/^    /, ""); print; next }
		on && /^$/ { print; next }
		on { exit }' "${names[$i]}" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
	[ -n "$note" ] || continue
	out=$(git -C "$tree" -c user.name="PageOffline series" -c user.email="pgoffline@series.invalid" \
		notes add -f -m "$note" "${commits[$i]}" 2>&1) ||
		{ echo "restore-notes: git notes add failed for ${names[$i]}: $out" >&2; exit 1; }
	n=$((n + 1))
done
git -C "$tree" config notes.rewriteRef refs/notes/commits
echo "restore-notes: $n note(s) attached"
