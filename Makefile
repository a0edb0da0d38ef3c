# Entry points of the PageOffline series bench. The work is done by the
# scripts in scripts/, host/, guest/, tests/ and bench/; this file only
# wires them together.
#
#   make run      build what is missing, boot the series kernel, walk a resize
#   make check    run every test scenario (TAP), print "N passed, N failed"
#   make bench    series vs base benchmark, writes bench/results.md
#   make tree     (re)create build/linux: Linux 7.3 base + patches/
#   make export   write build/linux base..HEAD back to patches/
#
# KERNEL=series|base picks the kernel, CONFIG=guest|debug its config.

SHELL := /bin/bash
KERNEL ?= series
# CONFIG defaults to guest for run/bench and debug for check.
CFG = $(or $(CONFIG),guest)
KBUILD = build/kbuild/$(KERNEL)-$(CFG)
BZIMAGE = $(KBUILD)/arch/x86/boot/bzImage
INITRD = build/initramfs/$(KERNEL)-$(CFG).cpio.gz

.PHONY: all deps tree export prefixes kernel host guest selftests initramfs run check \
	check-full check-breaks bench lint lint-series clean

all: run

deps:
	@scripts/deps.sh

build/linux/.git:
	@$(MAKE) -s deps
	@scripts/tree.sh

tree: deps
	@scripts/tree.sh

export:
	@scripts/export.sh

# Build every prefix of the series (bisectability).
prefixes: deps build/linux/.git
	@scripts/build-prefixes.sh

kernel: deps build/linux/.git
	@scripts/build-kernel.sh $(KERNEL) $(CFG)

host: deps
	@$(MAKE) -s -C host

guest: deps
	@$(MAKE) -s -C guest

selftests: deps build/linux/.git
	@scripts/build-selftests.sh $(KERNEL)

initramfs: kernel guest selftests
	@scripts/initramfs.sh $(KBUILD) $(INITRD) build/selftests/$(KERNEL)

run: CFG = $(or $(CONFIG),guest)
run: host initramfs
	@BENCH_KERNEL=$(BZIMAGE) BENCH_INITRD=$(INITRD) scripts/demo.sh $(ARGS)

check: CFG = $(or $(CONFIG),debug)
check: host initramfs
	@BENCH_KERNEL=$(BZIMAGE) BENCH_INITRD=$(INITRD) BENCH_LOGS=build/logs/$(KERNEL)-$(CFG) \
		BENCH_QUICK=1 tests/run.sh $(TESTS)

check-full: CFG = $(or $(CONFIG),debug)
check-full: host initramfs
	@BENCH_KERNEL=$(BZIMAGE) BENCH_INITRD=$(INITRD) BENCH_LOGS=build/logs/$(KERNEL)-$(CFG) \
		BENCH_QUICK=0 tests/run.sh $(TESTS)

# Both kernels with the same non-debug config, then the interleaved runs.
bench: host
	@$(MAKE) -s initramfs KERNEL=base CONFIG=guest
	@$(MAKE) -s initramfs KERNEL=series CONFIG=guest
	@bench/run.sh

# Break the series hunk by hunk (tests/breaks/) and check that the tests
# notice; BREAKS="name ..." for a subset. Slow (about an hour).
check-breaks: deps build/linux/.git
	@scripts/check-breaks.sh $(BREAKS)

lint:
	@shellcheck -x scripts/*.sh tests/*.sh host/*.sh bench/*.sh guest/init

# checkpatch, W=1 and sparse on the series (needs both guest kernels).
lint-series: deps build/linux/.git
	@scripts/lint-series.sh

clean:
	rm -rf build/kbuild build/initramfs build/host build/guest build/logs build/selftests
