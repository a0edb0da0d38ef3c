#!/usr/bin/env bash
# Show that the tests notice when the series is broken. Each
# tests/breaks/NAME.diff breaks one hunk of the series; its header names
# the scenarios that must then fail ("# Must fail: a b c") and, optionally,
# the check that must fail in one of them ("# Must fail check: SCENARIO:
# TEXT", TEXT a part of the check's description), and optionally the
# kernel config it needs ("# Config: debug"; default guest), for
# scenarios whose prerequisites only the debug config has (KUnit, the
# hwpoison injector, DEBUG_VM's warnings).
#
# 'check-breaks.sh --headers' only checks the headers of every break (in
# make lint): each names scenarios that exist, a known config, and a
# check in one of its scenarios.
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
breaks=${BREAKS_DIR:-tests/breaks}
headers_only=0
[ "${1:-}" != --headers ] || { headers_only=1; shift; }
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	for f in "$breaks"/*.diff; do names+=("$(basename "$f" .diff)"); done
fi

# config_of NAME: the kernel config break NAME runs on.
config_of() {
	local c
	c=$(sed -n 's/^# Config: *//p' "$breaks/$1.diff" | head -n 1)
	echo "${c:-guest}"
}

# headers_ok NAME: its header is complete and names what exists.
headers_ok() {
	local f=$breaks/$1.diff s check c ok=0
	local -a want
	[ -f "$f" ] || { echo "check-breaks: no $f (the breaks are: $(for b in "$breaks"/*.diff; do basename "$b" .diff; done | paste -sd' '))" >&2; return 1; }
	read -r -a want <<<"$(sed -n 's/^# Must fail: //p' "$f")"
	[ "${#want[@]}" -gt 0 ] || { echo "check-breaks: $f: no '# Must fail: SCENARIO...' line" >&2; ok=1; }
	for s in "${want[@]}"; do
		[ -f "tests/$s.sh" ] || { echo "check-breaks: $f: no scenario '$s' (tests/$s.sh)" >&2; ok=1; }
	done
	check=$(sed -n 's/^# Must fail check: //p' "$f" | head -n 1)
	if [ -n "$check" ] && [[ " ${want[*]} " != *" ${check%%:*} "* ]]; then
		echo "check-breaks: $f: '# Must fail check:' names '${check%%:*}', not one of its scenarios (${want[*]})" >&2
		ok=1
	fi
	c=$(config_of "$1")
	case "$c" in
	guest | debug) ;;
	*) echo "check-breaks: $f: '# Config: $c' is not guest or debug" >&2; ok=1 ;;
	esac
	return "$ok"
}

bad=0
for n in "${names[@]}"; do headers_ok "$n" || bad=1; done
[ "$bad" = 0 ] || exit 1
if [ "$headers_only" = 1 ]; then
	echo "check-breaks: the headers of ${#names[@]} breaks are complete"
	exit 0
fi
[ -d "$tree/.git" ] || { echo "check-breaks: no $tree; run 'make tree' first" >&2; exit 1; }

if [ ! -d "$wt" ]; then
	git -C "$tree" worktree prune
	git -C "$tree" worktree add -q --detach "$PWD/$wt" HEAD
fi
head=$(git -C "$tree" rev-parse HEAD)
make -s guest host
scripts/build-selftests.sh series >/dev/null

# run_on LOGDIR CONFIG SCENARIO...: build the worktree as it is with
# CONFIG and run scenarios.
run_on() {
	local dir=$1 cfg=$2
	shift 2
	scripts/build-kernel.sh breaks "$cfg" | tail -n 1
	scripts/initramfs.sh "build/kbuild/breaks-$cfg" "build/initramfs/breaks-$cfg.cpio.gz" \
		build/selftests/series >/dev/null
	CHECK_KERNEL=build/kbuild/breaks-$cfg/arch/x86/boot/bzImage \
		CHECK_INITRD=build/initramfs/breaks-$cfg.cpio.gz CHECK_LOGS="$dir" \
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

# The control: the unbroken series on each config the breaks need, with
# the scenarios of the breaks on that config.
declare -A control
mapfile -t configs < <(for n in "${names[@]}"; do config_of "$n"; done | sort -u)
for cfg in "${configs[@]}"; do
	all_want=()
	for n in "${names[@]}"; do
		[ "$(config_of "$n")" = "$cfg" ] || continue
		read -r -a w <<<"$(sed -n 's/^# Must fail: //p' "$breaks/$n.diff")"
		all_want+=("${w[@]}")
	done
	mapfile -t all_want < <(printf '%s\n' "${all_want[@]}" | sort -u)
	echo "check-breaks: control: the unbroken series ($head, $cfg config) on ${all_want[*]}"
	git -C "$wt" checkout -q -f --detach "$head"
	rm -rf "$logs/control-$cfg"
	mkdir -p "$logs/control-$cfg"
	run_on "$logs/control-$cfg" "$cfg" "${all_want[@]}"
	for s in "${all_want[@]}"; do
		control[$cfg:$s]=$(verdict "$logs/control-$cfg" "$s")
		[ "${control[$cfg:$s]}" = pass ] ||
			echo "  control: $s does not pass without a break on the $cfg config (${control[$cfg:$s]}); its results below are inconclusive"
	done
done

noticed=0 passed=0 inconclusive=0
for n in "${names[@]}"; do
	diff=$breaks/$n.diff
	cfg=$(config_of "$n")
	read -r -a want <<<"$(sed -n 's/^# Must fail: //p' "$diff")"
	check=$(sed -n 's/^# Must fail check: //p' "$diff" | head -n 1)
	echo "check-breaks: $n ($cfg config): $(sed -n '1s/^# //p' "$diff")"
	git -C "$wt" checkout -q -f --detach "$head"
	if ! git -C "$wt" apply "$PWD/$diff"; then
		echo "  $diff no longer applies to the series; update it" >&2
		inconclusive=$((inconclusive + 1))
		continue
	fi
	rm -rf "${logs:?}/$n"
	mkdir -p "$logs/$n"
	run_on "$logs/$n" "$cfg" "${want[@]}"
	for s in "${want[@]}"; do
		v=$(verdict "$logs/$n" "$s")
		where="logs: $logs/$n/$s"
		if [ "${control[$cfg:$s]}" != pass ]; then
			echo "  $s: inconclusive: it does not pass on the control either (${control[$cfg:$s]})"
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
