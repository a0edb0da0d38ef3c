// SPDX-License-Identifier: GPL-2.0
/*
 * fragment - scatter unmovable kernel pages (user page tables) across
 * memory, from userspace, and hold them.
 *
 *   fragment [-m MARGIN_MIB] [-e EVERY] [-n TABLES] [-f STOPFILE]
 *
 * 1. Fill all but MARGIN_MIB (default 24) of MemAvailable with anonymous
 *    memory (movable pages; no THP), so free pages become scarce. The
 *    margin must be small: while any zone still has free pageblocks, the
 *    allocator (ALLOC_NOFRAGMENT) serves kernel allocations from those
 *    rather than from scattered pages.
 * 2. Free one page in every EVERY (default 8) of that filler, leaving
 *    isolated free pages spread over every pageblock.
 * 3. Create TABLES (default 65536) page-table pages: read one byte in each
 *    of TABLES separate 2 MiB ranges of a sparse anonymous mapping. A read
 *    fault maps the shared zero page, so each range costs exactly one PTE
 *    page, an unmovable GFP_KERNEL allocation, and no data page. With only
 *    isolated free pages left, the allocator has to take them from the
 *    holes of step 2, i.e. from movable pageblocks all over memory.
 *    TABLES pages must fit in the freed holes, or the OOM killer ends this
 *    program (the defaults take 256 MiB of the 1/8 freed).
 * 4. Free the filler, keep the page tables, print
 *    "fragment: ready tables=N pagetables_kb=KB" and wait until STOPFILE
 *    exists (or forever without -f; end it with a signal).
 *
 * The result: memory that is almost all free, but whose pageblocks each
 * hold a few unmovable pages, so neither offlining nor alloc_contig_range()
 * can empty them.
 *
 * Exit status: 0 ok, 2 usage or setup error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mib.h"

#define PMD_SPAN	(2UL << 20)

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f) {
		fprintf(stderr, "fragment: cannot open /proc/meminfo: %s\n",
			strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			kb = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	if (kb < 0) {
		fprintf(stderr, "fragment: no %s in /proc/meminfo\n", key);
		exit(2);
	}
	return kb;
}

int main(int argc, char **argv)
{
	unsigned long margin = 24, every = 8, tables = 65536, i;
	unsigned long long num;
	const char *stopfile = NULL;
	long page = sysconf(_SC_PAGESIZE), avail;
	size_t fill;
	volatile char *sparse;
	char *filler, sink = 0;
	int opt;

	while ((opt = getopt(argc, argv, "m:e:n:f:")) != -1) {
		switch (opt) {
		case 'm':
			if (parse_ulong("fragment", "-m", optarg, 0, &num))
				goto usage;
			margin = num;
			break;
		case 'e':
			if (parse_ulong("fragment", "-e", optarg, 1, &num))
				goto usage;
			every = num;
			break;
		case 'n':
			if (parse_ulong("fragment", "-n", optarg, 1, &num))
				goto usage;
			tables = num;
			break;
		case 'f':
			stopfile = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || !every || !tables)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);

	avail = meminfo_kb("MemAvailable");
	if ((unsigned long)avail <= (margin + 64) << 10) {
		fprintf(stderr, "fragment: only %ld kB available, margin is %lu MiB\n",
			avail, margin);
		return 2;
	}
	fill = ((size_t)avail << 10) - (margin << 20);
	filler = mmap(NULL, fill, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (filler == MAP_FAILED) {
		fprintf(stderr, "fragment: mmap of %zu bytes of filler failed: %s\n",
			fill, strerror(errno));
		return 2;
	}
	madvise(filler, fill, MADV_NOHUGEPAGE);
	for (i = 0; i < fill; i += page)
		filler[i] = 1;
	printf("fragment: filled %zu MiB, MemFree %ld kB\n", fill >> 20,
	       meminfo_kb("MemFree"));

	for (i = 0; i + page <= fill; i += every * page)
		if (madvise(filler + i, page, MADV_DONTNEED)) {
			fprintf(stderr, "fragment: MADV_DONTNEED at offset %lu failed: %s\n",
				i, strerror(errno));
			return 2;
		}
	printf("fragment: freed 1 page in %lu, MemFree %ld kB\n", every,
	       meminfo_kb("MemFree"));

	sparse = mmap(NULL, tables * PMD_SPAN, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sparse == MAP_FAILED) {
		fprintf(stderr, "fragment: mmap of %lu x 2 MiB sparse ranges failed: %s\n",
			tables, strerror(errno));
		return 2;
	}
	madvise((void *)sparse, tables * PMD_SPAN, MADV_NOHUGEPAGE);
	for (i = 0; i < tables; i++)
		sink += sparse[i * PMD_SPAN];

	munmap(filler, fill);
	printf("fragment: ready tables=%lu pagetables_kb=%ld memfree_kb=%ld%s\n",
	       tables, meminfo_kb("PageTables"), meminfo_kb("MemFree"),
	       sink ? " (zero page not zero?)" : "");

	for (;;) {
		if (stopfile && access(stopfile, F_OK) == 0)
			break;
		sleep(1);
	}
	return 0;

usage:
	fprintf(stderr, "usage: fragment [-m MARGIN_MIB] [-e EVERY] [-n TABLES] [-f STOPFILE]\n");
	return 2;
}
