#!/usr/bin/env bash
# Show that the tests notice when the series is broken. Each
# tests/breaks/NAME.diff breaks one hunk of the series; its header names
# the scenarios that must then fail ("# Must fail: a b c") and, optionally,
# the check that must fail in one of them ("# Must fail check: SCENARIO:
# TEXT", TEXT a part of the check's description).
#
# First a control: the unbroken series (HEAD of build/linux), built the same
# way, runs every scenario the selected breaks name; they must pass, or a
# failure under a break proves nothing. Then for every break (or only those
# named as arguments): apply it to a worktree of HEAD (build/linux-breaks),
# build the guest kernel there, run its scenarios and classify each:
#   noticed       a check of the scenario failed (the named one, if given)
#   PASSED        the scenario passed on the broken kernel
#   inconclusive  the guest did not boot, the scenario did not run, it also
#                 fails on the control, or only another check failed than
#                 the one named
# Exits 1 unless every scenario of every break was noticed. Slow: breaks
# that hang the guest wait for the scenario's own time limits.
set -euo pipefail

tree=build/linux
wt=build/linux-breaks
logs=build/logs/breaks
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
	git -C "$tree" worktree add -q --detach "$PWD/$wt" HEAD
fi
head=$(git -C "$tree" rev-parse HEAD)
make -s guest host
scripts/build-selftests.sh series >/dev/null

# run_on LOGDIR SCENARIO...: build the worktree as it is and run scenarios.
run_on() {
	local dir=$1
	shift
	scripts/build-kernel.sh breaks guest | tail -n 1
	scripts/initramfs.sh build/kbuild/breaks-guest build/initramfs/breaks-guest.cpio.gz \
		build/selftests/series >/dev/null
	CHECK_KERNEL=build/kbuild/breaks-guest/arch/x86/boot/bzImage \
		CHECK_INITRD=build/initramfs/breaks-guest.cpio.gz CHECK_LOGS="$dir" \
		CHECK_KERNEL_LABEL=breaks CHECK_QUICK=1 tests/run.sh "$@" >"$dir.out" 2>&1 || true
}

# verdict DIR SCENARIO: pass, noboot, notrun or fail:DESCRIPTIONS of the
# failed checks (from the scenario's TAP stream and run.sh's report).
verdict() {
	local dir=$1 s=$2 tap=$1/$2.tap line
	line=$(grep -E "^(not )?ok - $s:" "$dir/report.txt" 2>/dev/null | head -n 1) || true
	[ -n "$line" ] || { echo notrun; return; }
	case "$line" in
	"ok - "*) echo pass; return ;;
	*"not run"*) echo notrun; return ;;
	esac
	grep -q '^Bail out! guest did not boot' "$tap" 2>/dev/null && { echo noboot; return; }
	echo "fail:$(grep -E '^not ok [0-9]+' "$tap" | grep -v '# TODO' | sed -E 's/^not ok [0-9]+ - //' | paste -sd'|')"
}

all_want=()
for n in "${names[@]}"; do
	read -r -a w <<<"$(sed -n 's/^# Must fail: //p' "tests/breaks/$n.diff")"
	all_want+=("${w[@]}")
done
mapfile -t all_want < <(printf '%s\n' "${all_want[@]}" | sort -u)

echo "check-breaks: control: the unbroken series ($head) on ${all_want[*]}"
git -C "$wt" checkout -q -f --detach "$head"
rm -rf "$logs/control"
mkdir -p "$logs/control"
run_on "$logs/control" "${all_want[@]}"
declare -A control
for s in "${all_want[@]}"; do
	control[$s]=$(verdict "$logs/control" "$s")
	[ "${control[$s]}" = pass ] ||
		echo "  control: $s does not pass without a break (${control[$s]}); its results below are inconclusive"
done

noticed=0 passed=0 inconclusive=0
for n in "${names[@]}"; do
	diff=tests/breaks/$n.diff
	read -r -a want <<<"$(sed -n 's/^# Must fail: //p' "$diff")"
	check=$(sed -n 's/^# Must fail check: //p' "$diff" | head -n 1)
	echo "check-breaks: $n: $(sed -n '1s/^# //p' "$diff")"
	git -C "$wt" checkout -q -f --detach "$head"
	if ! git -C "$wt" apply "$PWD/$diff"; then
		echo "  $diff no longer applies to the series; update it" >&2
		inconclusive=$((inconclusive + 1))
		continue
	fi
	rm -rf "${logs:?}/$n"
	mkdir -p "$logs/$n"
	run_on "$logs/$n" "${want[@]}"
	for s in "${want[@]}"; do
		v=$(verdict "$logs/$n" "$s")
		where="logs: $logs/$n/$s"
		if [ "${control[$s]}" != pass ]; then
			echo "  $s: inconclusive: it does not pass on the control either (${control[$s]})"
			inconclusive=$((inconclusive + 1))
			continue
		fi
		case "$v" in
		pass)
			echo "  $s: PASSED on the broken kernel ($where)"
			passed=$((passed + 1))
			;;
		noboot | notrun)
			echo "  $s: inconclusive: $([ "$v" = noboot ] && echo "the broken kernel did not boot" || echo "the scenario did not run") ($where)"
			inconclusive=$((inconclusive + 1))
			;;
		fail:*)
			v=${v#fail:}
			if [ -n "$check" ] && [ "${check%%:*}" = "$s" ] && [[ "$v" != *"${check#*: }"* ]]; then
				echo "  $s: inconclusive: '${check#*: }' did not fail; other checks did: ${v:-none} ($where)"
				inconclusive=$((inconclusive + 1))
			else
				echo "  $s: noticed: ${v:-the scenario failed without a failed check (timeout or exit status)}"
				noticed=$((noticed + 1))
			fi
			;;
		esac
	done
done
git -C "$wt" checkout -q -f --detach "$head"
echo "check-breaks: $noticed noticed, $passed passed on a broken kernel, $inconclusive inconclusive (control and logs in $logs/)"
if [ "$passed" -ne 0 ] || [ "$inconclusive" -ne 0 ]; then
	echo "check-breaks: FAILED" >&2
	exit 1
fi
echo "check-breaks: every break was noticed"
