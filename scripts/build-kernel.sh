#!/usr/bin/env bash
# Build a guest kernel out of tree.
#   build-kernel.sh KERNEL CONFIG
# KERNEL is "series" (build/linux at HEAD), "series-NAME" (the stack of
# posting NAME: scripts/lib-series.sh stack_tree) or "base" (a worktree of
# the `base` tag); CONFIG is "guest" or "debug" (guest plus kernel/debug.config
# and kernel/kunit.config).
# The series kernel also gets kernel/series.config (its test module), and
# on the debug config kernel/series-debug.config (its KUnit suite).
# Output: build/kbuild/KERNEL-CONFIG/arch/x86/boot/bzImage
set -euo pipefail

kernel=${1:?usage: build-kernel.sh series|base guest|debug}
config=${2:?usage: build-kernel.sh series|base guest|debug}
tree=build/linux
jobs=${JOBS:-$(($(nproc) + 1))}

[ -d "$tree/.git" ] || { echo "build-kernel: no $tree; run 'make tree' first" >&2; exit 1; }
case "$kernel" in
series) src=$tree ;;
series-*)
	# shellcheck source=scripts/lib-series.sh
	. scripts/lib-series.sh
	src=$(stack_tree "${kernel#series-}")
	;;
base)
	src=build/linux-base
	if [ ! -d "$src" ]; then
		git -C "$tree" worktree prune
		git -C "$tree" worktree add -q --detach "$PWD/$src" base
	fi
	;;
breaks)
	# A worktree of the series with one hunk broken (scripts/check-breaks.sh).
	src=build/linux-breaks
	[ -d "$src" ] || { echo "build-kernel: no $src; run scripts/check-breaks.sh" >&2; exit 1; }
	;;
*) echo "build-kernel: unknown kernel '$kernel' (want series, series-NAME or base)" >&2; exit 1 ;;
esac
case "$config" in
guest) frags=(kernel/guest.config) ;;
debug) frags=(kernel/guest.config kernel/debug.config kernel/kunit.config) ;;
*) echo "build-kernel: unknown config '$config' (want guest or debug)" >&2; exit 1 ;;
esac
out=build/kbuild/$kernel-$config
mkdir -p "$out"
# The series' own options, as far as this stack has them (a stack without
# posting T has no test module and no KUnit suite); those that need the
# debug config only on it.
if [ "$kernel" != base ]; then
	own=(kernel/series.config)
	[ "$config" != debug ] || own+=(kernel/series-debug.config)
	while IFS= read -r line; do
		sym=$(sed -n 's/^CONFIG_\([A-Za-z0-9_]*\)=.*/\1/p' <<<"$line")
		[ -z "$sym" ] || grep -rqsxE --include="Kconfig*" "(menu)?config $sym" "$src" && echo "$line"
	done < <(cat "${own[@]}") >"$out/series.config"
	frags+=("$out/series.config")
fi
out=$(cd "$out" && pwd)
src=$(cd "$src" && pwd)
export KBUILD_BUILD_USER=bench KBUILD_BUILD_HOST=bench KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC"
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"

# Regenerate .config only when a fragment changed.
sum=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragments" 2>/dev/null)" != "$sum" ]; then
	echo "build-kernel: configuring $kernel-$config (tinyconfig + ${frags[*]})"
	make -s -C "$src" O="$out" CC="$cc" tinyconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"${frags[@]/#/$OLDPWD/}" >/dev/null)
	make -s -C "$src" O="$out" CC="$cc" olddefconfig >/dev/null
	# A later fragment overrides an earlier one (debug.config over
	# guest.config); check what each symbol was last asked to be.
	missing=()
	while IFS= read -r line; do
		grep -qxF "$line" "$out/.config" || missing+=("$line")
	done < <(cat "${frags[@]}" | awk '
		/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym); want[sym] = $0; order[++n] = sym; next }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = ""; order[++n] = $2 }
		END { for (i = 1; i <= n; i++) if (!(order[i] in seen)) { seen[order[i]] = 1; if (want[order[i]] != "") print want[order[i]] } }')
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "build-kernel: requested options missing from $out/.config (unmet dependencies?):" >&2
		printf '  %s\n' "${missing[@]}" >&2
		rm -f "$out/.fragments"
		exit 1
	fi
	echo "$sum" >"$out/.fragments"
fi

base_ver=$(cat "$tree/.git/bench-base-version" 2>/dev/null || cat build/base/x/.version 2>/dev/null || echo unknown)
echo "build-kernel: building $kernel-$config (base linux-source-7.3 $base_ver) in $out (-j$jobs; log: $out/build.log)"
start=$(date +%s)
# Progress: elapsed time and objects built so far (kbuild's quiet lines in
# build.log), on one line every 5 s on a terminal, every 15 s otherwise.
# The count of the last full build is shown as the expected total.
progress() {
	local n total every=15 t
	total=$(cat "$out/.objects" 2>/dev/null || true)
	[ -t 1 ] && every=5
	while sleep "$every"; do
		n=$(grep -c '^  [A-Z]' "$out/build.log" 2>/dev/null || true)
		t=$(($(date +%s) - start))
		printf 'build-kernel: %dm%02ds, %s objects built%s' $((t / 60)) $((t % 60)) "${n:-0}" "${total:+ (last full build: $total)}"
		if [ -t 1 ]; then printf '\r'; else printf '\n'; fi
	done
}
progress &
progress_pid=$!
trap 'kill "$progress_pid" 2>/dev/null || true' EXIT
rc=0
# Without the caller's MAKEFLAGS: "make -s" would silence kbuild's lines,
# which the progress count reads.
MAKEFLAGS='' make -C "$src" O="$out" CC="$cc" -j"$jobs" bzImage modules >"$out/build.log" 2>&1 || rc=$?
kill "$progress_pid" 2>/dev/null || true
wait "$progress_pid" 2>/dev/null || true
[ ! -t 1 ] || printf '\n'
if [ "$rc" -ne 0 ]; then
	grep -E 'error|Error' "$out/build.log" | head -20 >&2
	echo "build-kernel: build failed; last lines of $out/build.log:" >&2
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
n=$(grep -c '^  [A-Z]' "$out/build.log" || true)
# Only a build from scratch gives a useful total for the next one.
[ "${n:-0}" -lt 1000 ] || echo "$n" >"$out/.objects"
grep -E 'warning:' "$out/build.log" | head -5 >&2 || true
rm -rf "$out/modinst"
make -s -C "$src" O="$out" INSTALL_MOD_PATH="$out/modinst" modules_install >/dev/null
echo "build-kernel: $kernel-$config done in $(($(date +%s) - start)) s: $out/arch/x86/boot/bzImage"
