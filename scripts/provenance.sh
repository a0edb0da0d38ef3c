#!/usr/bin/env bash
# What a result was made from, as key=value lines (written to meta.env in
# every test-log and bench directory, and echoed at the top of reports):
#   provenance.sh KERNEL [KERNEL...]     (series, series-NAME, base or breaks)
# series: hash of patches/ (scripts/lib-series.sh series_hash; for
# series-NAME, of the stack of posting NAME), the base
# package and version, and for a series kernel whether build/linux still
# matches patches/ (by patch-id) and has no uncommitted changes (with a
# warning on stderr when it does not).
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh
# shellcheck source=scripts/base.env
. scripts/base.env

tree=${TREE:-build/linux}
stack=()
for k in "$@"; do
	case "$k" in series-*) mapfile -t stack < <(posting_stack "${k#series-}") ;; esac
done
echo "date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
if [ "${#stack[@]}" -gt 0 ]; then
	echo "series=$(series_hash "${stack[@]}") (stack ${stack[*]}: $(series_files "${stack[@]}" | wc -l) patches in patches/)"
else
	echo "series=$(series_hash) ($(series_files | wc -l) patches in patches/, postings $(postings | paste -sd' '))"
fi
# The base the tree was unpacked from (tree.sh records it), else the
# unpacked package in build/base.
built_from=$(cat "$tree/.git/bench-base-version" 2>/dev/null ||
	cat build/base/x/.version 2>/dev/null || echo unknown)
echo "base=$BASE_PKG $built_from (pinned: $BASE_VERSION)"
echo "harness=$(git --no-optional-locks rev-parse --short HEAD 2>/dev/null || echo unknown)$(git --no-optional-locks diff --quiet HEAD -- . ':!patches' 2>/dev/null || echo '+dirty')"
for k in "$@"; do
	case "$k" in
	series-*)
		# Built from build/linux when it holds exactly this stack, else
		# from patches/ in build/linux-stack (stack_tree).
		echo "tree=$(stack_tree_path "${k#series-}")"
		;;
	series | breaks)
		if [ -d "$tree/.git" ] && tree_git "$tree" rev-parse -q --verify base >/dev/null 2>&1; then
			lost=$(tree_unexported "$tree" | wc -l)
			dirty=$(tree_dirty "$tree" | wc -l)
			echo "tree=$(tree_git "$tree" rev-parse --short HEAD) commits-not-in-patches=$lost uncommitted-files=$dirty"
			[ "$lost" = 0 ] && [ "$dirty" = 0 ] ||
				echo "provenance: warning: $tree has $lost commit(s) not in patches/ and $dirty uncommitted file(s); these results are for that tree, not for patches/ ('make export' to keep it)" >&2
		else
			echo "tree=none"
		fi
		;;
	base) ;;
	*) echo "provenance: unknown kernel '$k'" >&2; exit 1 ;;
	esac
done
