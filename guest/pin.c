// SPDX-License-Identifier: GPL-2.0
/*
 * pin - hold references on anonymous pages for a while, as a pipe does.
 *
 *   pin MIB SECONDS
 *
 * Maps MIB MiB of anonymous memory (no THP), touches every page and
 * splices the pages into pipes with vmsplice(2). Each pipe buffer holds a
 * reference on its page, and migrating a page with a reference nobody
 * accounts for fails, so memory offlining and alloc_contig_range() cannot
 * move these pages until the buffers are read: a transient pin.
 *
 * Prints "pin: pinned N pages in blocks B..." (the memory blocks holding
 * the pages, from /proc/self/pagemap, which needs root), sleeps SECONDS
 * seconds or until SIGUSR1 arrives (a test that releases the pin at a
 * moment of its choosing), reads the pipes empty (dropping the
 * references), prints "pin: released at T" (T: CLOCK_BOOTTIME in seconds,
 * the clock of /proc/uptime) and exits. Exit status: 0 ok, 1 a step
 * failed, 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mib.h"

#define PIPE_BYTES	(1 << 20)	/* the default pipe-max-size */

/* SIGUSR1 only has to interrupt sleep(). */
static void on_usr1(int sig)
{
	(void)sig;
}

static unsigned long block_pages(void)
{
	unsigned long bytes = 0;
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");

	if (f) {
		if (fscanf(f, "%lx", &bytes) != 1)
			bytes = 0;
		fclose(f);
	}
	return bytes / getpagesize();
}

int main(int argc, char **argv)
{
	const long psize = getpagesize();
	unsigned long mib, secs, pages, per_pipe, i, blk_pages, nr_blocks = 0;
	unsigned long long num;
	unsigned long blocks[64];
	struct sigaction sa = { .sa_handler = on_usr1 };
	int (*pipes)[2], nr_pipes, pm;
	char *mem, *buf;
	struct timespec ts;

	if (argc != 3) {
		fprintf(stderr, "usage: pin MIB SECONDS\n");
		return 2;
	}
	mib = parse_mib("pin", argv[1]);
	if (!mib || parse_ulong("pin", "seconds", argv[2], 0, &num))
		return 2;
	secs = num;
	pages = (mib << 20) / psize;
	per_pipe = PIPE_BYTES / psize;
	nr_pipes = (pages + per_pipe - 1) / per_pipe;
	blk_pages = block_pages();
	if (!pages || !blk_pages) {
		fprintf(stderr, "pin: nothing to pin, or no memory block size\n");
		return 2;
	}

	sigaction(SIGUSR1, &sa, NULL);
	mem = mmap(NULL, pages * psize, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pipes = calloc(nr_pipes, sizeof(*pipes));
	buf = malloc(PIPE_BYTES);
	if (mem == MAP_FAILED || !pipes || !buf) {
		fprintf(stderr, "pin: out of memory\n");
		return 1;
	}
	madvise(mem, pages * psize, MADV_NOHUGEPAGE);
	memset(mem, 0x5a, pages * psize);

	for (i = 0; i < (unsigned long)nr_pipes; i++) {
		unsigned long first = i * per_pipe, n = pages - first, p;

		if (n > per_pipe)
			n = per_pipe;
		if (pipe(pipes[i]) || fcntl(pipes[i][1], F_SETPIPE_SZ, PIPE_BYTES) < 0) {
			fprintf(stderr, "pin: pipe: %s\n", strerror(errno));
			return 1;
		}
		/* One iovec per page: one pipe buffer, one reference each. */
		for (p = first; p < first + n; p++) {
			struct iovec iov = { mem + p * psize, psize };

			if (vmsplice(pipes[i][1], &iov, 1, 0) != psize) {
				fprintf(stderr, "pin: vmsplice: %s\n", strerror(errno));
				return 1;
			}
		}
	}

	pm = open("/proc/self/pagemap", O_RDONLY);
	for (i = 0; pm >= 0 && i < pages; i++) {
		uint64_t e;
		unsigned long b, k;

		if (pread(pm, &e, sizeof(e), ((uintptr_t)mem / psize + i) * 8) != sizeof(e) ||
		    !(e >> 63))
			continue;
		b = (e & ((1ULL << 55) - 1)) / blk_pages;
		for (k = 0; k < nr_blocks && blocks[k] != b; k++)
			;
		if (k == nr_blocks && nr_blocks < 64)
			blocks[nr_blocks++] = b;
	}
	printf("pin: pinned %lu pages in blocks", pages);
	for (i = 0; i < nr_blocks; i++)
		printf(" %lu", blocks[i]);
	printf("\n");
	fflush(stdout);

	sleep(secs);
	for (i = 0; i < (unsigned long)nr_pipes; i++) {
		close(pipes[i][1]);
		while (read(pipes[i][0], buf, PIPE_BYTES) > 0)
			;
		close(pipes[i][0]);
	}
	clock_gettime(CLOCK_BOOTTIME, &ts);
	printf("pin: released at %ld.%03ld\n", (long)ts.tv_sec, ts.tv_nsec / 1000000);
	return 0;
}
