#!/usr/bin/env bash
# What a result was made from, as key=value lines (written to meta.env in
# every test-log and bench directory, and echoed at the top of reports):
#   provenance.sh KERNEL [KERNEL...]     (series, series-NAME, base or breaks)
# series: hash of patches/ (scripts/lib-series.sh series_hash; for
# series-NAME, of the stack of posting NAME), the base
# package and version, and for a series kernel whether build/linux matches
# patches/ both ways (by patch-id: commits that are in no patch, patches
# that are in no commit) and has no uncommitted changes, with a warning on
# stderr when it does not; harness= is the commit, +dirty when code differs
# from it (make bench's own output files do not count). Exit status 3 when build/linux lacks patches of
# patches/ (results would be recorded for a series that was not built),
# unless ALLOW_STALE=1; work on top of patches/ only warns.
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh
# shellcheck source=scripts/base.env
. scripts/base.env
# shellcheck source=host/vm.sh
. host/vm.sh

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
echo "qemu=$(vm_qemu_desc)"
echo "harness=$(git --no-optional-locks rev-parse --short HEAD 2>/dev/null || echo unknown)$(git --no-optional-locks diff --quiet HEAD -- . ':!patches' ':!bench/results.md' ':!bench/*.png' ':!bench/icount.md' 2>/dev/null || echo '+dirty')"
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
			missing=$(tree_missing "$tree")
			nmissing=$(grep -c . <<<"$missing" || true)
			dirty=$(tree_dirty "$tree" | wc -l)
			echo "tree=$(tree_git "$tree" rev-parse --short HEAD) commits-not-in-patches=$lost patches-not-in-tree=$nmissing uncommitted-files=$dirty"
			[ "$lost" = 0 ] && [ "$dirty" = 0 ] ||
				echo "provenance: warning: $tree has $lost commit(s) not in patches/ and $dirty uncommitted file(s); these results are for that tree, not for patches/ ('make export' to keep it)" >&2
			if [ "$nmissing" != 0 ]; then
				echo "provenance: $tree lacks $nmissing patch(es) of patches/ (older tree, or a patch dropped or changed there):" >&2
				while read -r f; do echo "provenance:   $f"; done <<<"$missing" >&2
				if [ "${ALLOW_STALE:-0}" != 1 ]; then
					echo "provenance: the kernel was not built from patches/; run 'make tree' (it keeps a backup of unexported work) and build again, or ALLOW_STALE=1 to go on" >&2
					stale=1
				fi
			fi
		else
			echo "tree=none"
		fi
		;;
	base) ;;
	*) echo "provenance: unknown kernel '$k'" >&2; exit 1 ;;
	esac
done
[ "${stale:-0}" = 0 ] || exit 3
