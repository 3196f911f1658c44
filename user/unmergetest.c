/* unmergetest: unmerging more merged memory than is free must succeed while swap has room,
 * as on Linux, where unmerging reclaims like a fault. A region of REGION_MB identical pages
 * is written a chunk at a time and merged as it grows (so it never needs its full size),
 * then BALLOON_MB of unique memory takes most of what is free, and the region is unmerged
 * by MADV_UNMERGEABLE ("madvise") or by writing 2 to run ("run2"). Checks: the unmerge
 * succeeds, no page is left shared (after ksmd's next scans for madvise, whose counters
 * Linux too updates lazily), every page of both regions still holds its contents.
 *
 * usage: unmergetest madvise|run2 [REGION_MB [BALLOON_MB]]     (default 96 64)
 * Prints "unmergetest: N checks, F failed". */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include "ksm_util.h"
#define SELFCHECK_NAME "unmergetest"
#include "selfcheck.h"

#define PAGE 4096
#define CHUNK_MB 8
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void fill(unsigned char *p, size_t bytes, unsigned char v)
{
	for (size_t i = 0; i < bytes; i += PAGE)
		memset(p + i, v, PAGE);
}

/* The number of pages of [p, p + bytes) whose bytes are not all v. */
static size_t wrong_pages(const unsigned char *p, size_t bytes, unsigned char v)
{
	size_t bad = 0;
	for (size_t i = 0; i < bytes; i += PAGE)
		for (size_t j = 0; j < PAGE; j += 512)
			if (p[i + j] != v) {
				bad++;
				break;
			}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "madvise") && strcmp(argv[1], "run2"))) {
		fprintf(stderr, "usage: unmergetest madvise|run2 [REGION_MB [BALLOON_MB]]\n");
		return 2;
	}
	bool by_run = !strcmp(argv[1], "run2");
	size_t region = (size_t)(argc > 2 ? atol(argv[2]) : 96) << 20;
	size_t balloon = (size_t)(argc > 3 ? atol(argv[3]) : 64) << 20;

	ksm_write("run", "2");
	ksm_write("pages_to_scan", "10000");
	ksm_write("sleep_millisecs", "0");
	ksm_write("run", "1");
	unsigned char *r = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	if (r == MAP_FAILED)
		return checks_report();
	CHECK(madvise(r, region, MADV_MERGEABLE) == 0);
	for (size_t done = 0; done < region; done += CHUNK_MB << 20) {
		size_t n = MIN((size_t)CHUNK_MB << 20, region - done);
		fill(r + done, n, 0x5a);
		ksm_wait_scans(2, 60); /* merged before the next chunk: the region stays small */
	}
	/* Pages that went to swap while the region grew (what an earlier run left in memory
	 * decides how many) are merged only once read back in. */
	long want = (long)(region / PAGE) * 9 / 10, sharing;
	double give_up = now_s() + 60;
	while ((sharing = ksm_read("pages_sharing")) < want && now_s() < give_up) {
		CHECK(wrong_pages(r, region, 0x5a) == 0);
		ksm_wait_scans(2, 10);
	}
	CHECK(sharing >= want);
	ksm_write("run", "0");

	unsigned char *b = mmap(NULL, balloon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(b != MAP_FAILED);
	if (b != MAP_FAILED)
		for (size_t i = 0; i < balloon; i += PAGE)
			*(uint64_t *)(b + i) = i + 1; /* unique: nothing for KSM */

	int rc = by_run ? ksm_write("run", "2") : madvise(r, region, MADV_UNMERGEABLE);
	CHECK(rc == 0);
	if (!by_run) { /* as on Linux, ksmd drops the unmerged pages' items on its next visit */
		ksm_write("run", "1");
		ksm_wait_scans(2, 60);
	}
	CHECK(ksm_read("pages_sharing") == 0 && ksm_read("pages_shared") == 0);
	CHECK(wrong_pages(r, region, 0x5a) == 0);
	size_t bad_balloon = 0;
	for (size_t i = 0; b != MAP_FAILED && i < balloon; i += PAGE)
		bad_balloon += *(uint64_t *)(b + i) != i + 1;
	CHECK(bad_balloon == 0);
	printf("unmergetest: %s region_mb=%zu balloon_mb=%zu merged_pages=%ld\n", argv[1],
	       region >> 20, balloon >> 20, sharing);
	ksm_write("run", "2");
	return checks_report();
}
