/* Mapping device memory (MMIO) into the kernel's address space. */
#ifndef MM_IOREMAP_H
#define MM_IOREMAP_H

#include "compiler.h"

/* Map size bytes of device memory at physical address phys, uncached; returns the virtual
 * address of phys (not page-aligned if phys is not). Panics if the window is exhausted. */
void *ioremap(uint64_t phys, size_t size);

#endif
