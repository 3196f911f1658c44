/* Binary buddy allocator over a struct page array: blocks of 2^order frames, naturally
 * aligned (the first frame number is a multiple of 2^order). Pure code: it touches only
 * the struct pages, never the frames, so tests/unit/test_buddy.c runs it on the host. */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "lib/compiler.h"
#include "lib/list.h"
#include "mm/page.h"
#include "arch-x86_64/spinlock.h"

#define MAX_ORDER 10 /* largest block: 2^10 frames = 4 MiB */

struct buddy {
	spinlock_t lock;                     /* guards free[], nr_free, and the PG_BUDDY
					      * flag and order of free blocks */
	struct page *map;                    /* map[pfn] describes frame pfn */
	uint64_t npages;                     /* frames [0, npages) */
	struct list_head free[MAX_ORDER + 1]; /* first frames of free blocks, by order */
	uint64_t nr_free;                    /* frames in free blocks */
};

/* An empty allocator (nothing free) for the frames map[0..npages). */
void buddy_init(struct buddy *b, struct page *map, uint64_t npages);
/* Give frames [start_pfn, end_pfn) to the allocator; they must be blank (no flags,
 * refcount 0). Takes b->lock. */
void buddy_add_range(struct buddy *b, uint64_t start_pfn, uint64_t end_pfn);
/* A block of 2^order frames, its first frame's refcount set to 1 and ->order to order;
 * NULL if no block that large is free. order <= MAX_ORDER. Takes b->lock. */
struct page *buddy_alloc(struct buddy *b, unsigned order);
/* Frame pfn itself, as buddy_alloc(b, 0) would hand it out, if it is free (its free block is
 * split around it); else NULL. Takes b->lock. */
struct page *buddy_alloc_at(struct buddy *b, uint64_t pfn);
/* Drop one reference to the block alloc'ed at page with this order; the last one frees
 * it, merging it with its free buddies. Panics (BUG_ON) on a reserved or already free
 * frame, a wrong order or alignment, or flags left set by the owner. Takes b->lock. */
void buddy_free(struct buddy *b, struct page *page, unsigned order);

/* Free frames, read without the lock (a snapshot). */
static inline uint64_t buddy_nr_free(const struct buddy *b) { return READ_ONCE(b->nr_free); }

#endif
