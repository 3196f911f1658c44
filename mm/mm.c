/* mm_init: the order of memory bring-up, and meminfo. */
#include "mm/mm.h"
#include "mm/swap.h"
#include "kernel/bootinfo.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/kernel_map.h"
#include "mm/kmalloc.h"
#include "mm/memlayout.h"
#include "mm/page_alloc.h"
#include "mm/page_array.h"
#include "mm/pgtable.h"
#include "kernel/printk.h"
#include "mm/slab.h"

/* Boot-time maps; static because each is 4 KiB. Only ram is used after mm_init. */
static struct memmap ram, free_ram, direct;

/* Hand the free ranges' parts inside [lo, hi) to the frame allocator. */
static void add_free(uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < free_ram.n; i++) {
		uint64_t start = MAX(free_ram.r[i].start, lo), end = MIN(free_ram.r[i].end, hi);
		if (start < end)
			page_alloc_add(PFN_DOWN(start), PFN_DOWN(end));
	}
}

void mm_init(void)
{
	uint64_t t0 = rdtsc();
	memmap_usable(boot_info.mem, boot_info.nmem, &ram);
	if (!ram.n)
		panic("mm: the firmware memory map has no usable RAM");
	free_ram = ram;
	memmap_remove(&free_ram, 0, LOW_MEM_END);
	memmap_remove(&free_ram, (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end);
	for (unsigned i = 0; i < boot_info.nmods; i++)
		memmap_remove(&free_ram, boot_info.mods[i].start, boot_info.mods[i].end);
	page_array_init(&ram, &free_ram);
	page_alloc_init();

	/* Only what the boot tables map may hold page tables until the final ones are loaded. */
	add_free(0, BOOT_DIRECT_MAP_END);
	pgtable_kernel_init();
	memmap_direct(boot_info.mem, boot_info.nmem, &direct);
	kernel_map_init(&direct);
	add_free(BOOT_DIRECT_MAP_END, PHYS_LIMIT);

	slab_init();
	kmalloc_init();
	uint64_t cycles = rdtsc() - t0;

	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	printk("mm: %lu MiB usable, %lu MiB free, struct page array %lu.%lu MiB, init %lu.%luM TSC cycles\n",
	       mi.total_kb >> 10, mi.free_kb >> 10, mi.struct_page_kb >> 10,
	       (mi.struct_page_kb & 1023) * 10 / 1024, cycles / 1000000, cycles / 100000 % 10);
	printk("mm: direct map %lu MiB at %#lx, kernel image %lu KiB W^X, page tables %lu KiB\n",
	       memmap_bytes(&direct) >> 20, DIRECT_MAP_BASE, mi.kernel_image_kb, mi.page_tables_kb);
}

void mm_get_meminfo(struct mm_meminfo *mi)
{
	mi->total_kb = memmap_bytes(&ram) >> 10;
	mi->free_kb = nr_free_pages() * (PAGE_SIZE >> 10);
	mi->available_kb = mi->free_kb;
	mi->kernel_image_kb = ((uint64_t)__kernel_phys_end - (uint64_t)__kernel_phys_start) >> 10;
	mi->struct_page_kb = page_array_bytes() >> 10;
	mi->page_tables_kb = pgtable_nr_pages() * (PAGE_SIZE >> 10);
	mi->slab_kb = slab_nr_pages() * (PAGE_SIZE >> 10);
	uint64_t swap_total, swap_free;
	swap_totals(&swap_total, &swap_free);
	mi->swap_total_kb = swap_total * (PAGE_SIZE >> 10);
	mi->swap_free_kb = swap_free * (PAGE_SIZE >> 10);
	mi->swap_cached_kb = swap_cache_pages() * (PAGE_SIZE >> 10);
}

const struct memmap *mm_usable_ram(void)
{
	return &ram;
}
