/* The kernel's one buddy allocator instance (its lock: buddy.lock, see buddy.h). What a
 * user page's last reference undoes is mm/page_ref.c's business, not this file's. */
#include "mm/page_alloc.h"
#include "mm/page_copy.h"
#include "kernel/random.h"

static struct buddy buddy;

struct page *alloc_pages(unsigned order) { return buddy_alloc(&buddy, order); }
void free_pages(struct page *page, unsigned order) { buddy_free(&buddy, page, order); }

struct page *alloc_page_random(void)
{
	/* With half of memory free, 16 draws miss a free frame once in 65536 tries. */
	for (int tries = 0; tries < 16; tries++) {
		struct page *p = buddy_alloc_at(&buddy, random_u64() % buddy.npages);
		if (p)
			return p;
	}
	return alloc_page();
}

struct page *alloc_kernel_pages(unsigned order)
{
	struct page *p = alloc_pages(order);
	for (unsigned i = 0; p && i < 1u << order; i++)
		clear_page(page_address(p + i));
	return p;
}

void *alloc_page_zeroed(void)
{
	struct page *p = alloc_kernel_pages(0);
	return p ? page_address(p) : NULL;
}

void free_page_virt(void *va) { free_page(virt_to_page(va)); }

void page_alloc_init(void) { buddy_init(&buddy, mem_map, max_pfn); }
void page_alloc_add(uint64_t start_pfn, uint64_t end_pfn) { buddy_add_range(&buddy, start_pfn, end_pfn); }

uint64_t nr_free_pages(void) { return buddy_nr_free(&buddy); }
