#!/usr/bin/env bash
# Review checks on the exported series, as a maintainer would run them,
# on every posting or, with SERIES=NAME, on posting NAME:
#  0. each posting applies on the base plus exactly the postings it
#     requires (scripts/check-postings.sh), and no file the series changes
#     was changed by Debian's build of the base (scripts/check-base.sh);
#  1. scripts/checkpatch.pl --strict on every patch and on the cover
#     letters: any ERROR or WARNING fails; CHECKs are listed
#     (each must be justified in its patch's message). The tree is a
#     tarball without history, so checkpatch cannot look up the commit
#     of a Fixes: tag; UNKNOWN_COMMIT_ID is ignored for that reason only;
#  2. W=1 and sparse (C=2) on every C file of the kernel that the series
#     (the posting) touches, in the series (the posting's stack) and in the
#     base kernel: any warning the base does not have fails.
# Bookworm's sparse 0.6.4 cannot parse Linux 7.3 (__typeof_unqual__), so
# sparse is built from Debian testing's source package into build/tools.
# Needs the guest kernels (make kernel KERNEL=series/base) for their
# configs; rebuilds the checked objects with W=1 in those build dirs.
set -euo pipefail
# shellcheck source=scripts/apt-private.sh
. scripts/apt-private.sh
# shellcheck source=scripts/lib-series.sh
. scripts/lib-series.sh

tree=build/linux
[ -d "$tree/.git" ] || { echo "lint-series: no $tree; run 'make tree' first" >&2; exit 1; }
kid=series${SERIES:+-$SERIES}
for k in "$kid" base; do
	[ -f "build/kbuild/$k-guest/.config" ] ||
		{ echo "lint-series: no build/kbuild/$k-guest; run 'make kernel ${SERIES:+SERIES=$SERIES }KERNEL=${k%%-*}'" >&2; exit 1; }
done
if [ -n "${SERIES:-}" ]; then
	names=("$SERIES")
	src=$(stack_tree "$SERIES")
else
	mapfile -t names < <(postings)
	src=$tree
fi
# checkpatch's SPDX check runs "python3": Debian's, which has ply and git.
export PATH=/usr/bin:$PATH
fail=0

echo "lint-series: each posting on its own stack"
scripts/check-postings.sh "${names[@]}" | sed 's/^/  /' || fail=1
scripts/check-base.sh | sed 's/^/  /' || fail=1

echo "lint-series: checkpatch --strict"
for p in $(for n in "${names[@]}"; do echo "patches/$n/0000-cover-letter.patch"; done) $(series_files "${names[@]}"); do
	out=$(cd "$tree" && scripts/checkpatch.pl --strict -q --no-summary \
		--ignore UNKNOWN_COMMIT_ID "../../$p" 2>&1) || true
	if grep -qE '^(ERROR|WARNING):' <<<"$out"; then
		fail=1
		echo "  $p:"
		# shellcheck disable=SC2001 # indent every line
		sed 's/^/    /' <<<"$out"
	elif grep -q '^CHECK:' <<<"$out"; then
		echo "  $p: ok; CHECKs its message must justify:"
		grep '^CHECK:' <<<"$out" | sed 's/^/    /'
	else
		echo "  $p: ok"
	fi
done

# sparse from Debian testing, built once.
sparse=build/tools/sparse/sparse
if [ ! -x "$sparse" ]; then
	apt_dir=$PWD/build/tools/apt
	apt_private "$apt_dir" \
		"deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian testing main"
	echo "lint-series: fetching sparse's source package from Debian testing"
	apt-get "${apt_opts[@]}" -qq update ||
		{ echo "lint-series: apt-get update failed for $apt_dir/sources.list; is deb.debian.org reachable?" >&2; exit 1; }
	rm -rf build/tools/src && mkdir -p build/tools/src
	(cd build/tools/src && apt-get "${apt_opts[@]}" -qq source --download-only sparse >/dev/null) ||
		{ echo "lint-series: apt-get source sparse failed" >&2; exit 1; }
	tar -C build/tools/src -xf build/tools/src/sparse_*.orig.tar.*
	rm -rf build/tools/sparse
	mv "$(find build/tools/src -mindepth 1 -maxdepth 1 -type d -name 'sparse-*')" build/tools/sparse
	dsc=$(find build/tools/src -name 'sparse_*.dsc')
	dsc=${dsc##*/sparse_}
	echo "${dsc%.dsc}" >build/tools/sparse/debian-version
	make -s -C build/tools/sparse -j"$(nproc)" sparse HAVE_LLVM=no HAVE_GTK=no HAVE_SQLITE=no \
		>build/tools/sparse/build.log 2>&1 ||
		{ echo "lint-series: building sparse failed; see build/tools/sparse/build.log" >&2; exit 1; }
fi
sparse=$PWD/$sparse
sh "$tree/scripts/checker-valid.sh" "$sparse" | grep -qx 1 ||
	{ echo "lint-series: $sparse cannot parse this kernel" >&2; exit 1; }

# Warnings of KERNEL's build for the given objects, without line numbers
# (a hunk above a warning moves it).
warnings() {   # warnings KERNEL SRC OBJS...
	local k=$1 src=$2 out
	shift 2
	out=$PWD/build/kbuild/$k-guest
	make -s -C "$src" O="$out" W=1 C=2 CHECK="$sparse" "$@" 2>&1 |
		grep -E 'warning:|error:' | sed -E 's|^.*/build/linux[^/]*/||; s/:[0-9]+:[0-9]+:/:/' | sort -u
}

# The C files the patches create or change (tools/ and Documentation/ aside).
files=$(series_files "${names[@]}" | xargs grep -h '^+++ b/' | sed 's|^+++ b/||' |
	grep '\.c$' | grep -v '^tools/\|^Documentation/' | sort -u)
objs=()
base_objs=()
for f in $files; do
	objs+=("${f%.c}.o")
	git -C "$tree" cat-file -e "base:$f" 2>/dev/null && base_objs+=("${f%.c}.o")
done
echo "lint-series: W=1 C=2 (sparse $(cat "${sparse%/sparse}/debian-version" 2>/dev/null || echo '?') from Debian) on ${objs[*]}"
new=$(comm -23 <(warnings "$kid" "$src" "${objs[@]}") \
	<(warnings base build/linux-base "${base_objs[@]}"))
if [ -n "$new" ]; then
	fail=1
	echo "  new warnings:"
	# shellcheck disable=SC2001
	sed 's/^/    /' <<<"$new"
else
	echo "  no new warnings"
fi
if [ "$fail" -ne 0 ]; then
	echo "lint-series: FAILED" >&2
	exit 1
fi
echo "lint-series: ok"
