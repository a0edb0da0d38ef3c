# Entry points of the PageOffline series bench. The work is done by the
# scripts in scripts/, host/, guest/, tests/ and bench/; this file only
# wires them together. 'make' (or 'make help') lists the targets and the
# variables; nothing is built or installed until a target asks for it.

SHELL := /bin/bash
.DEFAULT_GOAL := help
# The steps share build/ and apt; run them one at a time even under -j.
.NOTPARALLEL:

KERNEL ?= series
# SERIES=NAME: the stack of posting NAME (patches/postings), i.e. the base
# plus every posting NAME requires plus NAME; default (or "all"): every
# posting.
STACK = $(filter-out all,$(SERIES))
# The kernel's name in build paths: series, series-NAME or base.
KID = $(if $(filter series,$(KERNEL)),series$(if $(STACK),-$(STACK)),$(KERNEL))
# CONFIG defaults to guest for run/shell/bench and debug for check.
CFG = $(or $(CONFIG),guest)
KBUILD = build/kbuild/$(KID)-$(CFG)
BZIMAGE = $(KBUILD)/arch/x86/boot/bzImage
INITRD = build/initramfs/$(KID)-$(CFG).cpio.gz

.PHONY: help all args deps tree export prefixes kernel host guest selftests initramfs run shell \
	check check-full check-only check-quick check-upstream report check-breaks bench soak lint lint-series clean

help:
	@echo "PageOffline series bench. Targets:"
	@echo "  make run          boot the series kernel and walk a resize 0 -> 2G -> 512M -> 3G -> 0 (ARGS=--keep: leave it up)"
	@echo "  make shell        boot a guest with a virtio-mem device and get a shell prompt in it, plus vmemctl"
	@echo "  make check        every test scenario on the series kernel, debug config (TESTS=\"smoke unbind\": a subset)"
	@echo "  make check-full   the same with the long repetitions"
	@echo "  make check-only   make check's scenarios on the kernel and initramfs already built (no deps, no build)"
	@echo "  make check-quick  the harness's own tests, no kernel (shellcheck, break headers, runner, TAP summariser, QMP client; ~30 s)"
	@echo "  make report       the last make check's report again, from its kept TAP streams (no guest)"
	@echo "  make bench        base vs series benchmark (about 1 h), writes bench/results.md"
	@echo "  make soak         long random resize/offline/online run with PFN walkers (on demand; SOAK_RESIZES=...)"
	@echo "  make kernel       only build the kernel (build/kbuild/KERNEL-CONFIG/)"
	@echo "  make tree         (re)create build/linux: base + the postings of patches/ (refuses to drop unexported work; backs up)"
	@echo "  make export       write build/linux base..HEAD back to patches/NAME/, split at the posting markers"
	@echo "  make prefixes     build every prefix of the series (SERIES=NAME: of one posting, on its stack; PREFIXES_FROM=N)"
	@echo "  make lint-series  each posting on its stack, the base's Debian changes, checkpatch, W=1 and sparse (SERIES=NAME: one)"
	@echo "  make check-upstream  the mm kselftests linux-mm's CI runs (run_vmtests.sh categories, hotplug), base vs series, side by side (slow)"
	@echo "  make check-breaks break the series hunk by hunk and require the scenarios to fail (about 1 h)"
	@echo "  make lint         shellcheck the harness"
	@echo "  make deps         install the Debian packages the bench needs"
	@echo "  make clean        remove build products (keeps build/linux, build/base and build/backup)"
	@echo "Variables:"
	@echo "  KERNEL=series|base   kernel to build and boot (default series)"
	@echo "  SERIES=NAME          the stack of one posting: base + what NAME requires + NAME ($$(. scripts/lib-series.sh && postings | paste -sd' '); default all)"
	@echo "  CONFIG=guest|debug   kernel config (default: debug for check, guest otherwise)"
	@echo "  TESTS=\"a b\"          scenarios for make check: $$(tests/run.sh --list | paste -sd' ')"
	@echo "  BREAKS=\"a b\"         breaks for make check-breaks (tests/breaks/*.diff)"
	@echo "  QEMU=10|7.2|PATH     QEMU to boot: 10.0 from bookworm-backports (default, build/qemu/10), the machine's 7.2, or a binary"
	@echo "  more (VM_*, BENCH_*, CHECK_*, SOAK_*, STORM_SEED, JOBS): README.md, 'Environment variables'"
	@source scripts/base.env && echo "Base kernel: $$BASE_PKG $$BASE_VERSION (scripts/base.env)"

all: help

# Bad variables are refused here, before apt, a download or a build.
args:
	@KERNEL='$(KERNEL)' CONFIG='$(CONFIG)' SERIES='$(SERIES)' TESTS='$(TESTS)' BREAKS='$(BREAKS)' ARGS='$(ARGS)' \
		scripts/check-args.sh "$(firstword $(MAKECMDGOALS))"

deps: args
	@scripts/deps.sh

build/linux/.git:
	@$(MAKE) -s deps
	@scripts/tree.sh

tree: deps
	@SERIES='$(STACK)' scripts/tree.sh

export: args
	@SERIES='$(STACK)' scripts/export.sh

# Build every prefix of each posting on its own stack (bisectability).
prefixes: deps build/linux/.git
	@SERIES='$(STACK)' scripts/build-prefixes.sh

kernel: deps build/linux/.git
	@scripts/build-kernel.sh $(KID) $(CFG)

host: deps
	@$(MAKE) -s -C host

guest: deps
	@$(MAKE) -s -C guest

# After the kernel: building the base kernel creates build/linux-base.
selftests: deps build/linux/.git kernel
	@scripts/build-selftests.sh $(KID)

initramfs: kernel guest selftests
	@scripts/initramfs.sh $(KBUILD) $(INITRD) build/selftests/$(KID)

run: CFG = $(or $(CONFIG),guest)
run: args host initramfs
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) scripts/demo.sh $(ARGS)

shell: CFG = $(or $(CONFIG),guest)
shell: args host initramfs
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) scripts/shell.sh

check: CFG = $(or $(CONFIG),debug)
check: args host initramfs
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) CHECK_LOGS=build/logs/$(KID)-$(CFG) \
		CHECK_KERNEL_LABEL=$(KID) CHECK_SERIES='$(STACK)' CHECK_QUICK=1 tests/run.sh $(TESTS)

check-full: CFG = $(or $(CONFIG),debug)
check-full: args host initramfs
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) CHECK_LOGS=build/logs/$(KID)-$(CFG) \
		CHECK_KERNEL_LABEL=$(KID) CHECK_SERIES='$(STACK)' CHECK_QUICK=0 tests/run.sh $(TESTS)

# make check's scenarios on the kernel and initramfs already built: no
# deps, no kernel or initramfs build (kunit.py's exec).
check-only: CFG = $(or $(CONFIG),debug)
check-only: args
	@[ -f $(BZIMAGE) ] && [ -f $(INITRD) ] || \
		{ echo "make check-only: $(BZIMAGE) or $(INITRD) is not built; run make check, or make initramfs CONFIG=$(CFG)$(if $(filter base,$(KERNEL)), KERNEL=base), first" >&2; exit 1; }
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) CHECK_LOGS=build/logs/$(KID)-$(CFG) \
		CHECK_KERNEL_LABEL=$(KID) CHECK_SERIES='$(STACK)' CHECK_QUICK=1 tests/run.sh $(TESTS)

# The harness's own tests without a kernel: shellcheck, the TAP
# summariser, the scenario runner and the bench driver on fake scenarios,
# the provenance guard on a throwaway tree, the make variable checks,
# and the QMP client against saved transcripts and a paused QEMU.
check-quick: args lint host
	@CHECK_LOGS=build/logs/quick tests/run.sh tap-selftest runner-selftest bench-selftest provenance-selftest args-selftest vmemctl

# The mm kselftests linux-mm's CI runs, on the base and on the series
# (debug config), compared test by test. Slow under TCG; not in make check.
check-upstream: args host
	@$(MAKE) -s initramfs KERNEL=base CONFIG=debug
	@$(MAKE) -s initramfs KERNEL=series CONFIG=debug SERIES='$(STACK)'
	@scripts/check-upstream.sh series$(if $(STACK),-$(STACK))

# Judge the kept TAP streams of the last make check again, without a guest.
report: CFG = $(or $(CONFIG),debug)
report: args
	@tests/run.sh --report build/logs/$(KID)-$(CFG)

# Both kernels with the same non-debug config, then the interleaved runs.
bench: args host
	@$(MAKE) -s initramfs KERNEL=base CONFIG=guest
	@$(MAKE) -s initramfs KERNEL=series CONFIG=guest SERIES='$(STACK)'
	@BENCH_SERIES_KERNEL=$${BENCH_SERIES_KERNEL:-build/kbuild/series$(if $(STACK),-$(STACK))-guest/arch/x86/boot/bzImage} \
		BENCH_SERIES_INITRD=$${BENCH_SERIES_INITRD:-build/initramfs/series$(if $(STACK),-$(STACK))-guest.cpio.gz} \
		BENCH_SERIES='$(STACK)' bench/run.sh

# Soak: long random run on the debug kernel (not part of check or CI).
soak: CFG = $(or $(CONFIG),debug)
soak: args host initramfs
	@CHECK_KERNEL=$(BZIMAGE) CHECK_INITRD=$(INITRD) CHECK_KERNEL_LABEL=$(KID) \
		SOAK_LOGS=build/logs/soak-$(KID)-$(CFG) scripts/soak.sh

# Break the series hunk by hunk (tests/breaks/) and check that the tests
# notice; BREAKS="name ..." for a subset. Slow (about an hour).
check-breaks: deps build/linux/.git
	@scripts/check-breaks.sh $(BREAKS)

lint: deps
	@shellcheck -x scripts/*.sh tests/*.sh host/*.sh bench/*.sh guest/init .ci/run
	@scripts/check-breaks.sh --headers

# checkpatch, W=1 and sparse on the series (needs both guest kernels).
lint-series: deps build/linux/.git
	@SERIES='$(STACK)' scripts/lint-series.sh

clean:
	rm -rf build/kbuild build/initramfs build/host build/guest build/logs build/selftests
