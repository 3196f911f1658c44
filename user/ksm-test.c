/* ksm-test MODE: KSM behaviours seen from inside a program, for the boot tests and for
 * people who want to watch one thing at a time. Each mode prints what it saw and ends
 * with "ksm-test: MODE ok" (exit 0) or says what went wrong (exit 1). Needs run = 1 but
 * for knobs.
 *   cow       merge 3 pages, write one: only the writer's page changes and leaves the KSM
 *             page, the other two stay merged
 *   unmerge   merge 64 pages, MADV_UNMERGEABLE them: contents intact, counters to 0
 *   prctl     PR_SET_MEMORY_MERGE without madvise; a forked child inherits it and merges
 *   volatile  pages that change all the time are never merged
 *   hold      merge, then wait (up to 60 s) for someone to unmerge everything (run = 2)
 *   knobs     writes to /sys/kernel/mm/ksm with and without newline, bad values refused */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "ksm_util.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif
#define PAGE 4096

static const char *mode;

static int fail(const char *why)
{
	printf("ksm-test: %s: %s\n", mode, why);
	return 1;
}

/* A number from /proc/self/ksm_stat ("ksm_merging_pages") or a yes/no line as 1/0. */
static long self_stat(const char *key)
{
	FILE *f = fopen("/proc/self/ksm_stat", "r");
	char line[128];
	long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == ':'))
			v = line[n] == ':' ? !strncmp(line + n + 2, "yes", 3) : atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* A counter of /proc/vmstat, or -1. */
static long vmstat_read(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char line[64];
	long v = -1;
	size_t n = strlen(name);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ' ')
			v = atol(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

static unsigned char *map_pages(size_t n)
{
	unsigned char *p = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Page i holds content i % kinds. */
static void fill(unsigned char *p, size_t n, int kinds)
{
	for (size_t i = 0; i < n; i++)
		memset(p + i * PAGE, (int)(i % kinds) + 0x41, PAGE);
}

static size_t bad_bytes(const unsigned char *p, size_t n, int kinds)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < PAGE; b++)
			bad += p[i * PAGE + b] != (unsigned char)((int)(i % kinds) + 0x41);
	return bad;
}

/* Wait (scans, up to 60 s) until this process has want merging pages. */
static int wait_merging(long want)
{
	for (int i = 0; i < 200; i++) {
		if (self_stat("ksm_merging_pages") >= want)
			return 0;
		if (ksm_wait_scans(1, 60))
			return -1;
	}
	return -1;
}

static int mode_cow(void)
{
	unsigned char *p = map_pages(3);
	if (!p)
		return fail("mmap");
	fill(p, 3, 1);
	if (madvise(p, 3 * PAGE, MADV_MERGEABLE) || wait_merging(3))
		return fail("the pages did not merge");
	long cow_before = vmstat_read("cow_ksm");
	p[10] = 0x7f; /* page 0 only */
	long cow_after = vmstat_read("cow_ksm");
	size_t bad = 0;
	for (int b = 0; b < 3 * PAGE; b++)
		bad += p[b] != (b == 10 ? 0x7f : 0x41);
	if (ksm_wait_scans(2, 60))
		return fail("no scans");
	long merging = self_stat("ksm_merging_pages");
	printf("ksm-test: cow: %zu bytes wrong, cow_ksm %ld -> %ld, ksm_merging_pages %ld\n", bad,
	       cow_before, cow_after, merging);
	return bad || cow_after != cow_before + 1 || merging != 2 ? fail("the write leaked or was not copied") : 0;
}

static int mode_unmerge(void)
{
	size_t n = 64;
	unsigned char *p = map_pages(n);
	if (!p)
		return fail("mmap");
	fill(p, n, 8);
	if (madvise(p, n * PAGE, MADV_MERGEABLE))
		return fail("madvise(MADV_MERGEABLE)");
	if (wait_merging((long)n))
		return fail("the pages did not merge");
	printf("ksm-test: merged: ksm_merging_pages %ld, pages_shared %ld, pages_sharing %ld\n",
	       self_stat("ksm_merging_pages"), ksm_read("pages_shared"), ksm_read("pages_sharing"));
	if (madvise(p, n * PAGE, MADV_UNMERGEABLE))
		return fail("madvise(MADV_UNMERGEABLE)");
	size_t bad = bad_bytes(p, n, 8);
	if (ksm_wait_scans(2, 60))
		return fail("no scans");
	printf("ksm-test: unmerged: %zu bytes wrong, ksm_merging_pages %ld, pages_shared %ld, "
	       "pages_sharing %ld\n", bad, self_stat("ksm_merging_pages"), ksm_read("pages_shared"),
	       ksm_read("pages_sharing"));
	if (bad || self_stat("ksm_merging_pages") || ksm_read("pages_shared") || ksm_read("pages_sharing"))
		return fail("not unmerged cleanly");
	return 0;
}

static int mode_prctl(void)
{
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		return fail("prctl(PR_SET_MEMORY_MERGE)");
	size_t n = 32;
	unsigned char *p = map_pages(n); /* no madvise: the prctl makes it mergeable */
	if (!p)
		return fail("mmap");
	fill(p, n, 1);
	pid_t child = fork();
	if (child == 0) {
		unsigned char *q = map_pages(n);
		if (!q || prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) != 1)
			_exit(2);
		fill(q, n, 1);
		int rc = wait_merging(2 * (long)n) ? 3 : 0; /* its copy of p and its own q */
		printf("ksm-test: child: ksm_merge_any %ld, ksm_merging_pages %ld\n",
		       self_stat("ksm_merge_any"), self_stat("ksm_merging_pages"));
		fflush(stdout);
		_exit(rc || self_stat("ksm_merge_any") != 1 || bad_bytes(q, n, 1) ? 4 : 0);
	}
	int rc = wait_merging((long)n);
	printf("ksm-test: parent: ksm_merge_any %ld, ksm_mergeable %ld, ksm_merging_pages %ld\n",
	       self_stat("ksm_merge_any"), self_stat("ksm_mergeable"), self_stat("ksm_merging_pages"));
	int status;
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail("the child did not inherit the setting or did not merge");
	if (rc || self_stat("ksm_merge_any") != 1 || bad_bytes(p, n, 1))
		return fail("the parent did not merge");
	return 0;
}

static int mode_volatile(void)
{
	size_t n = 32;
	unsigned char *p = map_pages(n);
	if (!p)
		return fail("mmap");
	fill(p, n, 1);
	if (madvise(p, n * PAGE, MADV_MERGEABLE))
		return fail("madvise");
	long target = ksm_read("full_scans") + 4, max_volatile = 0;
	double end = now_s() + 60;
	for (uint64_t stamp = 1; ksm_read("full_scans") < target; stamp++) {
		for (size_t i = 0; i < n; i++) /* every page changes between any two visits */
			((uint64_t *)(p + i * PAGE))[0] = stamp;
		long v = ksm_read("pages_volatile");
		if (v > max_volatile)
			max_volatile = v;
		if (now_s() > end)
			return fail("no scans");
		sleep_ms(1);
	}
	long merging = self_stat("ksm_merging_pages");
	printf("ksm-test: volatile: pages_volatile up to %ld, ksm_merging_pages %ld\n", max_volatile, merging);
	return merging || max_volatile < (long)n ? fail("volatile pages were merged") : 0;
}

static int mode_hold(void)
{
	size_t n = 64;
	unsigned char *p = map_pages(n);
	if (!p)
		return fail("mmap");
	fill(p, n, 4);
	if (madvise(p, n * PAGE, MADV_MERGEABLE) || wait_merging((long)n))
		return fail("did not merge");
	printf("ksm-test: hold: merged %ld pages, waiting for unmerge\n", self_stat("ksm_merging_pages"));
	fflush(stdout);
	double end = now_s() + 60;
	while (ksm_read("pages_sharing") > 0 || ksm_read("pages_shared") > 0) {
		if (now_s() > end)
			return fail("nobody unmerged");
		sleep_ms(10);
	}
	size_t bad = bad_bytes(p, n, 4);
	printf("ksm-test: hold: unmerged, %zu bytes wrong\n", bad);
	return bad ? fail("content changed") : 0;
}

/* Write value to knob and expect err (0 or an errno) and then reading back want. */
static int knob_case(const char *knob, const char *value, int err, long want)
{
	int rc = ksm_write(knob, value);
	long now = ksm_read(knob);
	if (rc != -err || now != want) {
		printf("ksm-test: knobs: writing \"%s\" to %s gave %d (want %d), reads %ld (want %ld)\n",
		       value, knob, rc, -err, now, want);
		return 1;
	}
	return 0;
}

static int mode_knobs(void)
{
	long old = ksm_read("pages_to_scan");
	int bad = 0;
	bad |= knob_case("pages_to_scan", "50", 0, 50);
	bad |= knob_case("pages_to_scan", "60\n", 0, 60);
	bad |= knob_case("pages_to_scan", "abc", EINVAL, 60);
	bad |= knob_case("pages_to_scan", "-1", EINVAL, 60);
	bad |= knob_case("pages_to_scan", "\n", EINVAL, 60);
	bad |= knob_case("pages_to_scan", "99999999999", EINVAL, 60);
	bad |= knob_case("pages_to_scan", "7 ", EINVAL, 60);
	bad |= knob_case("max_page_sharing", "1", EINVAL, ksm_read("max_page_sharing"));
	bad |= knob_case("run", "3", EINVAL, ksm_read("run"));
	bad |= knob_case("merge_across_nodes", "2", EINVAL, ksm_read("merge_across_nodes"));
	bad |= knob_case("use_zero_pages", "maybe", EINVAL, ksm_read("use_zero_pages"));
	bad |= knob_case("pages_shared", "1", EACCES, ksm_read("pages_shared"));
	ksm_write_long("pages_to_scan", old);
	return bad ? fail("a knob misbehaved") : 0;
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "";
	static const struct { const char *name; int (*fn)(void); bool needs_run; } modes[] = {
		{ "cow", mode_cow, true }, { "unmerge", mode_unmerge, true }, { "prctl", mode_prctl, true },
		{ "volatile", mode_volatile, true }, { "hold", mode_hold, true },
		{ "knobs", mode_knobs, false },
	};
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].name))
			continue;
		if (modes[i].needs_run && ksm_read("run") != 1)
			return fail("ksmd is not running (echo 1 > /sys/kernel/mm/ksm/run)");
		int rc = modes[i].fn();
		if (!rc)
			printf("ksm-test: %s ok\n", mode);
		return rc;
	}
	fprintf(stderr, "usage: ksm-test cow|unmerge|prctl|volatile|hold|knobs\n");
	return 2;
}
