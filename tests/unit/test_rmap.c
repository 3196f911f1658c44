/* Reverse maps: adding, finding, walking (with early stop) and removing mappings keeps the
 * list, mapcount and entry count exact, against a model under random operations. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/slab.h" /* tests/unit/stubs/mm/slab.h: found first on the include path */
#include "mm/rmap.c"

struct page *mem_map;
uint64_t max_pfn;

#define NPAGES 8
#define NMM    4
#define NVA    16
static struct page pages[NPAGES];
static struct mm *mms[NMM] = { (struct mm *)0x1000, (struct mm *)0x2000, (struct mm *)0x3000,
			       (struct mm *)0x4000 };

struct seen { unsigned n, stop_after; uint64_t sum; };
static bool visit(void *ctx, struct mm *mm, uint64_t va)
{
	struct seen *s = ctx;
	s->n++;
	s->sum += (uint64_t)mm + va;
	return s->n != s->stop_after;
}

static void add(struct page *p, struct mm *mm, uint64_t va)
{
	struct rmap_entry *it = rmap_entry_alloc();
	CHECK(it != NULL);
	rmap_add(p, mm, va, it);
}

static void test_basic(void)
{
	struct page *p = &pages[0];
	page_set(p, PG_ANON);
	add(p, mms[0], 0x1000);
	add(p, mms[1], 0x1000);
	add(p, mms[0], 0x7000);
	CHECK_EQ(page_mapcount(p), 3);
	CHECK_EQ(rmap_nr_entries(), 3);
	CHECK(rmap_contains(p, mms[0], 0x1000) && rmap_contains(p, mms[1], 0x1000) &&
	      rmap_contains(p, mms[0], 0x7000));
	CHECK(!rmap_contains(p, mms[1], 0x7000) && !rmap_contains(p, mms[2], 0x1000));
	struct seen s = { 0, 0, 0 };
	CHECK_EQ(rmap_walk(p, visit, &s), 3);
	CHECK_EQ(s.sum, 0x1000 + 0x1000 + 0x2000 + 0x1000 + 0x1000 + 0x7000);
	struct seen s2 = { 0, 2, 0 };
	CHECK_EQ(rmap_walk(p, visit, &s2), 2); /* stopped early */
	struct seen first = { 0, 1, 0 };
	CHECK(rmap_walk(p, visit, &first) == 1 && first.sum == (uint64_t)mms[0] + 0x1000); /* oldest */
	rmap_remove(p, mms[1], 0x1000); /* the middle */
	CHECK_EQ(page_mapcount(p), 2);
	CHECK(!rmap_contains(p, mms[1], 0x1000) && rmap_contains(p, mms[0], 0x7000));
	rmap_remove(p, mms[0], 0x7000); /* the newest, page->rmap */
	CHECK(rmap_contains(p, mms[0], 0x1000) && page_mapcount(p) == 1);
	add(p, mms[2], 0x3000);
	first = (struct seen){ 0, 1, 0 };
	CHECK(rmap_walk(p, visit, &first) == 1 && first.sum == (uint64_t)mms[0] + 0x1000);
	rmap_remove(p, mms[2], 0x3000);
	rmap_remove(p, mms[0], 0x1000);
	CHECK_EQ(page_mapcount(p), 0);
	CHECK(p->rmap == NULL);
	CHECK_EQ(rmap_nr_entries(), 0);
	CHECK_EQ(rmap_cache.nr_inuse, 0);
	struct seen s3 = { 0, 0, 0 };
	CHECK_EQ(rmap_walk(p, visit, &s3), 0);
	rmap_entry_free(NULL);
}

static void test_random(void)
{
	static bool model[NPAGES][NMM][NVA];
	srand(7);
	bool ok = true;
	for (int i = 0; i < NPAGES; i++)
		page_set(&pages[i], i & 1 ? PG_ANON : PG_SHMEM);
	for (int round = 0; round < 20000; round++) {
		int pi = rand() % NPAGES, mi = rand() % NMM, vi = rand() % NVA;
		struct page *p = &pages[pi];
		uint64_t va = (uint64_t)vi << 12;
		if (model[pi][mi][vi])
			rmap_remove(p, mms[mi], va);
		else
			add(p, mms[mi], va);
		model[pi][mi][vi] = !model[pi][mi][vi];
		int count = 0;
		uint64_t total = 0;
		for (int m = 0; m < NMM; m++)
			for (int v = 0; v < NVA; v++) {
				count += model[pi][m][v];
				ok &= rmap_contains(p, mms[m], (uint64_t)v << 12) == model[pi][m][v];
			}
		struct seen s = { 0, 0, 0 };
		ok &= (int)rmap_walk(p, visit, &s) == count && page_mapcount(p) == count;
		for (int i = 0; i < NPAGES; i++)
			total += (uint64_t)page_mapcount(&pages[i]);
		ok &= rmap_nr_entries() == total && rmap_cache.nr_inuse == total;
	}
	CHECK(ok);
	for (int p = 0; p < NPAGES; p++)
		for (int m = 0; m < NMM; m++)
			for (int v = 0; v < NVA; v++)
				if (model[p][m][v])
					rmap_remove(&pages[p], mms[m], (uint64_t)v << 12);
	CHECK_EQ(rmap_nr_entries(), 0);
	CHECK_EQ(rmap_cache.nr_inuse, 0);
}

int main(void)
{
	rmap_init();
	test_basic();
	test_random();
	return check_summary("rmap");
}
