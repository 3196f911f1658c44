/* mm/memmap.c: the firmware map turned into usable RAM and direct-map ranges, checked on
 * hand-made edge cases, on QEMU's real maps, and on random maps against a brute-force model. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/memmap.c"

#define U BOOT_MEM_USABLE
#define R BOOT_MEM_RESERVED
#define A BOOT_MEM_ACPI
#define N BOOT_MEM_NVS
#define B BOOT_MEM_BAD

static struct memmap m;

/* Compare m with the expected ranges, given as start, end pairs. */
static bool same(const struct memmap *got, unsigned n, const uint64_t *want)
{
	if (got->n != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (got->r[i].start != want[2 * i] || got->r[i].end != want[2 * i + 1])
			return false;
	return true;
}
#define EXPECT(map, ...) do { \
	const uint64_t _w[] = { __VA_ARGS__ }; \
	bool _ok = same(map, ARRAY_SIZE(_w) / 2, _w); \
	CHECK(_ok); \
	if (!_ok) dump(map); \
} while (0)
#define EXPECT_EMPTY(map) CHECK_EQ((map)->n, 0)

static void dump(const struct memmap *x)
{
	for (unsigned i = 0; i < x->n; i++)
		fprintf(stderr, "    [%#lx, %#lx)\n", x->r[i].start, x->r[i].end);
}

/* Sorted, disjoint, not touching, page-aligned, non-empty. */
static bool well_formed(const struct memmap *x)
{
	for (unsigned i = 0; i < x->n; i++) {
		if (x->r[i].start >= x->r[i].end || x->r[i].start % PAGE_SIZE || x->r[i].end % PAGE_SIZE)
			return false;
		if (i && x->r[i - 1].end >= x->r[i].start)
			return false;
	}
	return true;
}

static void test_usable_edge_cases(void)
{
	/* unaligned: shrinks inward */
	struct boot_region a[] = { { 0x1234, 0x5678 - 0x1234, U } };
	memmap_usable(a, 1, &m);
	EXPECT(&m, 0x2000, 0x5000);

	/* overlapping usable regions merge */
	struct boot_region b[] = { { 0x1000, 0x4000, U }, { 0x3000, 0x6000, U } };
	memmap_usable(b, 2, &m);
	EXPECT(&m, 0x1000, 0x9000);

	/* adjacent unaligned usable regions merge before shrinking: the page across the seam stays */
	struct boot_region c[] = { { 0x1800, 0x1800, U }, { 0, 0x1800, U } };
	memmap_usable(c, 2, &m);
	EXPECT(&m, 0, 0x3000);

	/* reserved nested in usable wins, taking its partial pages with it */
	struct boot_region d[] = { { 0, 0x10000, U }, { 0x4100, 0x100, R } };
	memmap_usable(d, 2, &m);
	EXPECT(&m, 0, 0x4000, 0x5000, 0x10000);

	/* usable nested in reserved: nothing */
	struct boot_region e[] = { { 0x2000, 0x1000, U }, { 0x1000, 0x8000, R } };
	memmap_usable(e, 2, &m);
	EXPECT_EMPTY(&m);

	/* each non-usable type wins, unknown types too */
	struct boot_region f[] = { { 0, 0x20000, U }, { 0x2000, 0x1000, A }, { 0x5000, 0x1000, N },
				   { 0x8000, 0x1000, B }, { 0xb000, 0x1000, 12 } };
	memmap_usable(f, 5, &m);
	EXPECT(&m, 0, 0x2000, 0x3000, 0x5000, 0x6000, 0x8000, 0x9000, 0xb000, 0xc000, 0x20000);

	/* zero-length regions change nothing, even inside usable or as the only region */
	struct boot_region g[] = { { 0x3000, 0, R }, { 0x1000, 0x4000, U }, { 0x9000, 0, U } };
	memmap_usable(g, 3, &m);
	EXPECT(&m, 0x1000, 0x5000);
	memmap_usable(g, 1, &m);
	EXPECT_EMPTY(&m);
	memmap_usable(g, 0, &m);
	EXPECT_EMPTY(&m);

	/* duplicates */
	struct boot_region h[] = { { 0x1000, 0x3000, U }, { 0x1000, 0x3000, U }, { 0x2000, 0x10, R },
				   { 0x2000, 0x10, R } };
	memmap_usable(h, 4, &m);
	EXPECT(&m, 0x1000, 0x2000, 0x3000, 0x4000);

	/* smaller than a page, or spanning a seam without a whole page: nothing */
	struct boot_region i[] = { { 0x1100, 0x800, U }, { 0x2800, 0x1000, U } };
	memmap_usable(i, 2, &m);
	EXPECT_EMPTY(&m);

	/* reserved overlapping the start and the end of usable */
	struct boot_region j[] = { { 0x800, 0x1000, R }, { 0x1000, 0x8000, U }, { 0x8fff, 0x100, R } };
	memmap_usable(j, 3, &m);
	EXPECT(&m, 0x2000, 0x8000);

	/* lengths that overflow 64 bits are clamped, not wrapped */
	struct boot_region k[] = { { 0x10000, UINT64_MAX, U }, { 0xfffffffffffff000UL, 0x2000, R } };
	memmap_usable(k, 2, &m);
	EXPECT(&m, 0x10000, PHYS_LIMIT);
}

/* The same regions in every order give the same result. */
static void test_usable_order(void)
{
	struct boot_region r[] = { { 0x3000, 0x5000, U }, { 0x100, 0x2f00, U }, { 0x6800, 0x10, R },
				   { 0x9000, 0x3000, A }, { 0x1000, 0x1000, U } };
	struct memmap ref;
	memmap_usable(r, 5, &ref);
	EXPECT(&ref, 0x1000, 0x6000, 0x7000, 0x8000);
	for (unsigned rot = 1; rot < 5; rot++) {
		struct boot_region p[5];
		for (unsigned i = 0; i < 5; i++)
			p[i] = r[(i + rot) % 5];
		memmap_usable(p, 5, &m);
		CHECK(same(&m, ref.n, &ref.r[0].start));
		/* reversed too */
		for (unsigned i = 0; i < 5; i++)
			p[i] = r[(4 - i + rot) % 5];
		memmap_usable(p, 5, &m);
		CHECK(same(&m, ref.n, &ref.r[0].start));
	}
}

/* QEMU 7.2 + SeaBIOS maps, as the kernel printed them. */
static const struct boot_region qemu_2g[] = {
	{ 0x0, 0x9fc00, U }, { 0x9fc00, 0x400, R }, { 0xf0000, 0x10000, R },
	{ 0x100000, 0x7ffe0000 - 0x100000, U }, { 0x7ffe0000, 0x20000, R },
	{ 0xfffc0000, 0x40000, R }, { 0xfd00000000UL, 0x300000000UL, R },
};
static const struct boot_region qemu_4g[] = {
	{ 0x0, 0x9fc00, U }, { 0x9fc00, 0x400, R }, { 0xf0000, 0x10000, R },
	{ 0x100000, 0xbffe0000 - 0x100000, U }, { 0xbffe0000, 0x20000, R },
	{ 0xfffc0000, 0x40000, R }, { 0x100000000UL, 0x40000000, U },
	{ 0xfd00000000UL, 0x300000000UL, R },
};

static void test_qemu_maps(void)
{
	memmap_usable(qemu_2g, ARRAY_SIZE(qemu_2g), &m);
	EXPECT(&m, 0, 0x9f000, 0x100000, 0x7ffe0000);
	memmap_direct(qemu_2g, ARRAY_SIZE(qemu_2g), &m);
	/* the ACPI tables in the reserved top of low RAM are in; the BIOS ROM and the HT hole not */
	EXPECT(&m, 0, 0x80000000);

	memmap_usable(qemu_4g, ARRAY_SIZE(qemu_4g), &m);
	EXPECT(&m, 0, 0x9f000, 0x100000, 0xbffe0000, 0x100000000UL, 0x140000000UL);
	memmap_direct(qemu_4g, ARRAY_SIZE(qemu_4g), &m);
	EXPECT(&m, 0, 0xc0000000, 0x100000000UL, 0x140000000UL);
}

static void test_direct_edge_cases(void)
{
	/* the first MiB always; partial pages grow outward; ACPI and NVS anywhere */
	struct boot_region a[] = { { 0x200000, 0x100800, U }, { 0x40000000, 0x10, A },
				   { 0x50000100, 0x1000, N } };
	memmap_direct(a, 3, &m);
	EXPECT(&m, 0, 0x100000, 0x200000, 0x301000, 0x40000000, 0x40001000, 0x50000000, 0x50002000);

	/* reserved below the top of low RAM (the 2 MiB boundary above the last usable byte
	 * under 4 GiB) is in, reserved beyond it is not, even when one region spans both */
	struct boot_region b[] = { { 0x100000, 0x7f00000, U }, { 0x8000000, 0x1000000, R } };
	memmap_direct(b, 2, &m);
	EXPECT(&m, 0, 0x8200000);

	/* bad memory is never mapped, even where usable says otherwise; outside the first MiB */
	struct boot_region c[] = { { 0x100000, 0x400000, U }, { 0x200000, 0x1000, B }, { 0x80000, 0x1000, B } };
	memmap_direct(c, 3, &m);
	EXPECT(&m, 0, 0x200000, 0x201000, 0x500000);

	/* nothing at all: still the first MiB */
	memmap_direct(a, 0, &m);
	EXPECT(&m, 0, 0x100000);
}

static void test_remove_find(void)
{
	struct boot_region r[] = { { 0, 0x10000, U }, { 0x20000, 0x10000, U } };
	memmap_usable(r, 2, &m);
	memmap_remove(&m, 0x4100, 0x4200); /* strictly inside: split, grown to the page */
	EXPECT(&m, 0, 0x4000, 0x5000, 0x10000, 0x20000, 0x30000);
	memmap_remove(&m, 0, 0x1000); /* left edge */
	EXPECT(&m, 0x1000, 0x4000, 0x5000, 0x10000, 0x20000, 0x30000);
	memmap_remove(&m, 0xf000, 0x21000); /* spans a gap: cuts two ranges */
	EXPECT(&m, 0x1000, 0x4000, 0x5000, 0xf000, 0x21000, 0x30000);
	memmap_remove(&m, 0x1000, 0x4000); /* exactly one range */
	EXPECT(&m, 0x5000, 0xf000, 0x21000, 0x30000);
	memmap_remove(&m, 0x40000, 0x50000); /* outside */
	memmap_remove(&m, 0x6000, 0x6000); /* empty */
	EXPECT(&m, 0x5000, 0xf000, 0x21000, 0x30000);
	CHECK_EQ(memmap_bytes(&m), 0xa000 + 0xf000);

	uint64_t at = 0;
	CHECK(memmap_find(&m, 0x1000, UINT64_MAX, &at) && at == 0x5000);
	CHECK(memmap_find(&m, 0xb000, UINT64_MAX, &at) && at == 0x21000);
	CHECK(memmap_find(&m, 0xa001, UINT64_MAX, &at) && at == 0x21000); /* rounded up to pages */
	CHECK(!memmap_find(&m, 0x10000, UINT64_MAX, &at));
	CHECK(!memmap_find(&m, 0xb000, 0x2b000, &at)); /* would end past the limit */
	CHECK(memmap_find(&m, 0xa000, 0xf000, &at) && at == 0x5000);
	memmap_remove(&m, 0, UINT64_MAX - PAGE_SIZE);
	EXPECT_EMPTY(&m);
}

/* Random maps on a small address space against a per-granule model. Region edges fall on
 * 0x400-byte granules, so a page is usable when all four of its granules are covered by
 * usable and by nothing else, and direct-mapped when any granule is wanted. */
#define SPACE_PAGES 64
#define GRANULE 0x400
#define GRANULES (SPACE_PAGES * PAGE_SIZE / GRANULE)
static void test_random(void)
{
	srand(1);
	for (int iter = 0; iter < 3000; iter++) {
		struct boot_region r[BOOT_MAX_REGIONS];
		unsigned n = rand() % 12;
		if (iter % 100 == 0)
			n = BOOT_MAX_REGIONS; /* a full map */
		uint32_t cover[GRANULES] = { 0 };
		for (unsigned i = 0; i < n; i++) {
			uint64_t g0 = rand() % GRANULES, len = rand() % 40;
			if (rand() % 3 == 0)
				len = rand() % (GRANULES - g0 + 1);
			len = MIN(len, GRANULES - g0);
			static const uint32_t types[] = { U, U, U, R, A, N, B, 9 };
			r[i] = (struct boot_region){ g0 * GRANULE + LOW_MEM_END, len * GRANULE,
						     types[rand() % ARRAY_SIZE(types)] };
			for (uint64_t g = g0; g < g0 + len; g++)
				cover[g] |= type_bit(r[i].type);
		}
		uint64_t low_top = low_ram_top(r, n);

		memmap_usable(r, n, &m);
		CHECK(well_formed(&m));
		for (unsigned p = 0; p < SPACE_PAGES; p++) {
			bool want = true;
			for (unsigned g = p * 4; g < p * 4 + 4; g++)
				want &= cover[g] == T_USABLE;
			uint64_t pa = LOW_MEM_END + (uint64_t)p * PAGE_SIZE;
			bool got = false;
			for (unsigned i = 0; i < m.n; i++)
				got |= m.r[i].start <= pa && pa < m.r[i].end;
			if (want != got) {
				CHECK(want == got);
				dump(&m);
				break;
			}
		}

		memmap_direct(r, n, &m);
		CHECK(well_formed(&m));
		CHECK(m.n && m.r[0].start == 0 && m.r[0].end >= LOW_MEM_END);
		for (unsigned p = 0; p < SPACE_PAGES; p++) {
			bool want = false;
			for (unsigned g = p * 4; g < p * 4 + 4; g++) {
				uint64_t end = LOW_MEM_END + (uint64_t)(g + 1) * GRANULE;
				want |= keep_direct(cover[g], end - GRANULE, end, low_top);
			}
			uint64_t pa = LOW_MEM_END + (uint64_t)p * PAGE_SIZE;
			bool got = false;
			for (unsigned i = 0; i < m.n; i++)
				got |= m.r[i].start <= pa && pa < m.r[i].end;
			if (want != got) {
				CHECK(want == got);
				dump(&m);
				break;
			}
		}
	}
}

int main(void)
{
	test_usable_edge_cases();
	test_usable_order();
	test_qemu_maps();
	test_direct_edge_cases();
	test_remove_find();
	test_random();
	return check_summary("memmap");
}
