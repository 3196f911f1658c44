/* The kernel's one buddy allocator instance (its lock: buddy.lock, see buddy.h). */
#include "mm/page_alloc.h"
#include "lib/string.h"
#include "kernel/printk.h"
#include "mm/ksm.h"
#include "mm/swap.h"

static struct buddy buddy;

struct page *alloc_pages(unsigned order) { return buddy_alloc(&buddy, order); }
void free_pages(struct page *page, unsigned order) { buddy_free(&buddy, page, order); }

void *alloc_page_zeroed(void)
{
	struct page *p = alloc_page();
	if (!p)
		return NULL;
	return memset(page_address(p), 0, PAGE_SIZE);
}

void free_page_virt(void *va) { free_page(virt_to_page(va)); }

void put_page(struct page *page)
{
	int32_t refs = __atomic_sub_fetch(&page->refcount, 1, __ATOMIC_ACQ_REL);
	BUG_ON(refs < 0 || page_test(page, PG_ZERO));
	if (refs == 1 && page_test(page, PG_SWAPCACHE))
		swap_cache_drop_orphan(page); /* only the cache left: is the page still wanted? */
	if (refs)
		return;
	/* The last reference: nobody else can see the frame any more. */
	BUG_ON(page->mapcount || page->rmap || page_test(page, PG_SWAPCACHE));
	if (page_test(page, PG_LRU))
		lru_remove(page);
	if (page_test(page, PG_KSM))
		ksm_page_freed(page); /* its stable node must not point here once it is reused */
	page_clear(page, PG_USER_MASK);
	page->private = 0;
	page->refcount = 1; /* the buddy allocator drops this last one itself */
	free_page(page);
}

void page_alloc_init(void) { buddy_init(&buddy, mem_map, max_pfn); }
void page_alloc_add(uint64_t start_pfn, uint64_t end_pfn) { buddy_add_range(&buddy, start_pfn, end_pfn); }

uint64_t nr_free_pages(void) { return buddy_nr_free(&buddy); }
