/* Placing and initializing the struct page array (mem_map) at boot. */
#ifndef MM_PAGE_ARRAY_H
#define MM_PAGE_ARRAY_H

#include "mm/memmap.h"

/* Create mem_map for frames [0, end of the last range of ram): take room for it out of
 * free (the usable RAM not yet claimed), below BOOT_DIRECT_MAP_END so the boot tables
 * reach it, and zero it; every frame that is not in free afterwards is PG_RESERVED, the
 * others are blank (no flags, refcount 0), ready for page_alloc_add(). Boot CPU, once;
 * panics when no range can hold the array. */
void page_array_init(const struct memmap *ram, struct memmap *free);

/* Bytes the array occupies (whole pages). */
uint64_t page_array_bytes(void);

#endif
