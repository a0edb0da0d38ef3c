/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the guest helpers that take a size in MiB. */
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
