/* A user page's life cycle, by its references. A frame from alloc_page() (mm/page_alloc.h)
 * starts with one reference; its owner marks it a user page (PG_ANON, PG_SHMEM, PG_KSM:
 * mm/page.h) and it may then join the swap cache (which holds one reference) and the
 * reclaim LRU (which holds none). get_page() adds a reference, put_page() drops one. When
 * only the swap cache's is left and no PTE holds the page's swap entry, the cache lets go
 * too; the last reference takes the page off the LRU, makes its KSM stable node forget it,
 * clears the owner flags (PG_USER_MASK) and gives the frame back to the allocator. The
 * frame must then be on no reverse map (mapcount 0) and out of the swap cache.
 *
 * This is the one place that knows what the last reference undoes: the frame allocator
 * below it knows nothing of KSM, swap or reclaim. Any CPU, any context; lock-free but for
 * the locks the last-reference hooks take (the swap lock, the LRU lock, KSM's node
 * spinlock) and the buddy lock. Page-table pages and other kernel frames use
 * alloc_page()/free_page() directly. */
#ifndef MM_PAGE_REF_H
#define MM_PAGE_REF_H

#include "mm/page.h"

/* One more reference to a page the caller already holds one to (or that a lock keeps
 * alive). */
static inline void get_page(struct page *page)
{
	__atomic_add_fetch(&page->refcount, 1, __ATOMIC_RELAXED);
}
/* Drop one reference; the last one frees the page as above. BUG_ON: no reference left, the
 * zero page, or a last reference to a page still mapped or in the swap cache. */
void put_page(struct page *page);
/* Take a reference unless the frame's last one is already gone (it is being freed): for
 * holders of a bare pointer that a lock keeps from being reused, such as KSM's stable
 * nodes. */
static inline bool get_page_unless_zero(struct page *page)
{
	int32_t refs = __atomic_load_n(&page->refcount, __ATOMIC_RELAXED);
	while (refs > 0)
		if (__atomic_compare_exchange_n(&page->refcount, &refs, refs + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}
/* References now (lock-free snapshot). */
static inline int32_t page_refcount(const struct page *page)
{
	return __atomic_load_n(&page->refcount, __ATOMIC_ACQUIRE);
}

#endif
