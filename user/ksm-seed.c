/* ksm-seed: the smallest KSM demonstration. Three one-page private mappings are filled
 * with zeros (written, so they are real pages: untouched ones map the shared zero page and
 * are no candidates), made mergeable, and after two full scans ksmd has merged them into
 * one KSM page (pages_sharing 2). Then each page gets a different byte: the writes copy
 * the page back, and two scans later pages_sharing is 0 again. Needs ksmd running. */
#include <sys/mman.h>
#include "ksm_util.h"

#define NPAGES 3

int main(void)
{
	long run = ksm_read("run");
	if (run != 1) {
		printf("ksm-seed: ksmd is not running (run is %ld): echo 1 > /sys/kernel/mm/ksm/run\n", run);
		return 1;
	}
	unsigned char *p[NPAGES];
	for (int i = 0; i < NPAGES; i++) {
		p[i] = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p[i] == MAP_FAILED) {
			perror("ksm-seed: mmap");
			return 1;
		}
		memset(p[i], 0, 4096);
		if (madvise(p[i], 4096, MADV_MERGEABLE)) {
			perror("ksm-seed: madvise");
			return 1;
		}
	}
	/* Two full scans merge them, once ksmd has seen them: the scan under way when they
	 * were registered may have passed them by (with ksmd on another CPU, often). */
	for (int scans = 0; scans < 3 && ksm_read("pages_sharing") < NPAGES - 1; scans++)
		if (ksm_wait_scans(scans ? 1 : 2, 60)) {
			printf("ksm-seed: ksmd did not complete its scans in 60 s\n");
			return 1;
		}
	long merged = ksm_read("pages_sharing");
	printf("ksm-seed: %d zero-filled pages merged: pages_shared %ld pages_sharing %ld\n", NPAGES,
	       ksm_read("pages_shared"), merged);
	for (int i = 0; i < NPAGES; i++)
		p[i][100] = (unsigned char)(i + 1);
	if (ksm_wait_scans(2, 60)) {
		printf("ksm-seed: ksmd did not complete two scans in 60 s\n");
		return 1;
	}
	long after = ksm_read("pages_sharing");
	int bad = 0;
	for (int i = 0; i < NPAGES; i++)
		for (int b = 0; b < 4096; b++)
			bad += p[i][b] != (b == 100 ? i + 1 : 0);
	printf("ksm-seed: after writing a different byte to each: pages_sharing %ld, %d bytes wrong\n",
	       after, bad);
	printf("ksm-seed: %s\n", merged == NPAGES - 1 && after == 0 && !bad ? "merged, then unmerged"
									       : "unexpected counters");
	return merged == NPAGES - 1 && after == 0 && !bad ? 0 : 1;
}
