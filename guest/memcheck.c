// SPDX-License-Identifier: GPL-2.0
/*
 * memcheck - hold anonymous memory with a known pattern and verify it.
 *
 *   memcheck [-s SECONDS] [-f STOPFILE] [-H] MIB
 *
 * Maps MIB MiB of anonymous memory, fills every 8-byte word with a value
 * derived from its address, then re-reads and re-verifies all of it in a
 * loop until SECONDS have passed or STOPFILE exists. -H backs the memory
 * with hugetlb pages of the default size (MAP_HUGETLB), which must be in
 * the pool (vm.nr_hugepages). While it runs, the
 * kernel may migrate the pages (memory offlining, alloc_contig_range());
 * any lost or misplaced page shows up as a mismatch.
 *
 * Exit status: 0 no mismatch, 1 mismatch found, 2 usage or setup error.
 * Progress goes to stdout, one line per pass, flushed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mib.h"

static uint64_t pattern(const uint64_t *p, uint64_t pass)
{
	uint64_t v = (uintptr_t)p;

	/* Address-derived, never zero, changes with each refill. */
	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ULL;
	return v ^ (pass << 1) ^ 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *stopfile = NULL;
	double seconds = 0, start;
	uint64_t pass = 0, *mem, *p, *end;
	int opt, flags = MAP_PRIVATE | MAP_ANONYMOUS;
	unsigned long mib;
	size_t bytes;
	long errors = 0;

	while ((opt = getopt(argc, argv, "s:f:H")) != -1) {
		switch (opt) {
		case 's':
			seconds = atof(optarg);
			break;
		case 'f':
			stopfile = optarg;
			break;
		case 'H':
			flags |= MAP_HUGETLB;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	mib = parse_mib("memcheck", argv[optind]);
	if (!mib)
		return 2;
	bytes = (size_t)mib << 20;

	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "memcheck: mmap of %lu MiB failed: %s\n", mib,
			strerror(errno));
		return 2;
	}
	end = mem + bytes / sizeof(*mem);
	setvbuf(stdout, NULL, _IOLBF, 0);

	start = now();
	for (p = mem; p < end; p++)
		*p = pattern(p, 0);
	printf("memcheck: filled %lu MiB in %.2f s\n", mib, now() - start);

	for (pass = 1;; pass++) {
		long bad = 0;

		for (p = mem; p < end; p++) {
			uint64_t want = pattern(p, pass - 1);

			if (*p != want) {
				if (bad < 5)
					printf("memcheck: mismatch at %p (page %zu): got %#llx want %#llx\n",
					       (void *)p, (size_t)((char *)p - (char *)mem) >> 12,
					       (unsigned long long)*p,
					       (unsigned long long)want);
				bad++;
			}
			*p = pattern(p, pass);
		}
		errors += bad;
		printf("memcheck: pass %llu: %ld mismatches\n",
		       (unsigned long long)pass, bad);
		if (seconds && now() - start >= seconds)
			break;
		if (stopfile && access(stopfile, F_OK) == 0)
			break;
	}
	printf("memcheck: %llu passes over %lu MiB, %ld mismatches\n",
	       (unsigned long long)pass, mib, errors);
	return errors ? 1 : 0;

usage:
	fprintf(stderr, "usage: memcheck [-s SECONDS] [-f STOPFILE] [-H] MIB\n");
	return 2;
}
