/* The struct page array: one physically contiguous block in usable RAM, reached through
 * the direct map. Writing it is the bulk of the boot cost (32 MiB for 2 GiB of RAM), so
 * each entry is written once, with 8-byte stores (memset's rep stosb is several times
 * slower under TCG). */
#include "mm/page_array.h"
#include "mm/page.h"
#include "kernel/printk.h"

struct page *mem_map;
uint64_t max_pfn;

static void init_pages(uint64_t start_pfn, uint64_t end_pfn, uint64_t flags)
{
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++)
		mem_map[pfn] = (struct page){ .flags = flags };
}

void page_array_init(const struct memmap *ram, struct memmap *free)
{
	BUG_ON(!ram->n);
	max_pfn = PFN_DOWN(ram->r[ram->n - 1].end);
	uint64_t bytes = page_array_bytes(), pa;
	if (!memmap_find(free, bytes, BOOT_DIRECT_MAP_END, &pa))
		panic("mm: no room below 4 GiB for the struct page array (%lu KiB)", bytes >> 10);
	memmap_remove(free, pa, pa + bytes);
	mem_map = phys_to_virt(pa);

	uint64_t pfn = 0;
	for (unsigned i = 0; i < free->n; i++) {
		init_pages(pfn, PFN_DOWN(free->r[i].start), PG_RESERVED);
		init_pages(PFN_DOWN(free->r[i].start), PFN_DOWN(free->r[i].end), 0);
		pfn = PFN_DOWN(free->r[i].end);
	}
	init_pages(pfn, max_pfn, PG_RESERVED);
}

uint64_t page_array_bytes(void)
{
	return ALIGN_UP(max_pfn * sizeof(struct page), PAGE_SIZE);
}
