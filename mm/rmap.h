/* Reverse maps: for each user page on one (PG_ANON and PG_SHMEM pages), the exact list of
 * (address space, virtual address) whose PTE maps it. Every map and unmap of such a page
 * (fault, copy-on-write break, fork, munmap, MADV_DONTNEED, exit, exec) goes through
 * rmap_add()/rmap_remove() in the same mm->lock critical section as the PTE change, so
 * page->mapcount is always the length of the list and, for a (mm, va) on it, the PTE of va
 * in mm maps the page whenever mm->lock is free. This is what ksmd and reclaim use to find
 * and rewrite every PTE of a page.
 *
 * Locking: one global spinlock (irqsave) guards every list and mapcount change. It nests
 * inside mm->lock and is never held with a page-table lock or while sleeping; entries are
 * allocated and freed outside it. A walker that holds only the rmap lock may see a mapping
 * its mm is about to change; to act on it, it takes a reference (mm_tryget()), drops the
 * rmap lock, takes mm->lock and checks the PTE again.
 *
 * Cost: adding is O(1); removing and walking are linear in the page's mappings (one or two
 * for private pages; KSM bounds its pages' sharing with max_page_sharing). Walks go from the
 * oldest mapping to the newest, and so does the search of a removal: for the thousands of
 * sharers of a KSM page, merged in address order and unmerged or written in address order
 * too, the one removed is near the front (a newest-first list made each copy-on-write break
 * of such a page walk most of it: 0.9 us of its 5 us under TCG). */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "lib/compiler.h"
#include "mm/page.h"

struct mm;

/* One entry of a page's reverse map: one (mm, va) whose PTE maps the page. 24 bytes, from
 * their own slab cache. (Not KSM's struct ksm_rmap_item, Linux's rmap_item: ksmd's memory of
 * one scanned virtual page, mm/ksm_internal.h.) */
struct rmap_entry {
	struct rmap_entry *next;	/* [rmap lock] next newer mapping of the same page (the
					 * newest: the oldest; page->rmap is the newest) */
	struct mm *mm;
	uint64_t va;			/* page-aligned; the low 12 bits are free for later users */
};
_Static_assert(sizeof(struct rmap_entry) == 24, "an rmap entry is 24 bytes");

/* Boot, once (from addrspace_init): the cache of rmap entries. */
void rmap_init(void);
/* An entry for rmap_add(), allocated ahead so that the PTE change cannot fail after the
 * page is mapped; NULL when out of memory. */
struct rmap_entry *rmap_entry_alloc(void);
/* Free an entry that was not added after all (NULL: nothing). */
void rmap_entry_free(struct rmap_entry *entry);

/* Record that va in mm maps page (mapcount + 1), with an entry from rmap_entry_alloc(). */
void rmap_add(struct page *page, struct mm *mm, uint64_t va, struct rmap_entry *entry);
/* Forget that mapping (mapcount - 1) and free its entry. BUG if it was not recorded. */
void rmap_remove(struct page *page, struct mm *mm, uint64_t va);
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

/* Reverse-map entries in use, all pages (lock-free snapshot). */
uint64_t rmap_nr_entries(void);

#endif
