/* A user page's references and what its last one undoes (mm/page_ref.h). */
#include "mm/page_ref.h"
#include "mm/page_alloc.h"
#include "mm/ksm.h"
#include "mm/swap.h"
#include "mm/rmap.h"
#include "kernel/printk.h"

void put_page(struct page *page)
{
	int32_t refs = __atomic_sub_fetch(&page->refcount, 1, __ATOMIC_ACQ_REL);
	BUG_ON(refs < 0 || page_test(page, PG_ZERO));
	if (refs == 1 && page_test(page, PG_SWAPCACHE))
		swap_cache_drop_orphan(page); /* only the cache left: is the page still wanted? */
	if (refs)
		return;
	/* The last reference: nobody else can see the frame any more. */
	BUG_ON(page->mapcount || page_test(page, PG_SWAPCACHE));
	if (page_test(page, PG_KSM))
		ksm_page_freed(page); /* its stable node must not point here once it is reused;
				       * first, as ksmd finds the node busy until then */
	if (page_test(page, PG_LRU))
		lru_remove(page);
	if (page_test(page, PG_ANON | PG_SHMEM))
		rmap_release(page); /* the empty block its last unmap left */
	page_clear(page, PG_USER_MASK);
	page->private = 0;
	page->refcount = 1; /* the buddy allocator drops this last one itself */
	free_page(page);
}
