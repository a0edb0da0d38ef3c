/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the guest helpers: their numeric arguments. */
#ifndef GUEST_MIB_H
#define GUEST_MIB_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * A whole, positive number of MiB that fits in size_t once shifted; 0 (and
 * a message naming @prog) otherwise.
 */
/*
 * A whole decimal number of at least @min into *@val; -1 (and a message
 * naming @prog and @what) otherwise. Decimal only, so "010" is ten.
 */
static inline int parse_ulong(const char *prog, const char *what,
			      const char *arg, unsigned long long min,
			      unsigned long long *val)
{
	char *endp;

	errno = 0;
	*val = strtoull(arg, &endp, 10);
	if (errno || endp == arg || *endp || arg[0] == '-' || *val < min) {
		fprintf(stderr, "%s: %s '%s' is not a whole number of at least %llu\n",
			prog, what, arg, min);
		return -1;
	}
	return 0;
}

static inline unsigned long parse_mib(const char *prog, const char *arg)
{
	unsigned long mib;
	char *endp;

	errno = 0;
	mib = strtoul(arg, &endp, 10);
	if (errno || *endp || !mib || mib > (SIZE_MAX >> 20)) {
		fprintf(stderr, "%s: size '%s' is not a positive number of MiB\n",
			prog, arg);
		return 0;
	}
	return mib;
}

#endif
