/* Page contents as KSM sees them: a checksum that tells whether a page changed between two
 * visits, and a total order for the content-sorted trees. Pure code on 4 KiB buffers
 * (tests/unit/test_page_cmp.c); the kernel passes pages by their direct-map address. */
#ifndef MM_PAGE_CMP_H
#define MM_PAGE_CMP_H

#include "lib/compiler.h"

#define PAGE_CMP_SIZE 4096

/* 32 bits that change when any bit of the page changes (with overwhelming likelihood):
 * the low half of a 64-bit hash built like xxh64's inner loop (four independent lanes of
 * multiply-rotate over 8-byte words, then a mix), so the CPU overlaps the lanes. */
uint32_t page_checksum(const void *page);
/* Compare two pages word by word: < 0, 0 or > 0, a total order (the first differing
 * 64-bit word decides, as unsigned numbers). Stops at the first difference. */
int page_compare(const void *a, const void *b);
/* Whether every byte of the page is zero. */
bool page_is_zero(const void *page);

#endif
