/* Mapping device memory (MMIO) into the kernel's address space. */
#ifndef MM_IOREMAP_H
#define MM_IOREMAP_H

#include "lib/compiler.h"

/* Map size bytes of device memory at physical address phys, uncached (PCD|PWT), no-execute,
 * in whole pages of the IOREMAP window; returns the virtual address of phys (not
 * page-aligned if phys is not). Mappings are permanent. Any CPU, after mm_init; takes the
 * ioremap lock, then the kernel page-table lock. Panics if the window is exhausted, on
 * size 0, or on RAM the frame allocator manages (an uncached alias of the direct map). */
void *ioremap(uint64_t phys, size_t size);

#endif
