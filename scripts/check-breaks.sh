#!/usr/bin/env bash
# Show that the tests notice when the series is broken. Each
# tests/breaks/NAME.diff breaks one hunk of the series; its header names
# the scenarios that must then fail ("# Must fail: a b c"). For every
# break (or only those named as arguments): apply it to a worktree of the
# series (build/linux-breaks), build the guest kernel there, run those
# scenarios, and check that each one fails. Prints one line per scenario
# and exits 1 if any scenario passed on a broken kernel or a break no
# longer applies. Slow: breaks that hang the guest wait for the
# scenario's own time limits.
set -euo pipefail

tree=build/linux
wt=build/linux-breaks
[ -d "$tree/.git" ] || { echo "check-breaks: no $tree; run 'make tree' first" >&2; exit 1; }
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	for f in tests/breaks/*.diff; do names+=("$(basename "$f" .diff)"); done
fi
for n in "${names[@]}"; do
	[ -f "tests/breaks/$n.diff" ] || { echo "check-breaks: no tests/breaks/$n.diff" >&2; exit 1; }
done

if [ ! -d "$wt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$PWD/$wt" series
fi
head=$(git -C "$tree" rev-parse series)
make -s guest host
scripts/build-selftests.sh series >/dev/null

bad=0
for n in "${names[@]}"; do
	diff=tests/breaks/$n.diff
	want=$(sed -n 's/^# Must fail: //p' "$diff")
	echo "check-breaks: $n: $(sed -n '1s/^# //p' "$diff")"
	git -C "$wt" checkout -q -f --detach "$head"
	if ! git -C "$wt" apply "$PWD/$diff"; then
		echo "  $diff no longer applies to the series; update it" >&2
		bad=1
		continue
	fi
	scripts/build-kernel.sh breaks guest | tail -n 1
	scripts/initramfs.sh build/kbuild/breaks-guest build/initramfs/breaks-guest.cpio.gz \
		build/selftests/series >/dev/null
	# shellcheck disable=SC2086 # a list of scenario names
	out=$(BENCH_KERNEL=build/kbuild/breaks-guest/arch/x86/boot/bzImage \
		BENCH_INITRD=build/initramfs/breaks-guest.cpio.gz BENCH_LOGS=build/logs/breaks/$n \
		BENCH_QUICK=1 tests/run.sh $want 2>&1) || true
	for s in $want; do
		if grep -q "^not ok - $s:" <<<"$out"; then
			echo "  $s: fails, as it must ($(grep "^not ok - $s:" <<<"$out" | sed 's/^not ok - [^:]*: //'))"
		else
			echo "  $s: PASSED on the broken kernel (logs: build/logs/breaks/$n/$s)"
			bad=1
		fi
	done
done
git -C "$wt" checkout -q -f --detach "$head"
[ "$bad" -eq 0 ] || { echo "check-breaks: FAILED" >&2; exit 1; }
echo "check-breaks: every break was noticed"
