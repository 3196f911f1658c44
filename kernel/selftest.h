/* In-kernel self-tests (the shell's `selftest`): each subsystem's test function records its
 * checks here; a failed check prints its file, line and condition. */
#ifndef SELFTEST_H
#define SELFTEST_H

#include "kernel/printk.h"

struct selftest {
	int passed, failed;
};

#define SELFTEST_CHECK(t, cond) do { \
	if (cond) (t)->passed++; \
	else { (t)->failed++; printk("selftest: FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#endif
