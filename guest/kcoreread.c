// SPDX-License-Identifier: GPL-2.0
/*
 * kcoreread - read the RAM that /proc/kcore shows in a physical range.
 *
 *   kcoreread [-c KIB] START END
 *
 * Reads the ELF64 header and program headers of /proc/kcore, then preads,
 * in chunks of KIB KiB (default 1024), every part of a PT_LOAD segment
 * whose physical address (p_paddr) lies in [START, END) (bytes, decimal
 * or 0x hex; e.g. the virtio-mem memory in /proc/iomem). Segments that
 * are not RAM (p_paddr -1: vmalloc, vmemmap) are never read.
 *
 * It is a PFN walker for tests: memory may go offline or be unplugged
 * while it reads. The kernel returns zeros for offline sections and
 * PageOffline pages; a failed read (EIO, EFAULT, ...) is counted and the
 * next chunk is read. At the end one line:
 *
 *   kcoreread: N segments, B bytes read, F failed reads[ (last: ERROR)]
 *
 * Exit status: 0 done (failed reads included), 1 /proc/kcore cannot be
 * opened or its headers are not ELF64 as expected, 2 usage error.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KCORE		"/proc/kcore"
#define MAX_PHDRS	4096

static int parse_u64(const char *arg, uint64_t *val)
{
	char *endp;

	errno = 0;
	*val = strtoull(arg, &endp, 0);
	return errno || !*arg || *endp ? -1 : 0;
}

/* Read the program headers into *phdrs; returns their number, or -1. */
static int read_phdrs(int fd, Elf64_Phdr **phdrs)
{
	Elf64_Ehdr eh;
	size_t len;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !eh.e_phnum || eh.e_phnum > MAX_PHDRS) {
		fprintf(stderr, "kcoreread: " KCORE " has no ELF64 header with program headers\n");
		return -1;
	}
	len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	*phdrs = malloc(len);
	if (!*phdrs) {
		fprintf(stderr, "kcoreread: out of memory\n");
		return -1;
	}
	if (pread(fd, *phdrs, len, eh.e_phoff) != (ssize_t)len) {
		fprintf(stderr, "kcoreread: cannot read the program headers of " KCORE "\n");
		free(*phdrs);
		return -1;
	}
	return eh.e_phnum;
}

int main(int argc, char **argv)
{
	uint64_t start, end, kib = 1024, bytes = 0, failed = 0, chunk;
	int fd, opt, nr, i, segs = 0, last_err = 0;
	Elf64_Phdr *phdrs;
	char *buf;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		switch (opt) {
		case 'c':
			if (parse_u64(optarg, &kib) || !kib || kib > (1 << 20))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 2 || parse_u64(argv[optind], &start) ||
	    parse_u64(argv[optind + 1], &end) || end <= start)
		goto usage;
	chunk = kib << 10;

	fd = open(KCORE, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "kcoreread: cannot open " KCORE ": %s\n",
			strerror(errno));
		return 1;
	}
	nr = read_phdrs(fd, &phdrs);
	if (nr < 0)
		return 1;
	buf = malloc(chunk);
	if (!buf) {
		fprintf(stderr, "kcoreread: out of memory\n");
		return 1;
	}

	for (i = 0; i < nr; i++) {
		const Elf64_Phdr *ph = &phdrs[i];
		uint64_t from, to, pa;

		if (ph->p_type != PT_LOAD || ph->p_paddr == (Elf64_Addr)-1)
			continue;
		/* The part of the segment that lies in [start, end). */
		from = ph->p_paddr > start ? ph->p_paddr : start;
		to = ph->p_paddr + ph->p_filesz < end ?
		     ph->p_paddr + ph->p_filesz : end;
		if (from >= to)
			continue;
		segs++;
		for (pa = from; pa < to; pa += chunk) {
			size_t len = to - pa < chunk ? to - pa : chunk;
			ssize_t got;

			got = pread(fd, buf, len,
				    ph->p_offset + (pa - ph->p_paddr));
			if (got < 0) {
				failed++;
				last_err = errno;
				continue;
			}
			bytes += got;
			if (!got)
				break;
		}
	}

	printf("kcoreread: %d segments, %" PRIu64 " bytes read, %" PRIu64 " failed reads",
	       segs, bytes, failed);
	if (last_err)
		printf(" (last: %s)", strerror(last_err));
	printf("\n");
	free(buf);
	free(phdrs);
	close(fd);
	return 0;

usage:
	fprintf(stderr, "usage: kcoreread [-c KIB] START END\n");
	return 2;
}
