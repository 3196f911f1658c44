/* The kernel's one buddy allocator instance (its lock: buddy.lock, see buddy.h). What a
 * user page's last reference undoes is mm/page_ref.c's business, not this file's. */
#include "mm/page_alloc.h"
#include "lib/string.h"

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

void page_alloc_init(void) { buddy_init(&buddy, mem_map, max_pfn); }
void page_alloc_add(uint64_t start_pfn, uint64_t end_pfn) { buddy_add_range(&buddy, start_pfn, end_pfn); }

uint64_t nr_free_pages(void) { return buddy_nr_free(&buddy); }
