/* swap-bench: swap throughput, as key=value lines (make bench runs it on a machine with
 * less RAM than the region). A region of MIB anonymous memory is written page by page:
 * once RAM is full, each new page makes reclaim write an older one to swap
 * (swapout_mib_s: MiB written to swap per second, from the first write to swap to the end
 * of the fill). The region is then read back twice. The first pass still makes reclaim
 * write out the pages that never went to swap; after it every page has its copy in swap, so
 * in the second pass reclaim frees pages without writing (swapin_writes_mib shows it) and
 * the pass measures reading (swapin_mib_s: MiB read from swap per second). Every page holds
 * its own number, checked on each read.
 *
 * usage: swap-bench [MIB]   (default 384) */
#include <stdint.h>
#include <sys/mman.h>
#include "ksm_util.h" /* now_s(), vmstat() */

#define PAGE 4096
#define SAMPLE_PAGES 256 /* look at pswpout every MiB of the fill */

static double mib(long pages)
{
	return pages * (PAGE / 1048576.0);
}

/* Read every page's number back: the first page that is wrong, or pages. */
static size_t read_back(const volatile uint64_t *mem, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		if (mem[i * (PAGE / 8)] != i)
			return i;
	return pages;
}

int main(int argc, char **argv)
{
	long size = argc > 1 ? atol(argv[1]) : 384;
	if (argc > 2 || size < 1 || vmstat("pswpout") < 0) {
		fprintf(stderr, "usage: swap-bench [MIB]   (needs /proc/vmstat)\n");
		return 2;
	}
	size_t pages = (size_t)size << 8;
	uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("swap-bench: mmap");
		return 1;
	}

	long out0 = vmstat("pswpout"), out_first = -1;
	double t_first = 0;
	for (size_t i = 0; i < pages; i++) {
		mem[i * (PAGE / 8)] = i;
		long out = out_first < 0 && i % SAMPLE_PAGES == 0 ? vmstat("pswpout") : -1;
		if (out > out0) {
			out_first = out;
			t_first = now_s();
		}
	}
	double t_filled = now_s();
	long out_filled = vmstat("pswpout");
	if (out_first < 0) {
		printf("swap-bench: nothing went to swap: the region (%ld MiB) fits in RAM\n", size);
		return 1;
	}

	/* After a first pass every page has its copy in swap: the second one only reads. */
	size_t bad = read_back(mem, pages);
	long in0 = vmstat("pswpin"), out1 = vmstat("pswpout");
	double t0 = now_s();
	if (bad == pages)
		bad = read_back(mem, pages);
	double t_read = now_s() - t0;
	long in = vmstat("pswpin") - in0, out = vmstat("pswpout") - out1;
	if (bad < pages) {
		printf("swap-bench: page %zu reads %#llx\n", bad, (unsigned long long)mem[bad * (PAGE / 8)]);
		return 1;
	}

	printf("swap_region_mib=%ld\n", size);
	printf("swapout_mib=%.1f\n", mib(out_filled - out0));
	printf("swapout_mib_s=%.1f\n", mib(out_filled - out_first) / (t_filled - t_first));
	printf("swapin_mib=%.1f\n", mib(in));
	printf("swapin_writes_mib=%.1f\n", mib(out));
	printf("swapin_mib_s=%.1f\n", mib(in) / t_read);
	munmap(mem, pages * PAGE);
	return 0;
}
