/* Page checksums change with any single bit flip; page_compare is a consistent total order
 * (antisymmetric, transitive over random pages) that agrees with equality. */
#include <string.h>
#include "check.h"
#include "mm/page_cmp.c"

static uint64_t pages[64][512];

int main(void)
{
	srand(3);
	uint8_t *p = (uint8_t *)pages[0];
	memset(p, 0, 4096);
	CHECK(page_is_zero(p));
	uint32_t zero_sum = page_checksum(p);
	int flips_noticed = 0;
	for (int bit = 0; bit < 4096 * 8; bit += 61) {
		p[bit / 8] ^= 1u << (bit % 8);
		flips_noticed += page_checksum(p) != zero_sum && !page_is_zero(p);
		p[bit / 8] ^= 1u << (bit % 8);
	}
	CHECK_EQ(flips_noticed, (4096 * 8 + 60) / 61);
	CHECK(page_checksum(p) == zero_sum);

	/* random pages that differ late, to exercise the whole compare loop */
	for (int i = 1; i < 64; i++) {
		memcpy(pages[i], pages[0], 4096);
		pages[i][rand() % 512] = (uint64_t)rand() << 32 | rand();
		pages[i][511] ^= (uint64_t)(rand() % 4);
	}
	int consistent = 0, total = 0;
	for (int i = 0; i < 64; i++)
		for (int j = 0; j < 64; j++) {
			int ij = page_compare(pages[i], pages[j]), ji = page_compare(pages[j], pages[i]);
			bool same = !memcmp(pages[i], pages[j], 4096);
			total++;
			consistent += (ij == -ji) && ((ij == 0) == same) &&
				      ((page_checksum(pages[i]) == page_checksum(pages[j])) || !same);
			for (int k = 0; k < 64; k += 7) /* transitivity */
				if (ij < 0 && page_compare(pages[j], pages[k]) < 0)
					CHECK(page_compare(pages[i], pages[k]) < 0);
		}
	CHECK_EQ(consistent, total);
	return check_summary("page_cmp");
}
