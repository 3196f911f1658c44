/* Memory management as a whole: bring-up, the figures the shell's `meminfo` shows, and the
 * in-kernel self-test. The parts: memmap (firmware map), page_array (struct page),
 * page_alloc/buddy (frames), pgtable/kernel_map/tlb (page tables), ioremap, slab/kmalloc. */
#ifndef MM_MM_H
#define MM_MM_H

#include "lib/compiler.h"
#include "mm/memmap.h"

struct selftest;

/* Boot CPU, once, after bootinfo_parse: the frame allocator (never handing out the first
 * MiB, the kernel image, the boot modules or the struct page array), the final kernel
 * page tables (loaded: the boot tables and the identity map are gone), the kernel heap.
 * Prints two lines. Panics if memory is too short or the memory map unusable. */
void mm_init(void);

struct mm_meminfo {
	uint64_t total_kb;        /* usable RAM in the firmware map */
	uint64_t free_kb;         /* free frames */
	uint64_t available_kb;    /* what allocations could still get without swapping: free
				   * frames (clean swap-cache pages could be added; Linux does) */
	uint64_t kernel_image_kb; /* the kernel's loaded image (boot section included) */
	uint64_t struct_page_kb;  /* the struct page array */
	uint64_t page_tables_kb;  /* page-table pages, all address spaces */
	uint64_t slab_kb;         /* frames held by slab caches (kmalloc up to 2 KiB included) */
	uint64_t swap_total_kb;   /* swap space enabled */
	uint64_t swap_free_kb;    /* of it, not in use */
	uint64_t swap_cached_kb;  /* pages in the swap cache (also counted as used swap) */
};
/* A lock-free snapshot of the counters (each exact, the set not atomic). Any CPU. */
void mm_get_meminfo(struct mm_meminfo *mi);

/* Usable RAM as the firmware map gives it (read-only after mm_init). */
const struct memmap *mm_usable_ram(void);

/* The mm checks of the shell's `selftest` (mm_selftest.c): exhausts and refills the frame
 * allocator, kmalloc and a slab cache, page-table round trips in a scratch address space,
 * the kernel's own mappings; then address spaces (selftest_as.c, selftest_mmap.c: demand
 * paging, fork and copy-on-write, the mmap family, user copies, out-of-memory paths; needs
 * addrspace_init() done, and briefly lends the calling task an mm). Counts are back where
 * they were when it returns. Needs an
 * otherwise idle system: other allocations fail while it holds all memory. Under TCG it
 * takes ~40 ms per GiB of RAM, plus, the first time, QEMU populating the guest RAM it
 * touches (0.3 to 5 s at -m 2G on the project's machines). */
void mm_selftest(struct selftest *t);

#endif
