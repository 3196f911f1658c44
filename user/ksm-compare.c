/* ksm-compare: the workloads of `make compare` (tests/compare/run.py), one static binary
 * run unchanged on this kernel and on Debian's Linux 6.1. So it uses only what Linux 6.1
 * has: madvise(MADV_MERGEABLE), the counters pages_shared, pages_sharing and full_scans,
 * /proc/PID/schedstat and /proc/self/pagemap. Each workload sets the KSM knobs it needs
 * and prints key=value lines prefixed with its name; each timed one also prints timer_ns,
 * the cost of the clock_gettime pair around every timed stretch (already taken off).
 *
 * usage: ksm-compare WORKLOAD     (ksm-compare with no argument lists the workloads) */
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ksm_util.h"

#define PAGE 4096
#define MIB_PAGES 256
#define REPEATS 5                   /* timed stretches per figure; the median is printed */
#define FAULT_PAGES 4096            /* pages per timed stretch of a fault figure */
#define MERGE_TIMEOUT_NS 1200000000000ull

static const char *workload;        /* the prefix of every key */

static void put(const char *key, double value)
{
	printf("%s_%s=%.1f\n", workload, key, value);
	fflush(stdout);
}

static void die(const char *what)
{
	printf("ksm-compare: %s: %s\n", workload, what);
	exit(1);
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++) /* insertion sort: n is REPEATS */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median cost of back-to-back now_ns() calls, printed as timer_ns. */
static uint64_t timer_ns(void)
{
	static uint64_t pair[1001];
	for (int i = 0; i < 1001; i++) {
		uint64_t a = now_ns();
		pair[i] = now_ns() - a;
	}
	qsort(pair, 1001, sizeof(pair[0]), cmp_u64);
	put("timer_ns", pair[500]);
	return pair[500];
}

/* Start from nothing merged, with ksmd running at the given knobs. Linux 6.1 has no
 * smart_scan and always behaves as with smart_scan 0; where the knob exists, so do we. */
static void ksm_setup(const char *pages_to_scan, const char *sleep_millisecs, const char *zero_pages)
{
	if (ksm_write("smart_scan", "0") && ksm_read("smart_scan") >= 0)
		die("cannot switch smart_scan off");
	if (ksm_write("run", "2") || ksm_write("pages_to_scan", pages_to_scan) ||
	    ksm_write("sleep_millisecs", sleep_millisecs) || ksm_write("use_zero_pages", zero_pages) ||
	    ksm_write("run", "1"))
		die("cannot set the KSM knobs (not root, or no KSM?)");
}

static unsigned char *map_pages(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap failed");
	return p;
}

/* ---- merging ---- */

/* What a merge workload writes: page contents, and how many pages end up merged. */
enum pattern { SAME, FOUR, UNIQUE_QUARTER, ZERO };

static void fill(unsigned char *mem, size_t pages, enum pattern pat)
{
	for (size_t i = 0; i < pages; i++) {
		unsigned char *pg = mem + i * PAGE;
		memset(pg, pat == ZERO ? 0 : pat == FOUR ? 1 + i % 4 : 0x5a, PAGE);
		if (pat == UNIQUE_QUARTER && i % 4 == 3)
			memcpy(pg, &i, sizeof(i)); /* every fourth page differs from all others */
	}
}

static size_t ksm_merged(void)
{
	return ksm_read("pages_shared") + ksm_read("pages_sharing");
}

/* Pages of mem mapped to the zero page (use_zero_pages=1 merges there, and Linux 6.1
 * counts those nowhere), seen through the PFNs of /proc/self/pagemap. */
static size_t zero_mapped(unsigned char *mem, size_t pages)
{
	static uint64_t zero_pfn, *entries;
	static size_t cap;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("cannot open /proc/self/pagemap");
	if (!zero_pfn) { /* a page only read is the zero page */
		volatile unsigned char *probe = map_pages(1);
		(void)probe[0];
		if (pread(fd, &zero_pfn, 8, (uintptr_t)probe / PAGE * 8) != 8)
			zero_pfn = 0;
		zero_pfn &= (1ull << 55) - 1;
		if (!zero_pfn)
			die("pagemap shows no PFNs (not root?)");
	}
	if (cap < pages) {
		free(entries);
		entries = malloc(pages * 8);
		cap = pages;
	}
	size_t n = 0;
	if (pread(fd, entries, pages * 8, (uintptr_t)mem / PAGE * 8) == (ssize_t)(pages * 8))
		for (size_t i = 0; i < pages; i++)
			n += (entries[i] >> 63) && (entries[i] & ((1ull << 55) - 1)) == zero_pfn;
	close(fd);
	return n;
}

/* Whether all pages of mem seem to be on the zero page: the counter ksm_zero_pages where
 * there is one (ours; Linux from 6.10), else whether the last page is there, since ksmd
 * goes through a region in address order. Reading all of pagemap at every poll would
 * slow ksmd down; and on our kernel any read of the task's memory state waits for its
 * address space's lock, which ksmd holds while it walks the region: seconds, at
 * sleep_millisecs 0 (a problem of ours, not of merging). */
static int zero_merged(unsigned char *mem, size_t pages)
{
	long counted = ksm_read("ksm_zero_pages");
	return counted >= 0 ? (size_t)counted >= pages : zero_mapped(mem + (pages - 1) * PAGE, 1);
}

/* The longest one round of the polling loop below took (a 5 ms sleep and a counter or
 * two read), in ms, since the workload began: how long a task can be held up while ksmd
 * works flat out (on our kernel, reading a KSM counter waits for ksmd's lock). */
static double longest_poll_ms;

/* Register mem, wait until `want` pages are merged (or all are on the zero page, checked
 * in full once ksmd is stopped): the seconds it took. */
static double merge(unsigned char *mem, size_t pages, size_t want, int to_zero_page)
{
	uint64_t t0 = now_ns();
	if (madvise(mem, pages * PAGE, MADV_MERGEABLE))
		die("madvise(MADV_MERGEABLE) failed");
	for (uint64_t last = t0, now;; last = now) {
		int done = to_zero_page ? zero_merged(mem, pages) : ksm_merged() >= want;
		now = now_ns();
		if ((now - last) / 1e6 > longest_poll_ms)
			longest_poll_ms = (now - last) / 1e6;
		if (done)
			break;
		if (now - t0 > MERGE_TIMEOUT_NS)
			die("not merged in time");
		sleep_ms(5);
	}
	double s = (now_ns() - t0) / 1e9;
	if (to_zero_page) {
		ksm_write("run", "0");
		if (zero_mapped(mem, pages) != pages)
			die("not all pages are on the zero page");
		ksm_write("run", "1");
	}
	return s;
}

/* ksmd's CPU time per page visited while it rescans a merged region: ns, over whole
 * scans, at least two and at least a second's worth (one would be too short to time). */
static double scan_ns_per_page(size_t pages)
{
	if (ksm_wait_scans(1, 600)) /* start at a scan boundary */
		die("no full scan");
	uint64_t cpu0 = ksmd_cpu_ns(), t0 = now_ns();
	long scans0 = ksm_read("full_scans"), scans = 0;
	while (scans < 2 || now_ns() - t0 < 1000000000ull) {
		if (ksm_wait_scans(1, 600))
			die("no full scan");
		scans = ksm_read("full_scans") - scans0;
	}
	return (double)(ksmd_cpu_ns() - cpu0) / ((double)scans * pages);
}

/* Merge a region at pages_to_scan 10000, sleep_millisecs 0: throughput, ksmd's cost per
 * page on the scans after, and MADV_UNMERGEABLE's throughput with ksmd stopped. */
static void merge_workload(size_t mib, enum pattern pat)
{
	size_t pages = mib * MIB_PAGES;
	size_t want = pat == UNIQUE_QUARTER ? pages - pages / 4 : pages;
	uint64_t timer = timer_ns();
	ksm_setup("10000", "0", "0");
	unsigned char *mem = map_pages(pages);
	fill(mem, pages, pat);
	double s = merge(mem, pages, want, 0);
	put("merge_mib_s", mib / s);
	put("ksmd_ns_page", scan_ns_per_page(pages));
	ksm_write("run", "0");
	uint64_t t0 = now_ns();
	if (madvise(mem, pages * PAGE, MADV_UNMERGEABLE))
		die("madvise(MADV_UNMERGEABLE) failed");
	put("unmerge_mib_s", mib / ((now_ns() - t0 - timer) / 1e9));
	put("longest_poll_ms", longest_poll_ms);
	munmap(mem, pages * PAGE);
}

static void merge_same_64(void) { merge_workload(64, SAME); }
static void merge_four_64(void) { merge_workload(64, FOUR); }
static void merge_unique_64(void) { merge_workload(64, UNIQUE_QUARTER); }
static void merge_same_256(void) { merge_workload(256, SAME); }
static void merge_four_256(void) { merge_workload(256, FOUR); }
static void merge_unique_256(void) { merge_workload(256, UNIQUE_QUARTER); }

/* 64 MiB of written zero pages, merged into one KSM page (use_zero_pages 0) or onto the
 * zero page (1). */
static void zero_pages(void)
{
	size_t mib = 64, pages = mib * MIB_PAGES;
	timer_ns();
	for (int use = 0; use <= 1; use++) {
		ksm_setup("10000", "0", use ? "1" : "0");
		unsigned char *mem = map_pages(pages);
		fill(mem, pages, ZERO);
		put(use ? "use_zero_pages1_mib_s" : "use_zero_pages0_mib_s", mib / merge(mem, pages, pages, use));
		munmap(mem, pages * PAGE);
	}
	put("longest_poll_ms", longest_poll_ms);
	ksm_write("use_zero_pages", "0");
}

/* ---- faults and system calls ---- */

/* A write of one byte to each page, timed as one stretch: ns per page. */
static double time_writes(unsigned char *mem, size_t pages, uint64_t timer)
{
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < pages; i++)
		((volatile unsigned char *)mem)[i * PAGE] = 1;
	return (double)(now_ns() - t0 - timer) / pages;
}

/* The four kinds of write: to a merged page (KSM copy-on-write), to a page never touched
 * (first touch), to a page only read so far (the zero page's copy-on-write), and to a
 * page already written (no fault). */
static void faults(void)
{
	uint64_t timer = timer_ns();
	double cow[REPEATS], first[REPEATS], zero[REPEATS], present[REPEATS];

	ksm_setup("10000", "0", "0");
	size_t pages = REPEATS * FAULT_PAGES;
	unsigned char *merged = map_pages(pages);
	fill(merged, pages, FOUR);
	merge(merged, pages, pages, 0);
	ksm_write("run", "0");
	for (int r = 0; r < REPEATS; r++)
		cow[r] = time_writes(merged + (size_t)r * FAULT_PAGES * PAGE, FAULT_PAGES, timer);
	munmap(merged, pages * PAGE);

	for (int r = 0; r < REPEATS; r++) {
		unsigned char *mem = map_pages(FAULT_PAGES);
		first[r] = time_writes(mem, FAULT_PAGES, timer);
		present[r] = time_writes(mem, FAULT_PAGES, timer);
		munmap(mem, FAULT_PAGES * PAGE);

		mem = map_pages(FAULT_PAGES);
		unsigned sum = 0;
		for (size_t i = 0; i < FAULT_PAGES; i++)
			sum += ((volatile unsigned char *)mem)[i * PAGE];
		if (sum)
			die("fresh memory is not zero");
		zero[r] = time_writes(mem, FAULT_PAGES, timer);
		munmap(mem, FAULT_PAGES * PAGE);
	}
	put("ksm_cow_ns", median(cow, REPEATS));
	put("first_touch_ns", median(first, REPEATS));
	put("zero_cow_ns", median(zero, REPEATS));
	put("present_write_ns", median(present, REPEATS));
}

/* syscall(SYS_getppid): the cheapest system call with an answer. */
static void null_syscall(void)
{
	const int calls = 20000;
	uint64_t timer = timer_ns();
	double ns[REPEATS];
	for (int r = 0; r < REPEATS; r++) {
		uint64_t t0 = now_ns();
		for (int i = 0; i < calls; i++)
			syscall(SYS_getppid);
		ns[r] = (double)(now_ns() - t0 - timer) / calls;
	}
	put("ns", median(ns, REPEATS));
}

/* fork, the child's _exit and the parent's wait, with 64 MiB written in the parent. */
static void fork_exit(void)
{
	size_t pages = 64 * MIB_PAGES;
	uint64_t timer = timer_ns();
	unsigned char *mem = map_pages(pages);
	fill(mem, pages, FOUR);
	double ns[REPEATS];
	for (int r = 0; r < REPEATS; r++) {
		uint64_t t0 = now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			die("fork or wait failed");
		ns[r] = now_ns() - t0 - timer;
	}
	put("us", median(ns, REPEATS) / 1000);
	munmap(mem, pages * PAGE);
}

/* ---- the realistic one: vmsim guests at Linux's default knobs ---- */

/* Three vmsim guests of 8 MiB, half their pages the same across guests and a quarter zero;
 * once merged, ksmd's share of one CPU and the seconds per full scan over about 10 s. */
static void mixed(void)
{
	const int guests = 3;
	const size_t pages = 8 * MIB_PAGES;
	char *argv[] = { "vmsim", "-n", "3", "-m", "8", "-s", "50", "-z", "25", NULL };
	/* the shared half and the zero quarter of every guest's pages */
	size_t want = (size_t)guests * (pages / 2 + pages / 4);
	timer_ns();
	ksm_setup("100", "20", "0");
	pid_t pid;
	if (posix_spawn(&pid, "/bin/vmsim", NULL, NULL, argv, NULL))
		die("cannot start /bin/vmsim");
	uint64_t t0 = now_ns();
	while (ksm_merged() < want) {
		if (now_ns() - t0 > MERGE_TIMEOUT_NS)
			die("vmsim's guests not merged in time");
		sleep_ms(20);
	}
	put("merged_s", (now_ns() - t0) / 1e9);
	if (ksm_wait_scans(1, 600))
		die("no full scan");
	long scans0 = ksm_read("full_scans");
	uint64_t start = now_ns(), cpu0 = ksmd_cpu_ns();
	sleep_ms(10000);
	if (ksm_wait_scans(1, 600)) /* end at a scan boundary too */
		die("no full scan");
	double window = now_ns() - start;
	put("ksmd_cpu_pct", 100.0 * (ksmd_cpu_ns() - cpu0) / window);
	put("s_per_scan", window / 1e9 / (ksm_read("full_scans") - scans0));
	kill(pid, SIGTERM); /* its guests see their parent gone and end */
	waitpid(pid, NULL, 0);
	sleep_ms(300);
}

static const struct {
	const char *name;
	void (*run)(void);
} workloads[] = {
	{ "merge_same_64", merge_same_64 },
	{ "merge_four_64", merge_four_64 },
	{ "merge_unique_64", merge_unique_64 },
	{ "merge_same_256", merge_same_256 },
	{ "merge_four_256", merge_four_256 },
	{ "merge_unique_256", merge_unique_256 },
	{ "zero_pages", zero_pages },
	{ "faults", faults },
	{ "syscall", null_syscall },
	{ "fork", fork_exit },
	{ "mixed", mixed },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc == 2 && i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(argv[1], workloads[i].name)) {
			workload = workloads[i].name;
			workloads[i].run();
			return 0;
		}
	printf("usage: ksm-compare WORKLOAD, one of:");
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		printf(" %s", workloads[i].name);
	printf("\n");
	return 2;
}
