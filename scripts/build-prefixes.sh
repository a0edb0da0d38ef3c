#!/usr/bin/env bash
# Build every prefix of the series (base+1, base+2, ... HEAD of build/linux)
# with the guest config, to prove bisectability. Uses a worktree
# (build/linux-prefix) and one out-of-tree build dir, so consecutive
# prefixes build incrementally (and ccache catches repeats).
# PREFIXES_FROM=N starts at the N-th patch (new patches of a revision).
set -euo pipefail

tree=build/linux
wt=build/linux-prefix
out=$PWD/build/kbuild/prefix-guest
jobs=${JOBS:-$(($(nproc) + 1))}
from=${PREFIXES_FROM:-1}
[[ "$from" =~ ^[1-9][0-9]*$ ]] ||
	{ echo "build-prefixes: PREFIXES_FROM='$from' is not a patch number (1, 2, ...)" >&2; exit 2; }
commits=$(git -C "$tree" rev-list --reverse base..HEAD)
[ -n "$commits" ] || { echo "build-prefixes: no commits on top of base in $tree"; exit 0; }

if [ ! -d "$wt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$PWD/$wt" base
fi
mkdir -p "$out"
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
sum=$(sha1sum <kernel/guest.config | cut -d" " -f1)
if [ "$(cat "$out/.fragments" 2>/dev/null)" != "$sum" ]; then
	git -C "$wt" checkout -q --detach base
	make -s -C "$wt" O="$out" CC="$cc" tinyconfig >/dev/null
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" kernel/guest.config >/dev/null
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
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" kernel/series.config >/dev/null
	make -s -C "$wt" O="$out" CC="$cc" olddefconfig >/dev/null
	start=$SECONDS
	if ! make -s -C "$wt" O="$out" CC="$cc" -j"$jobs" bzImage modules >"$out/build-$i.log" 2>&1; then
		grep -E 'error' "$out/build-$i.log" | head -20 >&2
		echo "build-prefixes: [$i/$n] $subject: BUILD FAILED (log: $out/build-$i.log)" >&2
		exit 1
	fi
	echo "build-prefixes: [$i/$n] $subject: ok ($((SECONDS - start)) s)"
done
