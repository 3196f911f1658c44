/* ksm-bench: KSM's costs, as key=value lines (make bench runs it). A region of duplicate
 * pages (64 distinct contents, so the KSM pages form max_page_sharing chains) is written
 * (first-touch faults), made mergeable and merged by ksmd, written again page by page
 * (copy-on-write breaks of merged pages), and unmerged.
 *
 * usage: ksm-bench [MIB [PAGES_TO_SCAN [SLEEP_MILLISECS]]]   (default 256 4096 10) */
#include <sys/mman.h>
#include "ksm_util.h"

#define PAGE 4096
#define CONTENTS 64

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 256;
	const char *to_scan = argc > 2 ? argv[2] : "4096", *sleep_ms_knob = argc > 3 ? argv[3] : "10";
	size_t pages = (size_t)mib << 8;
	if (mib < 1 || ksm_write("pages_to_scan", to_scan) || ksm_write("sleep_millisecs", sleep_ms_knob) ||
	    ksm_write("run", "2") || ksm_write("run", "1")) {
		printf("ksm-bench: bad arguments or cannot set the KSM knobs\n");
		return 1;
	}
	unsigned char *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("ksm-bench: mmap");
		return 1;
	}
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < pages; i++)
		memset(mem + i * PAGE, (int)(i % CONTENTS) + 1, PAGE);
	uint64_t first_touch = (now_ns() - t0) / pages;

	long scanned0 = ksm_read("pages_scanned");
	uint64_t cpu0 = ksmd_cpu_ns();
	t0 = now_ns();
	madvise(mem, pages * PAGE, MADV_MERGEABLE);
	if (ksm_wait_merged(pages, 600)) {
		printf("ksm-bench: not merged after 600 s\n");
		return 1;
	}
	uint64_t merge_ns = now_ns() - t0;
	uint64_t cpu = ksmd_cpu_ns() - cpu0;
	long scanned = ksm_read("pages_scanned") - scanned0;
	long shared = ksm_read("pages_shared"), profit = ksm_read("general_profit");
	ksm_write("run", "0"); /* the timings below are of faults, not of ksmd */

	/* A write fault on a merged page, one at a time. */
	uint64_t cow_median = cow_fault_median_ns(mem, pages);

	t0 = now_ns();
	madvise(mem, pages * PAGE, MADV_UNMERGEABLE);
	uint64_t unmerge_ns = now_ns() - t0;

	printf("region_mib=%ld\n", mib);
	printf("pages_to_scan=%s\n", to_scan);
	printf("sleep_millisecs=%s\n", sleep_ms_knob);
	printf("merge_mib_s=%.1f\n", mib / (merge_ns / 1e9));
	printf("merge_s=%.2f\n", merge_ns / 1e9);
	printf("ksm_pages=%ld\n", shared);
	printf("ksmd_ns_per_page=%llu\n", scanned > 0 ? (unsigned long long)(cpu / scanned) : 0ull);
	printf("cow_fault_ns=%llu\n", (unsigned long long)cow_median);
	printf("first_touch_ns=%llu\n", (unsigned long long)first_touch);
	printf("unmerge_mib_s=%.1f\n", mib / (unmerge_ns / 1e9));
	printf("saved_mib=%.1f\n", profit / 1048576.0);
	munmap(mem, pages * PAGE);
	return 0;
}
