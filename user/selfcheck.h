/* Check counting for the self-testing programs (abitest, proctest, procmem, ...): define
 * SELFCHECK_NAME, include this, CHECK() each expectation, and end main with
 * `return checks_report();`. Its "NAME: N checks, F failed" line is what the boot tests
 * read (registry.check_program_passed). Header-only: each program is one static binary. */
#ifndef SELFCHECK_H
#define SELFCHECK_H

#include <errno.h>
#include <stdio.h>

static int checks, failed;

/* Count one check; a failed one is printed with its line and errno. */
#define CHECK(cond) do { checks++; if (!(cond)) { failed++; \
	printf(SELFCHECK_NAME ": FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); } } while (0)

/* Print the summary line; the exit status: 0 if no check failed. */
static inline int checks_report(void)
{
	printf(SELFCHECK_NAME ": %d checks, %d failed\n", checks, failed);
	return failed != 0;
}

#endif
