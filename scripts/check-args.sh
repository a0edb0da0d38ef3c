#!/usr/bin/env bash
# Refuse bad make variables before anything expensive (apt, the download,
# a kernel build) runs, and list the valid values. Called by the Makefile
# first for every target that builds or boots:
#   check-args.sh TARGET        (reads KERNEL, CONFIG, TESTS, BREAKS,
#                                BENCH_*, VM_*, STORM_SEED, SOAK_* from the
#                                environment)
set -euo pipefail

target=${1:-}
bad=0
die() { echo "make $target: $*" >&2; bad=1; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_pos() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }

case "${KERNEL:-series}" in
series | base) ;;
*) die "KERNEL='$KERNEL' is not a kernel; use KERNEL=series (build/linux: base + patches/) or KERNEL=base (the unpatched base)" ;;
esac
case "${CONFIG:-}" in
'' | guest | debug) ;;
*) die "CONFIG='$CONFIG' is not a config; use CONFIG=guest (kernel/guest.config) or CONFIG=debug (plus kernel/debug.config)" ;;
esac
if [ "$target" = bench ] && [ -n "${CONFIG:-}" ] && [ "$CONFIG" != guest ]; then
	die "make bench always compares the two 'guest' kernels; drop CONFIG=$CONFIG"
fi

if [ "$target" = check-upstream ] && [ -n "${CONFIG:-}" ] && [ "$CONFIG" != debug ]; then
	die "make check-upstream always runs the two 'debug' kernels; drop CONFIG=$CONFIG"
fi
# run_vmtests.sh categories (its -h lists them), e.g. MM_CATEGORIES="migration cow".
for c in ${MM_CATEGORIES:-}; do
	[[ "$c" =~ ^[a-z][a-z0-9_-]*$ ]] ||
		die "MM_CATEGORIES: '$c' is not a run_vmtests.sh category (e.g. migration, compaction, hugetlb, gup_test, cow, memory-failure)"
done

case "${QEMU:-10}" in
10 | 7.2) ;;
*)
	{ [ -f "$QEMU" ] && [ -x "$QEMU" ]; } ||
		die "QEMU='$QEMU' is not a QEMU; use QEMU=10 (Debian's 10.0 from bookworm-backports, the default), QEMU=7.2 (the machine's) or the path of a qemu-system-x86_64"
	;;
esac

case "${ALLOW_STALE:-0}" in
0 | 1) ;;
*) die "ALLOW_STALE='$ALLOW_STALE' must be 1 (test or measure a build/linux that lacks patches of patches/) or 0" ;;
esac

if [ -n "${SERIES:-}" ] && [ "$SERIES" != all ]; then
	# shellcheck source=scripts/lib-series.sh
	. scripts/lib-series.sh
	is_posting "$SERIES" ||
		die "SERIES='$SERIES' is not a posting; use one of: $(postings | paste -sd' ') (patches/postings), or leave it unset for the whole stack"
fi
if [ -n "${TESTS:-}" ]; then
	all=$(tests/run.sh --list)
	for t in $TESTS; do
		grep -qxF -- "$t" <<<"$all" ||
			die "TESTS: no scenario '$t'; the scenarios are: $(paste -sd' ' <<<"$all")"
	done
fi
if [ -n "${BREAKS:-}" ]; then
	for b in $BREAKS; do
		[ -f "tests/breaks/$b.diff" ] ||
			die "BREAKS: no break '$b'; the breaks are: $(find tests/breaks -name '*.diff' -printf '%f\n' | sed 's/\.diff$//' | sort | paste -sd' ')"
	done
fi

# make run ARGS: --keep and sizes for the demo's walk.
if [ "$target" = run ]; then
	for a in ${ARGS:-}; do
		[ "$a" = --keep ] || [[ "$a" =~ ^[0-9]+[KMGT]?$ ]] ||
			die "ARGS: '$a' is neither --keep nor a size (e.g. 512M, 2G)"
	done
fi

# Sizes the guest launcher takes (host/vm.sh vm_bytes syntax).
for v in VM_BOOT_MEM VM_VMEM_SIZE VM_VMEM_REQ VM_VMEM_BLOCK; do
	val=${!v:-}
	[ -z "$val" ] || [[ "$val" =~ ^[0-9]+[KMGT]?$ ]] ||
		die "$v='$val' is not a size; use bytes or a whole number with K, M, G or T (e.g. 512M)"
done
# Counts, limits and seeds: 0 is a valid seed or number of cycles, but no
# valid number of CPUs, jobs, a time limit or a patch number (the owners,
# e.g. build-prefixes.sh, refuse it too).
for v in STORM_SEED SOAK_RESIZES SOAK_CYCLES; do
	val=${!v:-}
	[ -z "$val" ] || is_uint "$val" || die "$v='$val' must be a whole number"
done
for v in VM_SMP VM_NUMA VM_TIMEOUT VM_BOOT_TIMEOUT CHECK_TIMEOUT CHECK_DEADLINE \
	SOAK_WORKLOAD_MIB JOBS PREFIXES_FROM BENCH_SMP MM_CATEGORY_LIMIT; do
	val=${!v:-}
	[ -z "$val" ] || is_pos "$val" || die "$v='$val' must be a positive whole number (1, 2, ...)"
done
case "${VM_ACCEL:-}" in '' | tcg | kvm | tcg,* | kvm,*) ;; *) die "VM_ACCEL='$VM_ACCEL': use tcg or kvm (empty: probe)" ;; esac

if [ "$target" = bench ] || [ -n "${BENCH_REPS:-}${BENCH_SCENARIOS:-}${BENCH_ACCEL:-}" ]; then
	[ -z "${BENCH_REPS:-}" ] || [[ "$BENCH_REPS" =~ ^[1-9][0-9]*$ ]] ||
		die "BENCH_REPS='$BENCH_REPS' must be a positive number"
	case "${BENCH_ACCEL:-icount}" in icount | mttcg) ;; *) die "BENCH_ACCEL='$BENCH_ACCEL': use icount or mttcg" ;; esac
	if [ -n "${BENCH_SCENARIOS:-}" ]; then
		have=$(bash -c '. bench/scenarios.sh && echo "${BENCH_ALL[*]}"')
		for s in $BENCH_SCENARIOS; do
			grep -qw -- "$s" <<<"${have// /$'\n'}" ||
				die "BENCH_SCENARIOS: no bench scenario '$s'; they are: $have"
		done
	fi
fi
[ "$bad" -eq 0 ] || { echo "make $target: nothing was built or run; 'make help' lists targets and variables." >&2; exit 2; }
