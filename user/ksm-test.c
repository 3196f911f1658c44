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
 *   knobs     writes to /sys/kernel/mm/ksm with and without newline, bad values refused
 *   chain     (max_page_sharing 2) 64 identical pages make a chain of 32 KSM pages; with
 *             all but one unmapped, the chain is not folded while the pruning interval
 *             (stable_node_chains_prune_millisecs) is long, and is once it is 2000 ms
 *   zero      (use_zero_pages is set and restored) zero pages merged with the zero page and
 *             unmerged by MADV_UNMERGEABLE, prctl off and run = 2 get a frame each again */
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

/* Wait (scans, up to 60 s) until this process's ksm_stat line key reaches want. */
static int wait_self_stat(const char *key, long want)
{
	for (int i = 0; i < 200; i++) {
		if (self_stat(key) >= want)
			return 0;
		if (ksm_wait_scans(1, 60))
			return -1;
	}
	return -1;
}

static int wait_merging(long want) { return wait_self_stat("ksm_merging_pages", want); }

/* The frame mapped at addr (/proc/self/pagemap), 0 if none. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (uintptr_t)addr / PAGE * 8) != 8 || !(entry >> 63))
		entry = 0;
	close(fd);
	return entry & ((1ull << 55) - 1);
}

/* How many of the n pages at p map a frame of their own (present, and no other page of
 * the n maps it). */
static size_t own_frames(const unsigned char *p, size_t n)
{
	uint64_t pfn[n];
	size_t own = 0;
	for (size_t i = 0; i < n; i++)
		pfn[i] = pfn_of(p + i * PAGE);
	for (size_t i = 0; i < n; i++) {
		bool shared = !pfn[i];
		for (size_t j = 0; j < n && !shared; j++)
			shared = j != i && pfn[j] == pfn[i];
		own += !shared;
	}
	return own;
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
	long interval = ksm_read("stable_node_chains_prune_millisecs");
	bad |= knob_case("stable_node_chains_prune_millisecs", "500", 0, 500);
	bad |= knob_case("stable_node_chains_prune_millisecs", "0\n", 0, 0);
	bad |= knob_case("stable_node_chains_prune_millisecs", "4294967295", 0, 4294967295L);
	bad |= knob_case("stable_node_chains_prune_millisecs", "4294967296", EINVAL, 4294967295L);
	bad |= knob_case("stable_node_chains_prune_millisecs", "1s", EINVAL, 4294967295L);
	bad |= knob_case("stable_node_chains_prune_millisecs", "-5", EINVAL, 4294967295L);
	ksm_write_long("stable_node_chains_prune_millisecs", interval);
	ksm_write_long("pages_to_scan", old);
	return bad ? fail("a knob misbehaved") : 0;
}

/* Wait (up to 60 s) until the global counters chains and dups read as given. */
static int wait_chains(long chains, long dups)
{
	double end = now_s() + 60;
	while (ksm_read("stable_node_chains") != chains || ksm_read("stable_node_dups") != dups) {
		if (now_s() > end)
			return -1;
		sleep_ms(10);
	}
	return 0;
}

static void print_counters(const char *when)
{
	printf("ksm-test: chain: %s: pages_shared %ld pages_sharing %ld stable_node_chains %ld "
	       "stable_node_dups %ld\n", when, ksm_read("pages_shared"), ksm_read("pages_sharing"),
	       ksm_read("stable_node_chains"), ksm_read("stable_node_dups"));
}

static int mode_chain(void)
{
	size_t n = 64, unique = 2;
	if (ksm_read("max_page_sharing") != 2)
		return fail("needs max_page_sharing 2");
	long smart_scan = ksm_read("smart_scan"), interval = ksm_read("stable_node_chains_prune_millisecs");
	ksm_write("smart_scan", "0"); /* the unique pages look the tree up on every scan */
	unsigned char *p = map_pages(n + unique);
	if (!p)
		return fail("mmap");
	fill(p, n, 1);
	for (size_t i = n; i < n + unique; i++)
		memset(p + i * PAGE, (int)(i - n) + 1, PAGE); /* 1, 2: not fill()'s 0x41 */
	int rc = 0;
	if (madvise(p, (n + unique) * PAGE, MADV_MERGEABLE) || wait_merging((long)n) || ksm_wait_scans(1, 60)) {
		rc = fail("the pages did not merge");
		goto out;
	}
	print_counters("merged");
	if (ksm_read("pages_shared") != (long)n / 2 || ksm_read("pages_sharing") != (long)n / 2 ||
	    ksm_read("stable_node_chains") != 1 || ksm_read("stable_node_dups") != (long)n / 2) {
		rc = fail("not one chain of pairs");
		goto out;
	}
	/* All but page 0 go: their KSM pages die, and page 0's has room again. */
	ksm_write("stable_node_chains_prune_millisecs", "600000");
	munmap(p + PAGE, (n - 1) * PAGE);
	if (ksm_wait_scans(3, 60)) {
		rc = fail("no scans");
		goto out;
	}
	print_counters("unmapped, interval 600000 ms");
	if (ksm_read("pages_shared") != 1 || ksm_read("pages_sharing") != 0 ||
	    ksm_read("stable_node_chains") != 1) {
		rc = fail("the chain changed shape before its pruning");
		goto out;
	}
	ksm_write("stable_node_chains_prune_millisecs", "2000");
	if (wait_chains(0, 0)) {
		rc = fail("the chain was not pruned");
		goto out;
	}
	print_counters("pruned");
	if (ksm_read("pages_shared") != 1 || ksm_read("pages_sharing") != 0 ||
	    self_stat("ksm_merging_pages") != 1 || bad_bytes(p, 1, 1))
		rc = fail("counters wrong after pruning");
out:
	ksm_write_long("stable_node_chains_prune_millisecs", interval);
	ksm_write_long("smart_scan", smart_scan);
	return rc;
}

/* n pages written with zeros (so each has a frame), mergeable by madvise unless the
 * process merges everything (prctl); NULL unless all went to the zero page. */
static unsigned char *merge_zero_pages(size_t n, bool madv)
{
	unsigned char *p = map_pages(n);
	if (!p)
		return NULL;
	memset(p, 0, n * PAGE);
	if ((madv && madvise(p, n * PAGE, MADV_MERGEABLE)) || wait_self_stat("ksm_zero_pages", (long)n))
		return NULL;
	return p;
}

/* After an unmerge: ksm_zero_pages (this process's and the global one) want, every page
 * with its own frame and all zeros but the word at written_from on. */
static int check_zero_unmerged(const char *how, unsigned char *p, size_t n, long want, size_t written_from)
{
	size_t own = own_frames(p, n), bad = 0;
	for (size_t i = 0; i < n * PAGE; i++)
		bad += p[i] != (i % PAGE == 0 && i / PAGE >= written_from ? 0x5a : 0);
	long self = self_stat("ksm_zero_pages"), global = ksm_read("ksm_zero_pages");
	printf("ksm-test: zero: %s: ksm_zero_pages %ld (global %ld), %zu of %zu pages own their "
	       "frame, %zu bytes wrong\n", how, self, global, own, n, bad);
	munmap(p, n * PAGE);
	return self != want || global != want || own != n || bad ? fail(how) : 0;
}

static int mode_zero(void)
{
	size_t n = 32;
	long use_zero_pages = ksm_read("use_zero_pages");
	ksm_write("use_zero_pages", "1");
	int rc = 1;
	/* MADV_UNMERGEABLE on half; the other half unshared by writes */
	unsigned char *p = merge_zero_pages(n, true);
	if (!p || madvise(p, n / 2 * PAGE, MADV_UNMERGEABLE) ||
	    self_stat("ksm_zero_pages") != (long)n / 2 || ksm_read("ksm_zero_pages") != (long)n / 2) {
		fail("MADV_UNMERGEABLE of half");
		goto out;
	}
	for (size_t i = n / 2; i < n; i++)
		p[i * PAGE] = 0x5a;
	if (check_zero_unmerged("MADV_UNMERGEABLE and writes", p, n, 0, n / 2))
		goto out;
	/* prctl on, then off */
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) || !(p = merge_zero_pages(n, false)) ||
	    prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0)) {
		fail("prctl");
		goto out;
	}
	if (check_zero_unmerged("prctl off", p, n, 0, n))
		goto out;
	/* run = 2 */
	if (!(p = merge_zero_pages(n, true)) || ksm_write("run", "2")) {
		fail("run = 2");
		goto out;
	}
	rc = check_zero_unmerged("run = 2", p, n, 0, n);
	ksm_write("run", "1");
out:
	ksm_write_long("use_zero_pages", use_zero_pages);
	return rc;
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "";
	static const struct { const char *name; int (*fn)(void); bool needs_run; } modes[] = {
		{ "cow", mode_cow, true }, { "unmerge", mode_unmerge, true }, { "prctl", mode_prctl, true },
		{ "volatile", mode_volatile, true }, { "hold", mode_hold, true },
		{ "knobs", mode_knobs, false }, { "chain", mode_chain, true }, { "zero", mode_zero, true },
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
	fprintf(stderr, "usage: ksm-test cow|unmerge|prctl|volatile|hold|knobs|chain|zero\n");
	return 2;
}
