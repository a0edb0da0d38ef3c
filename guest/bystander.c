// SPDX-License-Identifier: GPL-2.0
/*
 * bystander - allocate, touch and free memory in a loop.
 *
 *   bystander [-i MSEC] [-f STOPFILE] MIB
 *
 * Each round maps MIB MiB of anonymous memory, writes one byte to every
 * page (so each page is really allocated), unmaps it and sleeps MSEC
 * milliseconds (default 150), until STOPFILE exists. It stands for the
 * small processes of a busy guest that come and go next to its main
 * workload: under memory pressure their page faults are the allocations
 * that reach the OOM killer.
 *
 * A failed mmap is counted and the round skipped, so the loop keeps going.
 * At the end one line: "bystander: N rounds of MIB MiB, F mmap failures".
 * Exit status: 0 stopped by STOPFILE, 2 usage error.
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

int main(int argc, char **argv)
{
	const char *stopfile = NULL;
	unsigned long mib, msec = 150, rounds = 0, failures = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct timespec pause;
	size_t bytes, off;
	char *endp, *mem;
	int opt;

	while ((opt = getopt(argc, argv, "i:f:")) != -1) {
		switch (opt) {
		case 'i':
			errno = 0;
			msec = strtoul(optarg, &endp, 10);
			if (errno || *endp)
				goto usage;
			break;
		case 'f':
			stopfile = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	mib = parse_mib("bystander", argv[optind]);
	if (!mib)
		return 2;
	bytes = (size_t)mib << 20;
	pause.tv_sec = msec / 1000;
	pause.tv_nsec = msec % 1000 * 1000000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bystander: started, %lu MiB every %lu ms\n", mib, msec);

	while (!stopfile || access(stopfile, F_OK) != 0) {
		mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			failures++;
		} else {
			for (off = 0; off < bytes; off += page)
				mem[off] = 1;
			munmap(mem, bytes);
			rounds++;
		}
		nanosleep(&pause, NULL);
	}
	printf("bystander: %lu rounds of %lu MiB, %lu mmap failures\n",
	       rounds, mib, failures);
	return 0;

usage:
	fprintf(stderr, "usage: bystander [-i MSEC] [-f STOPFILE] MIB\n");
	return 2;
}
