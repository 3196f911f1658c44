/* Eight aligned words per loop round: under QEMU's TCG this copies a page about ten times
 * faster than rep movsb and clears it about twice as fast as rep stosq
 * (../shared/qemu-facts.md), and a page at a time is what the fault paths move. */
#include "mm/page_copy.h"
#include "lib/compiler.h"

void copy_page(void *dst, const void *src)
{
	uint64_t *d = dst;
	const uint64_t *s = src;
	for (unsigned i = 0; i < PAGE_COPY_SIZE / 8; i += 8, d += 8, s += 8) {
		uint64_t w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];
		uint64_t w4 = s[4], w5 = s[5], w6 = s[6], w7 = s[7];
		d[0] = w0, d[1] = w1, d[2] = w2, d[3] = w3;
		d[4] = w4, d[5] = w5, d[6] = w6, d[7] = w7;
	}
}

void clear_page(void *dst)
{
	uint64_t *d = dst;
	for (unsigned i = 0; i < PAGE_COPY_SIZE / 8; i += 8, d += 8)
		d[0] = d[1] = d[2] = d[3] = d[4] = d[5] = d[6] = d[7] = 0;
}
