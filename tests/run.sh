#!/usr/bin/env bash
# Run host-driven scenarios, each under its own hard timeout, keep each TAP
# stream under $CHECK_LOGS, then print a report and
# "N passed, N failed, N skipped[, N todo]". The exit status is the verdict.
#   run.sh [NAME...]     (default: every scenario)
#   run.sh --list        print the scenario names, one per line
#   run.sh --report DIR  judge the TAP streams kept in DIR again (no guest)
#
# A scenario is tests/NAME.sh, except run.sh and helper files, which are
# named lib*.sh. Its time limit is a header line in the file:
#   # timeout: QUICK [FULL]      (seconds; FULL for make check-full)
# default 900 (2700 with check-full). Kernel options a scenario cannot
# run without are another header line:
#   # needs: CONFIG_A [CONFIG_B...]
# and a kernel whose .config (next to the bzImage's build tree) lacks one
# skips the scenario with the reason. A scenario with a header line
#   # on-demand: TARGET
# runs only when named (make TARGET runs it), never by default.
# CHECK_TIMEOUT=N overrides every
# limit; CHECK_DEADLINE=N bounds the whole run (scenarios that would start
# after it are reported as not run, and fail the run); CHECK_STRICT_SKIP=1
# makes any skipped test a failure. If smoke fails, the
# guest itself does not work and the run stops there. SIGINT (Ctrl-C) or
# SIGTERM ends the running scenario (and with it its QEMU), reports the
# rest as not run and exits 130.
set -uo pipefail

scenarios() {
	local f n
	for f in tests/*.sh; do
		n=${f##*/}; n=${n%.sh}
		case "$n" in run | lib*) continue ;; esac
		echo "$n"
	done
}

if [ "${1:-}" = --list ]; then
	scenarios
	exit 0
fi
report_only=0
if [ "${1:-}" = --report ]; then
	report_only=1
	CHECK_LOGS=${2:?usage: run.sh --report DIR}
	[ -f "$CHECK_LOGS/meta.env" ] || { echo "run: $CHECK_LOGS/meta.env not found; not a make check log directory" >&2; exit 2; }
	read -r -a names < <(sed -n 's/^scenarios=//p' "$CHECK_LOGS/meta.env")
	set -- "${names[@]}"
fi

# The names before the CHECK_* rename still work, for scripts that use them.
export CHECK_KERNEL=${CHECK_KERNEL:-${BENCH_KERNEL:-}} CHECK_INITRD=${CHECK_INITRD:-${BENCH_INITRD:-}}
export CHECK_LOGS=${CHECK_LOGS:-${BENCH_LOGS:-}} CHECK_QUICK=${CHECK_QUICK:-${BENCH_QUICK:-}}
logs=${CHECK_LOGS:-build/logs}
quick=${CHECK_QUICK:-1}
mkdir -p "$logs"
# posting_of NAME: the posting the scenario proves (its "# posting:" line).
posting_of() { sed -n '1,40s/^# posting: *\([A-Za-z0-9]*\).*/\1/p' "tests/$1.sh" | head -n 1; }

all=$(scenarios)
names=("$@")
if [ "${#names[@]}" -eq 0 ]; then
	# The harness checks itself first (the scenarios of "posting: all"),
	# then the cheapest end-to-end test; with CHECK_SERIES=NAME (make
	# check SERIES=NAME) only the scenarios that prove posting NAME follow.
	names=() rest=()
	while read -r n; do
		if grep -q '^# on-demand:' <(head -n 40 "tests/$n.sh"); then
			continue
		elif [ "$(posting_of "$n")" = all ]; then
			[ "$n" = smoke ] || names+=("$n")
		elif [ -z "${CHECK_SERIES:-}" ] || [ "$(posting_of "$n")" = "$CHECK_SERIES" ]; then
			rest+=("$n")
		fi
	done <<<"$all"
	names+=(smoke "${rest[@]}")
fi
for n in "${names[@]}"; do
	grep -qxF -- "$n" <<<"$all" && continue
	echo "run: no scenario '$n'; the scenarios are: $(paste -sd' ' <<<"$all")" >&2
	exit 2
done

# timeout_of NAME: the scenario's limit in seconds.
timeout_of() {
	local q f
	[ -z "${CHECK_TIMEOUT:-${BENCH_SCENARIO_TIMEOUT:-}}" ] || { echo "${CHECK_TIMEOUT:-$BENCH_SCENARIO_TIMEOUT}"; return; }
	read -r q f < <(sed -n '1,40s/^# timeout: *\([0-9]\+\)\( \+[0-9]\+\)\?.*/\1 \2/p' "tests/$1.sh" | head -n 1)
	q=${q:-900}
	f=${f:-$((q * 3))}
	if [ "$quick" = 1 ]; then echo "$q"; else echo "$f"; fi
}

# missing_options NAME: the options of its "# needs:" line that the
# kernel under test does not have (none if its .config is unknown).
missing_options() {
	local cfg=${CHECK_KERNEL%/arch/*}/.config opt
	[ -f "$cfg" ] || return 0
	for opt in $(sed -n '1,40s/^# needs: *//p' "tests/$1.sh" | head -n 1); do
		grep -qE "^$opt=(y|m)$" "$cfg" || echo "$opt"
	done
}

pass_total=0 fail_total=0 skip_total=0 todo_total=0
report=() report_names=() report_words=()
stopped=
# A scenario runs in a process group of its own (timeout(1) makes one),
# which a terminal's SIGINT does not reach: pass the signal on.
child=
on_signal() {
	stopped="interrupted by SIG$1"
	[ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
start_all=$SECONDS

# judge NAME RC LIMIT SECS: the verdict on NAME's kept TAP stream and exit
# status; adds its report line(s) and counts. Sets status.
judge() {
	local n=$1 rc=$2 limit=$3 secs=$4 summary line reason pass fail skip todo kv word extra
	summary=$(perl tests/tap-summary.pl "$logs/$n.tap")
	read -r line <<<"$summary"
	reason=${line#* reason=}
	pass=0 fail=1 skip=0 todo=0 status=fail
	for kv in ${line%% reason=*}; do
		case "$kv" in
		pass=*) pass=${kv#*=} ;;
		fail=*) fail=${kv#*=} ;;
		skip=*) skip=${kv#*=} ;;
		todo=*) todo=${kv#*=} ;;
		status=*) status=${kv#*=} ;;
		esac
	done
	local src="# timeout: in tests/$n.sh"
	[ -z "${CHECK_TIMEOUT:-${BENCH_SCENARIO_TIMEOUT:-}}" ] || src="CHECK_TIMEOUT"
	[ -z "${CHECK_DEADLINE:-}" ] || src="$src, or what was left of CHECK_DEADLINE"
	[ "$rc" -eq 124 ] && reason="timed out after ${limit}s ($src)${reason:+; $reason}"
	[[ "$stopped" != interrupted* ]] || reason="$stopped${reason:+; $reason}"
	# CHECK_STRICT_SKIP=1: a skip proves nothing, so it fails the scenario
	# (for runs where every prerequisite is known to be there).
	if [ "${CHECK_STRICT_SKIP:-0}" = 1 ] && [ "$skip" -gt 0 ]; then
		status=fail; fail=$((fail + skip)); reason="$skip skipped, and CHECK_STRICT_SKIP=1${reason:+; $reason}"
	fi
	# kselftest's KSFT_SKIP: exit 4 with a skipped stream is a skip.
	[ "$rc" -eq 4 ] && [ "$status" = ok ] && [ "$skip" -gt 0 ] && rc=0
	if [ "$rc" -ne 0 ] && [ "$status" = ok ]; then
		status=fail; fail=$((fail + 1)); reason="exit status $rc${reason:+; $reason}"
	fi
	pass_total=$((pass_total + pass))
	fail_total=$((fail_total + fail))
	skip_total=$((skip_total + skip))
	todo_total=$((todo_total + todo))
	word="ok"; [ "$status" = ok ] || word="not ok"
	report_names+=("$n") report_words+=("$word")
	report+=("$word - $n: $pass passed, $fail failed, $skip skipped, $todo todo ($secs s)${reason:+ - $reason}")
	while IFS= read -r extra; do report+=("      $extra"); done < <(tail -n +2 <<<"$summary")
}

if [ "$report_only" = 1 ]; then
	for n in "${names[@]}"; do
		if [ ! -f "$logs/$n.tap" ]; then
			fail_total=$((fail_total + 1))
			report+=("not ok - $n: not run (no $logs/$n.tap)")
			report_names+=("$n") report_words+=("not run")
			continue
		fi
		read -r rc limit secs <"$logs/$n.rc" 2>/dev/null || { rc=0 limit='?' secs='?'; }
		judge "$n" "$rc" "$limit" "$secs"
	done
	names=()
else
	# What this run tested, in the log directory and at the top of the report.
	# Status 3: the kernel under test was not built from patches/.
	prc=0
	scripts/provenance.sh ${CHECK_KERNEL_LABEL:+"$CHECK_KERNEL_LABEL"} >"$logs/meta.env" || prc=$?
	if [ "$prc" = 3 ]; then
		echo "run: not testing a kernel that lacks patches of patches/ (see above)" >&2
		exit 1
	fi
	[ "$prc" = 0 ] || echo "provenance=unknown" >"$logs/meta.env"
	{
		if [ -f "${CHECK_KERNEL:-}" ]; then
			echo "kernel=$CHECK_KERNEL sha256 $(sha256sum <"$CHECK_KERNEL" | cut -c1-12)"
		else
			echo "kernel=none"
		fi
		echo "initramfs=${CHECK_INITRD:-?}"
		echo "quick=$quick"
		echo "scenarios=${names[*]}"
	} >>"$logs/meta.env"
fi

for n in "${names[@]}"; do
	if [ -n "$stopped" ]; then
		fail_total=$((fail_total + 1))
		report+=("not ok - $n: not run ($stopped)")
		report_names+=("$n") report_words+=("not run")
		continue
	fi
	limit=$(timeout_of "$n")
	if [ -n "${CHECK_DEADLINE:-}" ]; then
		left=$((CHECK_DEADLINE - (SECONDS - start_all)))
		if [ "$left" -lt 60 ]; then
			stopped="CHECK_DEADLINE of ${CHECK_DEADLINE}s reached"
			fail_total=$((fail_total + 1))
			report+=("not ok - $n: not run ($stopped)")
			report_names+=("$n") report_words+=("not run")
			continue
		fi
		[ "$left" -ge "$limit" ] || limit=$left
	fi
	echo "# scenario $n (limit ${limit}s; logs in $logs/$n/)"
	start=$SECONDS
	missing=$(missing_options "$n" | paste -sd' ')
	if [ -n "$missing" ]; then
		printf 'TAP version 13\n1..0 # SKIP needs %s, which %s lacks\n' "$missing" \
			"${CHECK_KERNEL%/arch/*}/.config" | tee "$logs/$n.tap" | sed 's/^/    /'
		echo "0 $limit 0" >"$logs/$n.rc"
		judge "$n" 0 "$limit" 0
		continue
	fi
	# Each link dies with its parent, so killing this runner also ends the
	# scenario and (through host/vm.sh) its QEMU. It runs in the
	# background so that a signal's trap runs at once (bash defers traps
	# until a foreground job ends); the log's writer ignores SIGINT, so
	# what the scenario prints until it ends is kept.
	exec {out}> >(trap '' INT; tee "$logs/$n.tap" | sed -u 's/^/    /')
	writer=$!
	setpriv --pdeathsig KILL -- timeout -k 10 "$limit" \
		setpriv --pdeathsig TERM -- bash "tests/$n.sh" >&"$out" 2>&1 &
	child=$!
	# wait returns early when a trapped signal arrives: wait again.
	while wait "$child"; rc=$?; kill -0 "$child" 2>/dev/null; do :; done
	child=
	exec {out}>&-
	wait "$writer" 2>/dev/null || true
	echo "$rc $limit $((SECONDS - start))" >"$logs/$n.rc"
	judge "$n" "$rc" "$limit" $((SECONDS - start))
	if [ "$n" = smoke ] && [ "$status" != ok ] && [ "${#names[@]}" -gt 1 ]; then
		stopped="smoke failed"
		echo "run: smoke failed: the guest does not boot or plug memory, so every other scenario would fail too." >&2
		echo "run: stopping here; see $logs/smoke.tap and $logs/smoke/ (console.log, guest.log, qemu.cmd, qemu.err)." >&2
	fi
done

echo
echo "# report (logs in $logs/; what was tested: $logs/meta.env)"
sed 's/^/# /' "$logs/meta.env"
# The whole run as one KTAP stream, each scenario a subtest, for tools
# such as the kernel's kunit.py parse (results.ktap in the log directory).
ktap_results() {
	local n i=0 line
	echo "KTAP version 1"
	echo "1..${#report_names[@]}"
	for n in "${report_names[@]}"; do
		i=$((i + 1))
		echo "    KTAP version 1"
		echo "    # Subtest: $n"
		if [ "${report_words[$((i - 1))]}" != "not run" ] && [ -f "$logs/$n.tap" ]; then
			# TAP lines only: harness messages on stderr would read as
			# garbage in the nested stream.
			grep -E '^(1\.\.|(not )?ok( |$)|#|Bail out!)' "$logs/$n.tap" | sed 's/^/    /'
		else
			echo "    1..0 # SKIP not run"
		fi
		line=${report_words[$((i - 1))]}
		echo "${line/not run/not ok} $i $n"
	done
}

msg="$pass_total passed, $fail_total failed, $skip_total skipped"
[ "$todo_total" -gt 0 ] && msg="$msg, ${todo_total} todo"
if [ "$report_only" = 1 ]; then
	printf '%s\n' "${report[@]}" "$msg"
	ktap_results >"$logs/results.ktap"
else
	printf '%s\n' "${report[@]}" "$msg" | tee "$logs/report.txt"
	ktap_results >"$logs/results.ktap"
fi
if [ "$fail_total" -ne 0 ]; then
	echo "# a failed check prints '# got ..., want ...' or the command and its output under its 'not ok' line above;"
	echo "# each scenario keeps console.log, guest.log (every guest command and its status), qemu.cmd and qemu.err in $logs/NAME/"
fi
[[ "$stopped" != interrupted* ]] || exit 130
[ "$fail_total" -eq 0 ]
