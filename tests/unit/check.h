/* Minimal host test framework: CHECK counts passes and failures, check_summary() prints the
 * closing "N passed, N failed" line and gives the exit status (a failure if nothing passed). Each test_*.c is one program
 * that #includes the kernel sources it tests (built with -DHOST_TEST and the stubs/ headers). */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) check_passed++; \
	else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long _a = (long long)(a), _b = (long long)(b); \
	if (_a == _b) check_passed++; \
	else { check_failed++; fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n", \
		__FILE__, __LINE__, #a, _a, #b, _b); } \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (!strcmp(_a, _b)) check_passed++; \
	else { check_failed++; fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", \
		__FILE__, __LINE__, _a, _b); } \
} while (0)

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed || !check_passed ? 1 : 0;
}

#endif
