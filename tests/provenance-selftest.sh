#!/usr/bin/env bash
# Test of the provenance guard (scripts/provenance.sh, scripts/lib-series.sh)
# on a throwaway kernel tree, without a kernel: a git repository tagged
# base, a posting of two patches in patches/, and the tree changed the
# ways a developer changes it. The guard must see both directions: commits
# in the tree that are in no patch (work on top: a warning) and patches
# that are in no commit (an older tree, or a patch dropped: status 3 unless
# ALLOW_STALE=1), and uncommitted files.
# posting: all (the harness itself: run for every posting)
# timeout: 60
set -euo pipefail

sandbox=$(mktemp -d)
trap 'rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/scripts" "$sandbox/host" "$sandbox/patches/X"
cp scripts/provenance.sh scripts/lib-series.sh scripts/base.env "$sandbox/scripts/"
cp host/vm.sh "$sandbox/host/"
cd "$sandbox"
git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -q -m harness
t=build/linux
g() { git -C "$t" -c user.name=t -c user.email=t@t "$@"; }
mkdir -p "$t" && git -C "$t" init -q
echo one >"$t/f" && g add f && g commit -q -m base && g tag base
echo two >>"$t/f" && g commit -q -am "first change"
echo three >>"$t/f" && g commit -q -am "second change"
g commit -q --allow-empty -m "posting: X"
g format-patch -q -o "$PWD/patches/X" base..HEAD~1
(cd patches/X && ls 0*.patch) >patches/X/series
printf 'X - mm ready\n' >patches/postings

# shellcheck source=tests/lib-selftest.sh
. "$OLDPWD/tests/lib-selftest.sh"
echo "TAP version 13"
echo "1..7"

# prov WANT-STATUS WANT-TREE-LINE DESCRIPTION [ENV...]: provenance of the
# series kernel; its status and its tree= line (without the HEAD hash).
prov() {
	local want_rc=$1 want=$2 desc=$3 out rc=0 got
	shift 3
	out=$(env "$@" scripts/provenance.sh series 2>"$sandbox/err") || rc=$?
	got=$(sed -n 's/^tree=[0-9a-f]* //p' <<<"$out")
	check "$([ "$rc" = "$want_rc" ] && [ "$got" = "$want" ]; echo $?)" "$desc" \
		"got status $rc, '$got'; want $want_rc, '$want'"$'\n'"$(cat "$sandbox/err")"
}

prov 0 "commits-not-in-patches=0 patches-not-in-tree=0 uncommitted-files=0" \
	"a tree made from patches/ matches both ways"
echo four >>"$t/f" && g commit -q -am "work on top"
prov 0 "commits-not-in-patches=1 patches-not-in-tree=0 uncommitted-files=0" \
	"a commit on top is counted, and only warns"
g reset -q --hard HEAD~1
echo dirty >>"$t/f"
prov 0 "commits-not-in-patches=0 patches-not-in-tree=0 uncommitted-files=1" \
	"an uncommitted file is counted"
g checkout -q f
# An older tree: the second patch is not in it.
g reset -q --hard HEAD~2
prov 3 "commits-not-in-patches=0 patches-not-in-tree=1 uncommitted-files=0" \
	"a tree that lacks a patch of patches/ is refused (status 3)"
check "$(grep -q 'patches/X/0002-second-change.patch' "$sandbox/err"; echo $?)" \
	"the refusal names the missing patch" "$(cat "$sandbox/err")"
prov 0 "commits-not-in-patches=0 patches-not-in-tree=1 uncommitted-files=0" \
	"ALLOW_STALE=1 records it and goes on" ALLOW_STALE=1
# An amended patch: in neither direction the same content.
echo "three, amended" >>"$t/f" && g commit -q -am "second change"
prov 3 "commits-not-in-patches=1 patches-not-in-tree=1 uncommitted-files=0" \
	"an amended commit counts both ways"
