/* The kernel's frame allocator: one buddy allocator over all of RAM (mm/buddy.c). The
 * allocation functions may be called from any CPU and from interrupt handlers; they take
 * the buddy lock, a leaf lock (taken inside the page-table and slab locks, never the
 * other way round). */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include "mm/page.h"
#include "mm/buddy.h"

/* 2^order contiguous frames, naturally aligned, refcount 1; NULL when none is free. The
 * contents are whatever the last owner left. */
struct page *alloc_pages(unsigned order);
/* Drop the caller's reference to a block from alloc_pages(order); the last one frees it.
 * BUG_ON: reserved or free frame, wrong order, owner flags still set. */
void free_pages(struct page *page, unsigned order);
static inline struct page *alloc_page(void) { return alloc_pages(0); }
static inline void free_page(struct page *page) { free_pages(page, 0); }
/* alloc_page(), but a frame drawn at random from the free ones (falling back to any free
 * frame when a few draws miss), so that nobody can steer which frame a page lands in: KSM's
 * same_behaviour. */
struct page *alloc_page_random(void);

/* User pages (anonymous, shared, KSM, swap cache) are freed by their last put_page()
 * (mm/page_ref.h), which undoes what their owners did first; free_page() is for frames
 * whose owner knows it holds the only reference. */

/* 2^order zeroed frames for a kernel object (slab, kernel stack, large kmalloc block, ring);
 * NULL when none is free. Zeroed whole, not only as far as the object needs: a frame that
 * once held code QEMU translated (firmware, GRUB, a task's text) sends every later store to
 * it down QEMU's slow path until each of its bytes has been written once; kernel objects
 * are written on every hot path, so their speed must not depend on a frame's history. */
struct page *alloc_kernel_pages(unsigned order);
/* One zero-filled frame, by its direct-map address; NULL when none is free. */
void *alloc_page_zeroed(void);
/* free_page() by direct-map address. */
void free_page_virt(void *va);

/* Boot: an empty allocator for the frames mem_map describes (after page_array_init). */
void page_alloc_init(void);
/* Boot: hand the blank frames [start_pfn, end_pfn) over to the allocator. */
void page_alloc_add(uint64_t start_pfn, uint64_t end_pfn);

/* Frames free now (lock-free snapshot). */
uint64_t nr_free_pages(void);

#endif
