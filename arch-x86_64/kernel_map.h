/* The kernel's final address space, built at boot in kernel_pgtable. */
#ifndef MM_KERNEL_MAP_H
#define MM_KERNEL_MAP_H

#include "mm/memmap.h"

/* Map the ranges of direct (memmap_direct) at DIRECT_MAP_BASE, read-write, no-execute,
 * global, with 2 MiB pages wherever a whole aligned 2 MiB fits and 4 KiB pages at ragged
 * edges; map the kernel image at KERNEL_VMA with 4 KiB global pages, .text read-only
 * executable, .rodata read-only, .data/.bss read-write, both no-execute; then load
 * kernel_pgtable and turn global pages on. Nothing else stays mapped: not the identity
 * map, not the boot section (boot.asm's page tables, GDT and stack; the GDTR must no
 * longer point there, which cpu init ensures). Boot CPU, once, after
 * pgtable_kernel_init(); panics when out of memory. */
void kernel_map_init(const struct memmap *direct);

#endif
