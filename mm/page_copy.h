/* Whole-frame copy and clear, for the paths that move a page at a time (copy-on-write,
 * anonymous first touch, swap-in, kernel frames leaving the allocator). Pure code on 4 KiB
 * buffers (tests/unit/test_string.c); the kernel passes pages by their direct-map address. */
#ifndef MM_PAGE_COPY_H
#define MM_PAGE_COPY_H

#define PAGE_COPY_SIZE 4096

/* Copy the 4 KiB page at src to dst (both 8-byte aligned, not overlapping). */
void copy_page(void *dst, const void *src);
/* Zero the 4 KiB page at dst (8-byte aligned). */
void clear_page(void *dst);

#endif
