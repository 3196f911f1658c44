/* The firmware memory map as sorted page-aligned ranges. Both views come from one sweep:
 * the region boundaries cut the address space into elementary intervals, each covered by
 * a fixed set of region types, and a predicate decides which intervals to keep. */
#include "mm/memmap.h"
#include "mm/memlayout.h"
#include "kernel/printk.h"

/* A region's types as bits; unknown types (persistent memory, ...) share bit 0. */
static uint32_t type_bit(uint32_t type)
{
	return type >= BOOT_MEM_USABLE && type <= BOOT_MEM_BAD ? 1u << type : 1u;
}
#define T_USABLE   (1u << BOOT_MEM_USABLE)
#define T_RESERVED (1u << BOOT_MEM_RESERVED)
#define T_ACPI     (1u << BOOT_MEM_ACPI)
#define T_NVS      (1u << BOOT_MEM_NVS)
#define T_BAD      (1u << BOOT_MEM_BAD)

/* [base, end) of a region, clamped to PHYS_LIMIT (so neither overflows). */
static uint64_t region_start(const struct boot_region *r) { return MIN(r->base, PHYS_LIMIT); }
static uint64_t region_end(const struct boot_region *r)
{
	return r->len > PHYS_LIMIT - region_start(r) ? PHYS_LIMIT : region_start(r) + r->len;
}

/* Append [start, end) to m, merging with the last range when they touch. Ranges must come
 * in ascending order. */
static void push(struct memmap *m, uint64_t start, uint64_t end)
{
	if (m->n && m->r[m->n - 1].end >= start) {
		m->r[m->n - 1].end = MAX(m->r[m->n - 1].end, end);
		return;
	}
	if (m->n == MEMMAP_MAX)
		panic("memmap: more than %d ranges", MEMMAP_MAX);
	m->r[m->n++] = (struct mem_range){ start, end };
}

typedef bool (*keep_fn)(uint32_t types, uint64_t start, uint64_t end, uint64_t low_top);

/* Sorted distinct boundary points of all non-empty regions, plus 0, LOW_MEM_END and low_top
 * (where the direct map's rules change). Returns their count. */
static unsigned boundaries(const struct boot_region *regions, unsigned n, uint64_t low_top,
			   uint64_t *pts)
{
	unsigned np = 0;
	pts[np++] = 0;
	pts[np++] = LOW_MEM_END;
	pts[np++] = low_top;
	for (unsigned i = 0; i < n; i++) {
		if (region_start(&regions[i]) == region_end(&regions[i]))
			continue;
		pts[np++] = region_start(&regions[i]);
		pts[np++] = region_end(&regions[i]);
	}
	for (unsigned i = 1; i < np; i++) { /* insertion sort: np <= 2 * BOOT_MAX_REGIONS + 3 */
		uint64_t v = pts[i];
		unsigned j = i;
		for (; j > 0 && pts[j - 1] > v; j--)
			pts[j] = pts[j - 1];
		pts[j] = v;
	}
	unsigned d = 1;
	for (unsigned i = 1; i < np; i++)
		if (pts[i] != pts[d - 1])
			pts[d++] = pts[i];
	return d;
}

/* Fill out with the byte ranges whose intervals keep() accepts, merged where adjacent. */
static void sweep(const struct boot_region *regions, unsigned n, keep_fn keep, uint64_t low_top,
		  struct memmap *out)
{
	uint64_t pts[2 * BOOT_MAX_REGIONS + 3];
	BUG_ON(n > BOOT_MAX_REGIONS);
	unsigned np = boundaries(regions, n, low_top, pts);
	out->n = 0;
	for (unsigned i = 0; i + 1 < np; i++) {
		uint32_t types = 0;
		for (unsigned j = 0; j < n; j++)
			if (region_start(&regions[j]) <= pts[i] && region_end(&regions[j]) >= pts[i + 1])
				types |= type_bit(regions[j].type);
		if (keep(types, pts[i], pts[i + 1], low_top))
			push(out, pts[i], pts[i + 1]);
	}
}

static bool keep_usable(uint32_t types, uint64_t start, uint64_t end, uint64_t low_top)
{
	return types == T_USABLE;
}

void memmap_usable(const struct boot_region *regions, unsigned n, struct memmap *out)
{
	sweep(regions, n, keep_usable, 0, out);
	unsigned w = 0;
	for (unsigned i = 0; i < out->n; i++) {
		uint64_t start = ALIGN_UP(out->r[i].start, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(out->r[i].end, PAGE_SIZE);
		if (start < end)
			out->r[w++] = (struct mem_range){ start, end };
	}
	out->n = w;
}

static bool keep_direct(uint32_t types, uint64_t start, uint64_t end, uint64_t low_top)
{
	if (end <= LOW_MEM_END)
		return true;
	if (types & T_BAD)
		return false;
	return (types & (T_USABLE | T_ACPI | T_NVS)) || ((types & T_RESERVED) && end <= low_top);
}

/* The top of low RAM: the first 2 MiB boundary above the last usable byte below 4 GiB. PC
 * firmware keeps its ACPI tables in a reserved block right there; device memory (the PCI
 * hole up to 4 GiB, the LAPIC and IOAPIC) starts far higher. */
static uint64_t low_ram_top(const struct boot_region *regions, unsigned n)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < n; i++)
		if (regions[i].type == BOOT_MEM_USABLE && region_start(&regions[i]) < GiB(4))
			top = MAX(top, MIN(region_end(&regions[i]), GiB(4)));
	return ALIGN_DOWN(top, MiB(2)) + MiB(2);
}

void memmap_direct(const struct boot_region *regions, unsigned n, struct memmap *out)
{
	sweep(regions, n, keep_direct, low_ram_top(regions, n), out);
	unsigned w = 0;
	for (unsigned i = 0; i < out->n; i++) {
		uint64_t start = ALIGN_DOWN(out->r[i].start, PAGE_SIZE);
		uint64_t end = ALIGN_UP(out->r[i].end, PAGE_SIZE);
		if (w && out->r[w - 1].end >= start) /* growing made them touch */
			out->r[w - 1].end = end;
		else
			out->r[w++] = (struct mem_range){ start, end };
	}
	out->n = w;
}

void memmap_remove(struct memmap *m, uint64_t start, uint64_t end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	if (start >= end)
		return;
	unsigned w = 0;
	for (unsigned i = 0; i < m->n; i++) {
		struct mem_range c = m->r[i];
		if (c.start < start && c.end > end) {
			/* [start, end) lies strictly inside c, so no other range meets it and nothing
			 * has been dropped before c (w == i): split c in two. */
			if (m->n == MEMMAP_MAX)
				panic("memmap: more than %d ranges", MEMMAP_MAX);
			for (unsigned j = m->n; j > i + 1; j--)
				m->r[j] = m->r[j - 1];
			m->r[i].end = start;
			m->r[i + 1] = (struct mem_range){ end, c.end };
			m->n++;
			return;
		}
		if (c.end <= start || c.start >= end)
			m->r[w++] = c;
		else if (c.start < start)
			m->r[w++] = (struct mem_range){ c.start, start };
		else if (c.end > end)
			m->r[w++] = (struct mem_range){ end, c.end };
		/* else: all of c is taken */
	}
	m->n = w;
}

bool memmap_find(const struct memmap *m, uint64_t size, uint64_t limit, uint64_t *addr)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	for (unsigned i = 0; i < m->n; i++) {
		if (m->r[i].start + size <= MIN(m->r[i].end, limit)) {
			*addr = m->r[i].start;
			return true;
		}
	}
	return false;
}

uint64_t memmap_bytes(const struct memmap *m)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < m->n; i++)
		sum += m->r[i].end - m->r[i].start;
	return sum;
}
