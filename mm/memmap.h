/* Physical memory ranges: the firmware's memory map (boot_info.mem: unsorted, overlapping,
 * unaligned) turned into the sorted page-aligned lists mm needs. Pure code, no locks: it
 * runs once at boot on one CPU, and in tests/unit/test_memmap.c. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "lib/compiler.h"
#include "kernel/bootinfo.h"

/* A physical address range [start, end), page-aligned, start < end. */
struct mem_range {
	uint64_t start, end;
};

/* Enough for any result: n regions give at most n + 2 ranges; each memmap_remove() adds at
 * most one range. */
#define MEMMAP_MAX (2 * BOOT_MAX_REGIONS)

/* Sorted, disjoint, non-adjacent ranges. */
struct memmap {
	unsigned n;
	struct mem_range r[MEMMAP_MAX];
};

/* Usable RAM: the bytes covered by a usable region and by no region of any other type
 * (the other type wins), merged where adjacent, each range then shrunk inward to whole
 * pages (empty ones dropped). */
void memmap_usable(const struct boot_region *regions, unsigned n, struct memmap *out);

/* What the direct map must cover: the first MiB (LOW_MEM_END), usable, ACPI and NVS
 * regions, and reserved regions below the top of low RAM (where firmware keeps its ACPI
 * tables), but no bad-memory bytes; each range grown outward to whole pages, then merged. */
void memmap_direct(const struct boot_region *regions, unsigned n, struct memmap *out);

/* Take [start, end), grown outward to whole pages, out of m. Panics if a split needs more
 * than MEMMAP_MAX ranges. */
void memmap_remove(struct memmap *m, uint64_t start, uint64_t end);

/* Lowest page-aligned address a such that [a, a + size) lies within one range of m and
 * a + size <= limit: returns true and sets *addr, or false when no range fits. */
bool memmap_find(const struct memmap *m, uint64_t size, uint64_t limit, uint64_t *addr);

/* Total bytes in m. */
uint64_t memmap_bytes(const struct memmap *m);

#endif
