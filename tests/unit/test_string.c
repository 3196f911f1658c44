/* The kernel's word-at-a-time memory routines agree with the C library's on every length
 * up to 100 bytes and every alignment of source and destination, overlapping moves among
 * them; copy_page and clear_page move exactly one page. */
#include <string.h>
#include "check.h"

/* The kernel's routines under other names, beside the host's own. */
#define memcpy k_memcpy
#define memmove k_memmove
#define memset k_memset
#define memcmp k_memcmp
#define strlen k_strlen
#define strnlen k_strnlen
#define strcmp k_strcmp
#define strncmp k_strncmp
#define strchr k_strchr
#define strlcpy k_strlcpy
#include "lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#include "mm/page_copy.c"

#define SPAN 160

static unsigned char src[SPAN], got[SPAN], want[SPAN];

static void fill(unsigned char *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3));
}

static int sign(int x) { return (x > 0) - (x < 0); }

int main(void)
{
	int copy_bad = 0, set_bad = 0, move_bad = 0, cmp_bad = 0;
	for (size_t n = 0; n <= 100; n++)
		for (size_t so = 0; so < 8; so++)
			for (size_t d = 0; d < 8; d++) {
				fill(src, SPAN, (unsigned)(n + so));
				fill(got, SPAN, 99), fill(want, SPAN, 99);
				k_memcpy(got + d, src + so, n), memcpy(want + d, src + so, n);
				copy_bad += memcmp(got, want, SPAN) != 0;

				k_memset(got + d, (int)(n + so), n), memset(want + d, (int)(n + so), n);
				set_bad += memcmp(got, want, SPAN) != 0;

				/* overlapping both ways: d + so apart, forwards and backwards */
				fill(got, SPAN, (unsigned)n), fill(want, SPAN, (unsigned)n);
				k_memmove(got + d, got + d + so, n), memmove(want + d, want + d + so, n);
				k_memmove(got + d + so, got + d, n), memmove(want + d + so, want + d, n);
				move_bad += memcmp(got, want, SPAN) != 0;

				/* the first difference decides, whatever follows it */
				fill(got, SPAN, 5), fill(want, SPAN, 5);
				cmp_bad += k_memcmp(got + d, want + d, n) != 0;
				for (size_t i = 0; i < n; i++) {
					want[d + i] ^= (unsigned char)(0x80 >> (i % 8));
					if (i + 1 < n)
						want[d + i + 1] = (unsigned char)~got[d + i + 1];
					cmp_bad += sign(k_memcmp(got + d, want + d, n)) != sign(memcmp(got + d, want + d, n));
					cmp_bad += sign(k_memcmp(want + d, got + d, n)) != sign(memcmp(want + d, got + d, n));
					memcpy(want + d, got + d, n);
				}
			}
	CHECK_EQ(copy_bad, 0);
	CHECK_EQ(set_bad, 0);
	CHECK_EQ(move_bad, 0);
	CHECK_EQ(cmp_bad, 0);

	static uint64_t pages[3][512 + 1];
	fill((unsigned char *)pages[0], sizeof(pages[0]), 1);
	fill((unsigned char *)pages[1], sizeof(pages[1]), 2);
	memcpy(pages[2], pages[1], sizeof(pages[1]));
	copy_page(pages[1], pages[0]);
	CHECK(!memcmp(pages[1], pages[0], 4096));
	CHECK(pages[1][512] == pages[2][512]); /* the word after the page is untouched */
	clear_page(pages[1]);
	int nonzero = 0;
	for (int i = 0; i < 512; i++)
		nonzero += pages[1][i] != 0;
	CHECK_EQ(nonzero, 0);
	CHECK(pages[1][512] == pages[2][512]);
	return check_summary("string");
}
