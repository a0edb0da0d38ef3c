// SPDX-License-Identifier: GPL-2.0
/*
 * blockinfo - list the memory blocks that virtio-mem added, with their
 * state and how many of their pages are PageOffline (KPF_OFFLINE in
 * /proc/kpageflags), i.e. fake-offline (unplugged) subblocks.
 *
 *   blockinfo            one line per virtio-mem memory block:
 *                        memoryN STATE ZONE offline=PAGES pages=PAGES
 *                        dirty=PAGES first=PFN
 *   blockinfo N          the same line for memory block N only
 *
 * dirty= counts the PageOffline pages that also show KPF_DIRTY (the base
 * kernel's virtio-mem marks never-onlined pages with PG_dirty; the series
 * does not), first= is the first PageOffline PFN of the block (hex, or -).
 *
 * virtio-mem memory shows up in /proc/iomem as "System RAM (virtio_mem)".
 * Blocks are listed even when offline (then their memmap may be stale, and
 * the offline count is reported as 0: the pages are not in use).
 *
 * Exit status: 0 ok, 1 a file could not be read, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mib.h"

#define KPF_DIRTY	4
#define KPF_OFFLINE	23
#define MEMDIR		"/sys/devices/system/memory"

static uint64_t block_bytes;

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, len, f)) {
		fprintf(stderr, "blockinfo: cannot read %s: %s\n", path,
			strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

struct offline_info {
	long offline;		/* KPF_OFFLINE pages */
	long dirty;		/* ... of them with KPF_DIRTY */
	uint64_t first;		/* first KPF_OFFLINE pfn, or UINT64_MAX */
};

static int count_offline(int kpf, uint64_t pfn, uint64_t nr,
			 struct offline_info *info)
{
	uint64_t flags[512];

	info->offline = info->dirty = 0;
	info->first = UINT64_MAX;
	while (nr) {
		size_t n = nr < 512 ? nr : 512, i;
		ssize_t got = pread(kpf, flags, n * 8, pfn * 8);

		if (got != (ssize_t)(n * 8)) {
			fprintf(stderr, "blockinfo: reading /proc/kpageflags at pfn %#" PRIx64 " failed: %s\n",
				pfn, got < 0 ? strerror(errno) : "short read");
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!((flags[i] >> KPF_OFFLINE) & 1))
				continue;
			if (info->first == UINT64_MAX)
				info->first = pfn + i;
			info->offline++;
			info->dirty += (flags[i] >> KPF_DIRTY) & 1;
		}
		pfn += n;
		nr -= n;
	}
	return 0;
}

static int show_block(int kpf, uint64_t nr)
{
	char path[128], state[32], zones[64] = "-";
	uint64_t pages = block_bytes / 4096;
	struct offline_info info = { 0, 0, UINT64_MAX };
	char first[32] = "-";

	snprintf(path, sizeof(path), MEMDIR "/memory%" PRIu64 "/state", nr);
	if (read_line(path, state, sizeof(state)))
		return -1;
	if (!strcmp(state, "online")) {
		snprintf(path, sizeof(path), MEMDIR "/memory%" PRIu64 "/valid_zones", nr);
		if (read_line(path, zones, sizeof(zones)))
			return -1;
		if (count_offline(kpf, nr * pages, pages, &info))
			return -1;
	}
	if (info.first != UINT64_MAX)
		snprintf(first, sizeof(first), "%#" PRIx64, info.first);
	printf("memory%" PRIu64 " %s %s offline=%ld pages=%" PRIu64 " dirty=%ld first=%s\n",
	       nr, state, zones, info.offline, pages, info.dirty, first);
	return 0;
}

int main(int argc, char **argv)
{
	char line[256];
	int kpf, ret = 0;
	FILE *iomem;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: blockinfo [BLOCK]\n");
		return 2;
	}
	if (read_line(MEMDIR "/block_size_bytes", line, sizeof(line)))
		return 1;
	block_bytes = strtoull(line, NULL, 16);
	if (!block_bytes) {
		fprintf(stderr, "blockinfo: cannot read the block size from '%s'\n", line);
		return 1;
	}
	kpf = open("/proc/kpageflags", O_RDONLY);
	if (kpf < 0) {
		fprintf(stderr, "blockinfo: cannot open /proc/kpageflags: %s\n",
			strerror(errno));
		return 1;
	}
	if (argc == 2) {
		unsigned long long blk;

		if (parse_ulong("blockinfo", "block", argv[1], 0, &blk))
			return 2;
		return show_block(kpf, blk) ? 1 : 0;
	}

	iomem = fopen("/proc/iomem", "r");
	if (!iomem) {
		fprintf(stderr, "blockinfo: cannot open /proc/iomem: %s\n",
			strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), iomem)) {
		uint64_t start, end, b;

		if (!strstr(line, "System RAM (virtio_mem)") ||
		    sscanf(line, " %" SCNx64 "-%" SCNx64, &start, &end) != 2)
			continue;
		for (b = start / block_bytes; b <= end / block_bytes; b++)
			if (show_block(kpf, b))
				ret = 1;
	}
	fclose(iomem);
	return ret;
}
