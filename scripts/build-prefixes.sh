#!/usr/bin/env bash
# Build every prefix of the series with the guest config (and KUnit, with
# the series' suites as modules), to prove bisectability: by default every
# commit of build/linux (base+1, base+2, ... HEAD; the empty posting
# markers are skipped); with SERIES=NAME the
# patches of posting NAME, one by one, on top of the postings it requires
# (its stack, scripts/lib-series.sh stack_tree), which is how a maintainer
# applies it. Uses a worktree (build/linux-prefix) and one out-of-tree
# build dir, so consecutive prefixes build incrementally (and ccache
# catches repeats). PREFIXES_FROM=N starts at the N-th patch.
set -euo pipefail
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

tree=build/linux
wt=build/linux-prefix
out=$PWD/build/kbuild/prefix-guest
jobs=${JOBS:-$(($(nproc) + 1))}
from=${PREFIXES_FROM:-1}
[[ "$from" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "build-prefixes: PREFIXES_FROM='$from' is not a patch number (1, 2, ...)" >&2; exit 2; }
if [ -n "${SERIES:-}" ]; then
	src=$(stack_tree "$SERIES")
	n=$(series_files "$SERIES" | wc -l)
	commits=$(tree_git "$src" log --reverse --format='%H %s' base..HEAD |
		grep -v ' posting: [A-Za-z0-9]*$' | cut -d' ' -f1 | tail -n "$n")
	echo "build-prefixes: posting $SERIES ($n patches) on its stack: $(posting_stack "$SERIES" | paste -sd' ')"
else
	commits=$(tree_git "$tree" log --reverse --format='%H %s' base..HEAD |
		grep -v ' posting: [A-Za-z0-9]*$' | cut -d' ' -f1)
fi
[ -n "$commits" ] || { echo "build-prefixes: no commits on top of base in $tree"; exit 0; }

if [ ! -d "$wt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$PWD/$wt" base
fi
mkdir -p "$out"
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
# KUnit too, and the series' KUnit suites as modules (series-debug.config
# with =m): they build, and modpost checks what they import, at every
# prefix that has them.
sed 's/=y$/=m/' kernel/series-debug.config >"$out/series-kunit.config"
sum=$(cat kernel/guest.config kernel/kunit.config | sha1sum | cut -d" " -f1)
if [ "$(cat "$out/.fragments" 2>/dev/null)" != "$sum" ]; then
	git -C "$wt" checkout -q --detach base
	make -s -C "$wt" O="$out" CC="$cc" tinyconfig >/dev/null
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" kernel/guest.config kernel/kunit.config >/dev/null
	make -s -C "$wt" O="$out" CC="$cc" olddefconfig >/dev/null
	echo "$sum" >"$out/.fragments"
fi
i=0
n=$(wc -l <<<"$commits")
for c in $commits; do
	i=$((i + 1))
	[ "$i" -ge "$from" ] || continue
	git -C "$wt" checkout -q --detach "$c"
	subject=$(git -C "$wt" log -1 --format=%s)
	# Options of the series (its test module) once a prefix has them.
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" kernel/series.config \
		"$out/series-kunit.config" >/dev/null
	make -s -C "$wt" O="$out" CC="$cc" olddefconfig >/dev/null
	start=$SECONDS
	if ! make -s -C "$wt" O="$out" CC="$cc" -j"$jobs" bzImage modules >"$out/build-$i.log" 2>&1; then
		grep -E 'error' "$out/build-$i.log" | head -20 >&2
		echo "build-prefixes: [$i/$n] $subject: BUILD FAILED (log: $out/build-$i.log)" >&2
		exit 1
	fi
	echo "build-prefixes: [$i/$n] $subject: ok ($((SECONDS - start)) s)"
done
