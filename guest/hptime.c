// SPDX-License-Identifier: GPL-2.0
/*
 * hptime - time memory hot(un)plug from inside the guest.
 *
 *   hptime watch [-n] [-r BYTES] [-T KB] [-s SETTLE] [-t TIMEOUT] [-i USEC]
 *   hptime write FILE VALUE
 *   hptime memcpy MIB
 *
 * watch: follows one virtio-mem resize. It starts reading the kernel log
 * (/dev/kmsg) at its current end and prints "hptime: ready"; the host may
 * send the resize request after that line. The request's start is the
 * kernel log record "virtio_mem ...: requested size: 0x..." (with -r, only
 * a record naming exactly BYTES counts), which the driver prints from its
 * work item right before it starts plugging or unplugging. The record's
 * kernel timestamp is converted to CLOCK_MONOTONIC with an offset measured
 * by writing a marker record to /dev/kmsg and reading its timestamp back.
 * Meanwhile MemTotal (sysinfo() totalram, the same counter /proc/meminfo
 * shows) is sampled every USEC microseconds (default 1000; without high
 * resolution timers the kernel rounds that up to one tick), and every
 * change is recorded with its CLOCK_MONOTONIC time.
 *
 * The watch ends when MemTotal equals KB (-T), or when it has not changed
 * for SETTLE seconds (default 5) after the request was seen, or after
 * TIMEOUT seconds (default 120). Then it prints one "series T KB" line per
 * sample that changed MemTotal (T in seconds since the request; the first
 * line is the value before the request), and a summary line:
 *
 *   hptime: result status=reached|settled|timeout start=kmsg|memtotal|now|none
 *           duration=S first=S initial_kb=KB final_kb=KB changes=N
 *
 * duration is the time from the request to the last MemTotal change,
 * first the time from the request to the first change (both 0 if MemTotal
 * never changed). start=memtotal means no request record was seen and the
 * first change is the start.
 *
 * With -n the clock starts when "ready" is printed (start=now) and no
 * request record is waited for: for timing from an event the caller has
 * just seen, e.g. a workload's exit while an earlier request is still
 * pending.
 *
 * write: writes VALUE to FILE (e.g. a memory block's sysfs "state") with
 * one write(2) and prints "hptime: write FILE VALUE status=0 seconds=S
 * cpu=C", C the CPU time the write used (user + system, getrusage());
 * on failure the status is the errno name and text.
 *
 * memcpy: copies MIB MiB between two anonymous buffers that were touched
 * beforehand and prints "hptime: memcpy BYTES bytes in S s: MIBPS MiB/s",
 * the floor for migrating that much memory. A compiler barrier keeps the
 * copy from being optimised away (nothing reads the destination).
 *
 * Exit status: 0 ok (watch: the target was reached or, without -T, the
 * size settled), 1 the watch timed out or the write failed, 2 usage or
 * setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "mib.h"

#define KMSG		"/dev/kmsg"
#define MAX_SAMPLES	(1 << 20)
#define MARKER		"hptime: clock sync"

struct sample {
	double t;		/* CLOCK_MONOTONIC, seconds */
	unsigned long kb;	/* MemTotal */
};

static struct sample samples[MAX_SAMPLES];
static int nr_samples;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long memtotal_kb(void)
{
	struct sysinfo si;

	if (sysinfo(&si)) {
		fprintf(stderr, "hptime: sysinfo() failed: %s\n", strerror(errno));
		exit(2);
	}
	return (unsigned long)((unsigned long long)si.totalram * si.mem_unit >> 10);
}

/*
 * Read one /dev/kmsg record ("PRI,SEQ,USEC,FLAGS;MESSAGE\n...") from the
 * non-blocking fd. Returns 1 with the timestamp in *usec and the message in
 * msg, 0 if there is no record, -1 on error. A record lost to a ring buffer
 * overrun (EPIPE) is skipped.
 */
static int read_record(int fd, unsigned long long *usec, char *msg, size_t len)
{
	char buf[8192], *semi, *p;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n >= 0)
			break;
		if (errno == EAGAIN)
			return 0;
		if (errno != EPIPE && errno != EINTR) {
			fprintf(stderr, "hptime: read from %s failed: %s\n", KMSG,
				strerror(errno));
			return -1;
		}
	}
	buf[n] = '\0';
	semi = strchr(buf, ';');
	p = strchr(buf, ',');
	if (!semi || !p || !(p = strchr(p + 1, ',')))
		return 0;
	*usec = strtoull(p + 1, NULL, 10);
	p = semi + 1;
	p[strcspn(p, "\n")] = '\0';
	snprintf(msg, len, "%s", p);
	return 1;
}

/* Offset to add to a kmsg timestamp (seconds) to get CLOCK_MONOTONIC. */
static int clock_offset(int rfd, double *offset)
{
	unsigned long long usec;
	double before, after, deadline;
	char msg[4096];
	int wfd, rc;

	wfd = open(KMSG, O_WRONLY);
	if (wfd < 0) {
		fprintf(stderr, "hptime: cannot open %s for writing: %s\n", KMSG,
			strerror(errno));
		return -1;
	}
	before = now();
	rc = write(wfd, MARKER "\n", strlen(MARKER) + 1);
	after = now();
	close(wfd);
	if (rc < 0) {
		fprintf(stderr, "hptime: write to %s failed: %s\n", KMSG,
			strerror(errno));
		return -1;
	}
	deadline = now() + 5;
	while (now() < deadline) {
		rc = read_record(rfd, &usec, msg, sizeof(msg));
		if (rc < 0)
			return -1;
		if (rc == 0) {
			usleep(1000);
			continue;
		}
		if (strstr(msg, MARKER)) {
			*offset = (before + after) / 2 - usec / 1e6;
			return 0;
		}
	}
	fprintf(stderr, "hptime: marker record not seen in %s within 5 s\n", KMSG);
	return -1;
}

/* Is msg the driver's "requested size: 0x..." record (for want, if set)? */
static int is_request(const char *msg, unsigned long long want, int have_want)
{
	const char *p = strstr(msg, "requested size: 0x");

	if (!p || !strstr(msg, "virtio_mem"))
		return 0;
	return !have_want || strtoull(p + strlen("requested size: "), NULL, 16) == want;
}

static void record(double t, unsigned long kb)
{
	if (nr_samples < MAX_SAMPLES) {
		samples[nr_samples].t = t;
		samples[nr_samples].kb = kb;
		nr_samples++;
	}
}

static int watch(int argc, char **argv)
{
	double settle = 5, timeout = 120, offset, begin, t, start = 0;
	unsigned long long want = 0, usec, num;
	unsigned long target = 0, kb, last_kb;
	long interval = 1000;
	const char *status, *how = "none";
	int fd, opt, rc, have_want = 0, have_start = 0, start_now = 0, i;
	char msg[4096];
	struct timespec ts;

	while ((opt = getopt(argc, argv, "nr:T:s:t:i:")) != -1) {
		switch (opt) {
		case 'n':
			start_now = 1;
			break;
		case 'r':
			if (parse_ulong("hptime", "-r", optarg, 0, &want))
				return -1;
			have_want = 1;
			break;
		case 'T':
			if (parse_ulong("hptime", "-T", optarg, 0, &num))
				return -1;
			target = num;
			break;
		case 's':
			settle = atof(optarg);
			break;
		case 't':
			timeout = atof(optarg);
			break;
		case 'i':
			if (parse_ulong("hptime", "-i", optarg, 1, &num))
				return -1;
			interval = num;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || interval <= 0 || settle <= 0 || timeout <= 0)
		return -1;

	fd = open(KMSG, O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "hptime: cannot open %s: %s\n", KMSG, strerror(errno));
		return 2;
	}
	if (lseek(fd, 0, SEEK_END) < 0) {
		fprintf(stderr, "hptime: cannot seek to the end of %s: %s\n", KMSG,
			strerror(errno));
		return 2;
	}
	if (clock_offset(fd, &offset))
		return 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	last_kb = memtotal_kb();
	begin = now();
	record(begin, last_kb);
	if (start_now) {
		start = begin;
		have_start = 1;
		how = "now";
	}
	printf("hptime: ready memtotal_kb=%lu clock_offset=%.6f\n", last_kb, offset);

	ts.tv_sec = interval / 1000000;
	ts.tv_nsec = interval % 1000000 * 1000;
	for (;;) {
		while (!have_start &&
		       (rc = read_record(fd, &usec, msg, sizeof(msg))) != 0) {
			if (rc < 0)
				return 2;
			if (is_request(msg, want, have_want)) {
				start = usec / 1e6 + offset;
				have_start = 1;
				how = "kmsg";
			}
		}
		t = now();
		kb = memtotal_kb();
		if (kb != last_kb) {
			record(t, kb);
			last_kb = kb;
			if (!have_start) {
				/* The request record was missed: start here. */
				start = t;
				have_start = 1;
				how = "memtotal";
			}
		}
		if (target && kb == target && have_start) {
			status = "reached";
			break;
		}
		if (have_start && t - start >= settle &&
		    t - samples[nr_samples - 1].t >= settle) {
			status = "settled";
			break;
		}
		if (t - begin >= timeout) {
			status = "timeout";
			break;
		}
		nanosleep(&ts, NULL);
	}
	close(fd);

	if (!have_start)
		start = begin;
	for (i = 0; i < nr_samples; i++)
		printf("series %.6f %lu\n", samples[i].t - start, samples[i].kb);
	printf("hptime: result status=%s start=%s duration=%.6f first=%.6f initial_kb=%lu final_kb=%lu changes=%d\n",
	       status, how,
	       nr_samples > 1 ? samples[nr_samples - 1].t - start : 0.0,
	       nr_samples > 1 ? samples[1].t - start : 0.0,
	       samples[0].kb, last_kb, nr_samples - 1);
	if (!strcmp(status, "timeout") || (target && strcmp(status, "reached")))
		return 1;
	return 0;
}

/* CPU time (user + system) this process has used, in seconds. */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int timed_write(const char *path, const char *value)
{
	double t, cpu;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "hptime: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	cpu = cpu_seconds();
	t = now();
	n = write(fd, value, strlen(value));
	t = now() - t;
	cpu = cpu_seconds() - cpu;
	if (n < 0)
		err = errno;
	close(fd);
	if (err)
		printf("hptime: write %s %s status=%d(%s) seconds=%.6f cpu=%.3f\n", path,
		       value, err, strerror(err), t, cpu);
	else
		printf("hptime: write %s %s status=0 seconds=%.6f cpu=%.3f\n", path, value,
		       t, cpu);
	return err ? 1 : 0;
}

static int timed_memcpy(const char *arg)
{
	unsigned long mib = parse_mib("hptime", arg);
	size_t bytes = (size_t)mib << 20;
	char *src, *dst;
	double t;

	if (!mib)
		return 2;
	src = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED) {
		fprintf(stderr, "hptime: cannot map 2 x %lu MiB: %s\n", mib, strerror(errno));
		return 2;
	}
	memset(src, 1, bytes);
	memset(dst, 2, bytes);
	__asm__ volatile("" : : "r"(src), "r"(dst) : "memory");
	t = now();
	memcpy(dst, src, bytes);
	__asm__ volatile("" : : "r"(dst) : "memory");
	t = now() - t;
	printf("hptime: memcpy %zu bytes in %.6f s: %.1f MiB/s\n", bytes, t, bytes / t / (1 << 20));
	munmap(src, bytes);
	munmap(dst, bytes);
	return 0;
}

int main(int argc, char **argv)
{
	int rc;

	if (argc >= 2 && !strcmp(argv[1], "watch")) {
		rc = watch(argc - 1, argv + 1);
		if (rc >= 0)
			return rc;
	} else if (argc == 4 && !strcmp(argv[1], "write")) {
		return timed_write(argv[2], argv[3]);
	} else if (argc == 3 && !strcmp(argv[1], "memcpy")) {
		return timed_memcpy(argv[2]);
	}
	fprintf(stderr,
		"usage: hptime watch [-n] [-r BYTES] [-T KB] [-s SETTLE] [-t TIMEOUT] [-i USEC]\n"
		"       hptime write FILE VALUE\n"
		"       hptime memcpy MIB\n");
	return 2;
}
