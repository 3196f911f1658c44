/* Reverse maps: adding, finding, walking (with early stop) and removing mappings keeps the
 * blocks, mapcount and entry count exact, against a model under random operations; a page
 * mapped up to three times keeps one block, which outlives its last mapping until
 * rmap_release(); removing a mapping of the newest or the oldest block touches no other
 * block. */
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
	struct rmap_block *spare = rmap_block_alloc();
	CHECK(spare != NULL);
	rmap_add(p, mm, va, &spare);
	rmap_block_free(spare);
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
	CHECK_EQ(rmap_nr_entries(), 0);
	CHECK(p->rmap != NULL && rmap_cache.nr_inuse == 1); /* the empty block stays... */
	struct seen s3 = { 0, 0, 0 };
	CHECK_EQ(rmap_walk(p, visit, &s3), 0);
	CHECK(!rmap_contains(p, mms[0], 0x1000));
	rmap_release(p); /* ...until the frame is freed */
	CHECK(p->rmap == NULL && rmap_cache.nr_inuse == 0);
	rmap_release(p); /* no block: nothing */
	rmap_block_free(NULL);
}

/* One, two or three mappings share one block, the same one whichever is removed: the
 * unmap of a shared page touches no more memory than that of a private one. */
static void test_one_block_up_to_three(void)
{
	struct page *p = &pages[1];
	page_set(p, PG_ANON);
	for (int sharers = 1; sharers <= RMAP_BLOCK_SLOTS; sharers++) {
		for (int victim = 0; victim < sharers; victim++) {
			for (int i = 0; i < sharers; i++)
				add(p, mms[i], 0x5000);
			struct rmap_block *block = p->rmap;
			CHECK(block->next == block && used_slots(block) == (uint32_t)sharers);
			rmap_remove(p, mms[victim], 0x5000);
			CHECK(p->rmap == block && used_slots(block) == (uint32_t)sharers - 1);
			CHECK(rmap_cache.nr_inuse == 1 && !rmap_contains(p, mms[victim], 0x5000));
			for (int i = 0; i < sharers; i++)
				if (i != victim)
					rmap_remove(p, mms[i], 0x5000);
			CHECK(p->rmap == block && used_slots(block) == 0);
		}
	}
	/* The spare is taken only for a new block: one spare serves many adds. */
	struct rmap_block *spare = rmap_block_alloc();
	for (int i = 0; i < 3; i++) {
		rmap_add(p, mms[i], 0x1000, &spare);
		CHECK(spare != NULL && rmap_cache.nr_inuse == 2);
	}
	rmap_add(p, mms[3], 0x1000, &spare); /* a fourth mapping starts a second block */
	CHECK(spare == NULL && rmap_cache.nr_inuse == 2);
	struct rmap_block *newest = p->rmap, *oldest = newest->next;
	CHECK(used_slots(newest) == 1 && used_slots(oldest) == 3 && oldest->prev == newest);
	rmap_remove(p, mms[3], 0x1000); /* the newest block empties, and stays */
	CHECK(rmap_cache.nr_inuse == 2 && p->rmap == newest && used_slots(newest) == 0);
	rmap_remove(p, mms[0], 0x1000); /* a hole in the oldest takes the oldest's last mapping */
	CHECK(used_slots(oldest) == 2 && oldest->slot[0].mm == mms[2] && rmap_contains(p, mms[2], 0x1000));
	rmap_remove(p, mms[1], 0x1000);
	rmap_remove(p, mms[2], 0x1000); /* the oldest empties and goes; the empty newest stays */
	CHECK(rmap_cache.nr_inuse == 1 && p->rmap == newest && newest->next == newest && newest->prev == newest);
	rmap_release(p);
	CHECK_EQ(rmap_cache.nr_inuse, 0);
}

/* Remove mapping i of the n that page p was given (i + 1 pages up, in mms[i % NMM]) and
 * check that it wrote the block holding it alone: every other block stays byte for byte,
 * and no block is allocated or freed. */
static void remove_touching_one_block(struct page *p, int i)
{
	enum { MAXB = 8 };
	struct rmap_block *blocks[MAXB], copies[MAXB], *holder = NULL;
	uint32_t slot;
	CHECK(find_mapping(p, mms[i % NMM], (uint64_t)(i + 1) << 12, &holder, &slot));
	int nb = 0;
	struct rmap_block *b = p->rmap;
	do {
		if (b != holder && nb < MAXB) {
			blocks[nb] = b;
			copies[nb++] = *b;
		}
		b = b->next;
	} while (b != p->rmap);
	uint64_t inuse = rmap_cache.nr_inuse;
	rmap_remove(p, mms[i % NMM], (uint64_t)(i + 1) << 12);
	CHECK_EQ(rmap_cache.nr_inuse, inuse);
	for (int k = 0; k < nb; k++)
		CHECK(!memcmp(blocks[k], &copies[k], sizeof(copies[k])));
}

/* With 4 to 12 mappings (2 to 4 blocks), removing the newest (as the first access of a
 * prober that merged last does, under same_behaviour) or the oldest (a KSM page's sharers
 * unmerged in address order) writes one block. */
static void test_newest_or_oldest_touches_one_block(void)
{
	struct page *p = &pages[2];
	page_set(p, PG_ANON);
	for (int n = RMAP_BLOCK_SLOTS + 1; n <= 4 * RMAP_BLOCK_SLOTS; n++) {
		for (int i = 0; i < n; i++)
			add(p, mms[i % NMM], (uint64_t)(i + 1) << 12);
		remove_touching_one_block(p, n - 1);
		remove_touching_one_block(p, 0);
		for (int i = 1; i < n - 1; i++)
			rmap_remove(p, mms[i % NMM], (uint64_t)(i + 1) << 12);
		struct rmap_block *newest = p->rmap;
		CHECK(page_mapcount(p) == 0 && newest->next == newest);
	}
	rmap_release(p);
	CHECK_EQ(rmap_cache.nr_inuse, 0);
}

/* page's circle of blocks is well formed: linked both ways, every block between the oldest
 * and the newest full, the oldest not empty unless it is the only block, free slots only
 * after the mappings. Returns how many blocks. */
static uint64_t blocks_of(const struct page *p, bool *ok)
{
	struct rmap_block *tail = p->rmap;
	if (!tail)
		return 0;
	uint64_t n = 0;
	struct rmap_block *b = tail;
	do {
		b = b->next;
		n++;
		uint32_t used = used_slots(b);
		*ok &= b->next->prev == b && n < 1000;
		bool oldest = n == 1, middle = !oldest && b != tail;
		*ok &= !middle || used == RMAP_BLOCK_SLOTS;
		*ok &= !oldest || b == tail || used > 0;
		for (uint32_t i = used; i < RMAP_BLOCK_SLOTS; i++)
			*ok &= !b->slot[i].mm;
	} while (b != tail && n < 1000);
	return n;
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
		uint64_t total = 0, blocks = 0;
		for (int m = 0; m < NMM; m++)
			for (int v = 0; v < NVA; v++) {
				count += model[pi][m][v];
				ok &= rmap_contains(p, mms[m], (uint64_t)v << 12) == model[pi][m][v];
			}
		struct seen s = { 0, 0, 0 };
		ok &= (int)rmap_walk(p, visit, &s) == count && page_mapcount(p) == count;
		for (int i = 0; i < NPAGES; i++) {
			total += (uint64_t)page_mapcount(&pages[i]);
			blocks += blocks_of(&pages[i], &ok);
		}
		ok &= rmap_nr_entries() == total && rmap_cache.nr_inuse == blocks;
		uint64_t nb = blocks_of(p, &ok);
		ok &= nb >= (uint64_t)(count + RMAP_BLOCK_SLOTS - 1) / RMAP_BLOCK_SLOTS;
		ok &= nb <= (uint64_t)count / RMAP_BLOCK_SLOTS + 2;
	}
	CHECK(ok);
	for (int p = 0; p < NPAGES; p++)
		for (int m = 0; m < NMM; m++)
			for (int v = 0; v < NVA; v++)
				if (model[p][m][v])
					rmap_remove(&pages[p], mms[m], (uint64_t)v << 12);
	for (int p = 0; p < NPAGES; p++)
		rmap_release(&pages[p]);
	CHECK_EQ(rmap_nr_entries(), 0);
	CHECK_EQ(rmap_cache.nr_inuse, 0);
}

int main(void)
{
	rmap_init();
	test_basic();
	test_one_block_up_to_three();
	test_newest_or_oldest_touches_one_block();
	test_random();
	return check_summary("rmap");
}
