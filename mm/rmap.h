/* Reverse maps: for each user page on one (PG_ANON and PG_SHMEM pages), the exact list of
 * (address space, virtual address) whose PTE maps it. Every map and unmap of such a page
 * (fault, copy-on-write break, fork, munmap, MADV_DONTNEED, exit, exec) goes through
 * rmap_add()/rmap_remove() in the same mm->lock critical section as the PTE change, so
 * page->mapcount is always the length of the list and, for a (mm, va) on it, the PTE of va
 * in mm maps the page whenever mm->lock is free. This is what ksmd and reclaim use to find
 * and rewrite every PTE of a page.
 *
 * Locking: one global spinlock (irqsave) guards every list and mapcount change. It nests
 * inside mm->lock and is never held with a page-table lock or while sleeping; blocks are
 * allocated and freed outside it. A walker that holds only the rmap lock may see a mapping
 * its mm is about to change; to act on it, it takes a reference (mm_tryget()), drops the
 * rmap lock, takes mm->lock and checks the PTE again.
 *
 * Layout: a page's mappings sit in blocks of three (mm, va) slots, one 64-byte cache line
 * each, chained in a circle both ways with page->rmap at the newest block (where adds go),
 * whose next is the oldest. A removal looks in the newest block first, then from the
 * oldest on. It fills its hole with the last mapping of the newest block if the hole is
 * there (an emptied newest block stays: the next add fills it), else of the oldest block
 * (freed when it empties, unless it is the only one). So a hole in the newest or the
 * oldest block is filled within its own line, every block between the two is full, and n
 * mappings take at most n / 3 + 2 blocks, whatever order they come and go in.
 *
 * Why: the unmap of a mapping in the newest block reads and writes that one line and
 * nothing else, however many other mappings the page has, and a page mapped up to three
 * times has one block. So under same_behaviour (mm/ksm.c) the first access to a probe page
 * costs the same whether the page was merged with nobody (a fake merge), with one process
 * or with many that merged before the prober (its mapping, added last, is in the newest
 * block). A list of one entry per mapping did not: unlinking from a list of two wrote the
 * other sharer's entry, a cold line that made the access measurably slower. The page's last
 * block stays when its last mapping goes and is freed with the frame (rmap_release(), from
 * put_page()), so that unmapping a page's only mapping frees nothing either.
 *
 * Cost: adding is O(1); removing and walking are linear in the page's mappings (one or two
 * for private pages; KSM bounds its pages' sharing with max_page_sharing). After the newest
 * block, a removal searches from the oldest: for the many sharers of a KSM page, merged in
 * address order and unmerged or written in address order too, the one removed is in the
 * oldest block and its hole is filled there. Walks go from the oldest block to the newest. */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "lib/compiler.h"
#include "mm/page.h"

struct mm;

/* One mapping: (mm, va) whose PTE maps the page. */
struct rmap_slot {
	struct mm *mm;
	uint64_t va;			/* page-aligned; the low 12 bits are free for later users */
};

#define RMAP_BLOCK_SLOTS 3

/* A block of a page's reverse map, from its own slab cache, cache-line aligned. (Not KSM's
 * struct ksm_rmap_item, Linux's rmap_item: ksmd's memory of one scanned virtual page,
 * mm/ksm_internal.h.) */
struct rmap_block {
	struct rmap_block *next;	/* [rmap lock] the next newer block of the same page (the
					 * newest's: the oldest; page->rmap is the newest) */
	struct rmap_block *prev;	/* [rmap lock] the next older one (the oldest's: the newest) */
	struct rmap_slot slot[RMAP_BLOCK_SLOTS];	/* [rmap lock] the mappings first, then
							 * free slots (mm NULL) */
};
_Static_assert(sizeof(struct rmap_block) == 64, "an rmap block is one cache line");

/* Boot, once (from addrspace_init): the cache of rmap blocks. */
void rmap_init(void);
/* A block for rmap_add(), allocated ahead so that the PTE change cannot fail after the
 * page is mapped; NULL when out of memory. */
struct rmap_block *rmap_block_alloc(void);
/* Free a block that was not given to rmap_add() after all (NULL: nothing). */
void rmap_block_free(struct rmap_block *block);

/* Record that va in mm maps page (mapcount + 1). *spare, from rmap_block_alloc(), is taken
 * (and *spare set to NULL) when the page needs a new block; otherwise it stays the caller's,
 * to free or to pass to the next rmap_add() (fork maps thousands of pages with one). */
void rmap_add(struct page *page, struct mm *mm, uint64_t va, struct rmap_block **spare);
/* Forget that mapping (mapcount - 1). BUG if it was not recorded. */
void rmap_remove(struct page *page, struct mm *mm, uint64_t va);
/* The frame is being freed (put_page, the last reference): free its empty block. BUG if a
 * mapping is left. */
void rmap_release(struct page *page);
/* Whether (mm, va) is on page's list (checks and tests). */
bool rmap_contains(struct page *page, struct mm *mm, uint64_t va);

/* Call fn(ctx, mm, va) for each mapping of page, under the rmap lock (fn must not sleep or
 * take the rmap lock, mm->lock or a page-table lock); fn returns false to stop early.
 * Returns how many mappings fn was called for. */
unsigned rmap_walk(struct page *page, bool (*fn)(void *ctx, struct mm *mm, uint64_t va),
		   void *ctx);

/* PTEs that map page (lock-free snapshot; exact under the rmap lock). */
static inline int32_t page_mapcount(const struct page *page)
{
	return __atomic_load_n(&page->mapcount, __ATOMIC_ACQUIRE);
}

/* Mappings recorded, all pages (lock-free snapshot). */
uint64_t rmap_nr_entries(void);

#endif
