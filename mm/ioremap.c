/* ioremap: a bump allocator over the IOREMAP window; device mappings are never removed. */
#include "mm/ioremap.h"
#include "mm/memlayout.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "kernel/printk.h"
#include "arch-x86_64/spinlock.h"

static spinlock_t ioremap_lock = SPINLOCK_INIT("ioremap");
static uint64_t ioremap_next = IOREMAP_BASE; /* guarded by ioremap_lock: first unused address */

void *ioremap(uint64_t phys, size_t size)
{
	BUG_ON(!pgtable_ready(&kernel_pgtable)); /* before mm_init */
	BUG_ON(!size || phys >= PHYS_LIMIT || size > PHYS_LIMIT - phys);
	uint64_t start = ALIGN_DOWN(phys, PAGE_SIZE), len = ALIGN_UP(phys + size, PAGE_SIZE) - start;
	for (uint64_t pfn = PFN_DOWN(start); pfn < PFN_DOWN(start + len) && pfn_valid(pfn); pfn++)
		if (!page_test(pfn_to_page(pfn), PG_RESERVED))
			panic("ioremap(%#lx, %zu): that is RAM, not device memory", phys, size);

	uint64_t flags = spin_lock_irqsave(&ioremap_lock);
	uint64_t va = ioremap_next;
	if (len > IOREMAP_BASE + IOREMAP_SIZE - va)
		panic("ioremap(%#lx, %zu): the %lu MiB window is full", phys, size, IOREMAP_SIZE >> 20);
	ioremap_next += len;
	spin_unlock_irqrestore(&ioremap_lock, flags);

	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		if (pgtable_map(&kernel_pgtable, va + off, start + off,
				MMU_READ | MMU_WRITE | MMU_NOCACHE | MMU_GLOBAL))
			panic("ioremap(%#lx, %zu): out of memory for page tables", phys, size);
	return (void *)(va + (phys - start));
}
