/* The kernel's final page tables: the direct map and the W^X image (see kernel_map.h). */
#include "arch-x86_64/kernel_map.h"
#include "mm/pgtable.h"
#include "arch-x86_64/pte.h"
#include "arch-x86_64/tlb.h"
#include "mm/memlayout.h"
#include "kernel/printk.h"
#include "arch-x86_64/cpu.h"

static void map_or_panic(int err, uint64_t va)
{
	if (err)
		panic("mm: cannot map %#lx in the kernel page tables (error %d)", va, err);
}

static void map_direct_range(uint64_t start, uint64_t end)
{
	const unsigned prot = MMU_READ | MMU_WRITE | MMU_GLOBAL;
	if (end > FAULT_TEST_VA - DIRECT_MAP_BASE)
		panic("mm: RAM above %lu TiB is not supported", (FAULT_TEST_VA - DIRECT_MAP_BASE) >> 40);
	for (uint64_t pa = start; pa < end; ) {
		if (IS_ALIGNED(pa, HUGE_PAGE_SIZE) && end - pa >= HUGE_PAGE_SIZE) {
			map_or_panic(pgtable_map_huge(&kernel_pgtable, (uint64_t)phys_to_virt(pa), pa, prot), pa);
			pa += HUGE_PAGE_SIZE;
		} else {
			map_or_panic(pgtable_map(&kernel_pgtable, (uint64_t)phys_to_virt(pa), pa, prot), pa);
			pa += PAGE_SIZE;
		}
	}
}

/* One part of the image, [start, end) rounded out to pages (the linker script aligns each
 * part's start to a page, so no page belongs to two parts). */
static void map_image(const char *start, const char *end, unsigned prot)
{
	for (uint64_t va = ALIGN_DOWN((uint64_t)start, PAGE_SIZE); va < (uint64_t)end; va += PAGE_SIZE)
		map_or_panic(pgtable_map(&kernel_pgtable, va, va - KERNEL_VMA, prot | MMU_GLOBAL), va);
}

void kernel_map_init(const struct memmap *direct)
{
	for (unsigned i = 0; i < direct->n; i++)
		map_direct_range(direct->r[i].start, direct->r[i].end);
	map_image(__text_start, __text_end, MMU_READ | MMU_EXEC);
	map_image(__rodata_start, __rodata_end, MMU_READ);
	map_image(__data_start, __kernel_end, MMU_READ | MMU_WRITE);

	pgtable_activate(&kernel_pgtable);
	write_cr4(read_cr4() | CR4_PGE);
	tlb_flush_all(); /* nothing of the boot tables may linger, global or not */
}
