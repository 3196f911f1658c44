/* ksm-states [SECONDS]: pages in known KSM states, for `ksm explain` and `ksm reasons`.
 * A mergeable region of 4 pages: three of one content (ksmd makes one KSM page that the
 * three map), one a thread keeps rewriting (volatile); a private page that is not
 * mergeable; and an unmapped hole. Waits until the three are merged, checks
 * /proc/self/ksm_explain and /proc/self/ksm_reasons from the inside (an address per open
 * file, bad input refused), prints the addresses, then stays SECONDS (default 60) for the
 * shell's commands to look at it. The caller sets the knobs (run 1, smart_scan 0 keeps
 * the volatile page from being skipped). Prints "ksm-states: N checks, F failed" before
 * it waits. */
#define _GNU_SOURCE
#define SELFCHECK_NAME "ksm-states"
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include "ksm_util.h"
#include "selfcheck.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PAGE 4096

static volatile uint64_t *volatile_page;

static void *rewrite(void *arg)
{
	for (uint64_t n = 1;; n++) {
		volatile_page[0] = n;
		sleep_ms(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	setvbuf(stdout, NULL, _IONBF, 0);
	char *region = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *plain = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *out = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || plain == MAP_FAILED || out == MAP_FAILED || munmap(plain + PAGE, PAGE)) {
		perror("ksm-states: mmap");
		return 1;
	}
	char *hole = plain + PAGE;
	for (int i = 0; i < 3; i++)
		memset(region + i * PAGE, 0x5a, PAGE);
	volatile_page = (uint64_t *)(region + 3 * PAGE);
	memset(plain, 0x5a, PAGE); /* a twin, but not mergeable */
	pthread_t t;
	CHECK(madvise(region, 4 * PAGE, MADV_MERGEABLE) == 0 && pthread_create(&t, NULL, rewrite, NULL) == 0);
	CHECK(ksm_wait_merging_self(3, 60) == 0); /* (a twin in another domain may run) */
	CHECK(ksm_wait_scans(2, 60) == 0); /* the volatile page visited twice since it changes */

	char text[4096], addr[32];
	snprintf(addr, sizeof(addr), "%p\n", (void *)region);
	CHECK(ksm_explain_self(addr, text, sizeof(text)) > 0 && strstr(text, "merged: counted as") &&
	      strstr(text, "mapped by 3 "));
	snprintf(addr, sizeof(addr), "%lu", (unsigned long)(region + 3 * PAGE + 8)); /* decimal */
	CHECK(ksm_explain_self(addr, text, sizeof(text)) > 0 && strstr(text, "state: volatile"));
	snprintf(addr, sizeof(addr), "%p", (void *)plain);
	CHECK(ksm_explain_self(addr, text, sizeof(text)) > 0 && strstr(text, "not mergeable: no madvise(MADV_MERGEABLE)"));
	snprintf(addr, sizeof(addr), "%p", (void *)hole);
	CHECK(ksm_explain_self(addr, text, sizeof(text)) > 0 && strstr(text, "no mapping at "));
	CHECK(ksm_explain_self("garbage", text, sizeof(text)) == -1 && errno == EINVAL);
	CHECK(ksm_explain_self("", text, sizeof(text)) == -1 && errno == EINVAL);
	int fd = open("/proc/self/ksm_explain", O_RDONLY); /* no address yet */
	CHECK(fd >= 0 && read(fd, text, sizeof(text)) == -1 && errno == EINVAL);
	close(fd);

	/* ksm_reasons: the region's line adds up to its 4 pages, as the counters say. */
	FILE *f = fopen("/proc/self/ksm_reasons", "r");
	char line[512], want[64];
	snprintf(want, sizeof(want), "%012lx-", (unsigned long)region);
	bool found = false;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long n, c[9];
		if (strncmp(line, want, strlen(want)) ||
		    sscanf(line, "%*x-%*x %lu pages: ksm_page %lu sharing %lu zero %lu unique %lu volatile %lu "
				 "skipped %lu unscanned %lu absent %lu swapped %lu", &n, &c[0], &c[1], &c[2],
			   &c[3], &c[4], &c[5], &c[6], &c[7], &c[8]) != 10)
			continue;
		unsigned long sum = 0;
		for (int i = 0; i < 9; i++)
			sum += c[i];
		found = true;
		CHECK(n == 4 && sum == 4 && c[0] == 1 && c[1] == 2 && c[4] == 1);
	}
	if (f)
		fclose(f);
	CHECK(found);
	CHECK(ksm_merging_pages(0) == 3);

	/* A mergeable page paged out: explained as swapped, not as absent. */
	memset(out, 0x77, PAGE);
	CHECK(madvise(out, PAGE, MADV_MERGEABLE) == 0 && madvise(out, PAGE, MADV_PAGEOUT) == 0);
	snprintf(addr, sizeof(addr), "%p", (void *)out);
	CHECK(ksm_explain_self(addr, text, sizeof(text)) > 0 && strstr(text, "swapped out: area ") &&
	      strstr(text, "state: swapped"));

	printf("ksm-states: merged %p %p %p volatile %p unmergeable %p hole %p swapped %p\n", (void *)region,
	       (void *)(region + PAGE), (void *)(region + 2 * PAGE), (void *)(region + 3 * PAGE),
	       (void *)plain, (void *)hole, (void *)out);
	int rc = checks_report();
	sleep(seconds);
	return rc;
}
