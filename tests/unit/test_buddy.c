/* mm/buddy.c against a model of who owns each frame: random alloc/free sequences of mixed
 * orders (no overlap ever, alignment, counts, alloc fails only when no aligned free run
 * exists), full coalescing after freeing everything, and the BUG_ONs (in a child process). */
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/buddy.c"

#define NPAGES 6000
static struct page map[NPAGES];
static struct buddy b;

/* Managed ranges: odd edges, a hole, and one range ending at the array's end. */
static const uint64_t ranges[][2] = { { 1, 700 }, { 1024, 3000 }, { 3001, 3003 }, { 4096, NPAGES } };

static int owner[NPAGES];      /* -1: free (managed); -2: not managed; else index of the block */
static struct { uint64_t pfn; unsigned order; bool live; } blocks[NPAGES];
static unsigned nblocks;
static uint64_t model_free, managed;

static bool managed_pfn(uint64_t pfn)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++)
		if (pfn >= ranges[i][0] && pfn < ranges[i][1])
			return true;
	return false;
}

static void setup(void)
{
	memset(map, 0, sizeof(map));
	model_free = managed = 0;
	nblocks = 0;
	for (uint64_t pfn = 0; pfn < NPAGES; pfn++) {
		owner[pfn] = managed_pfn(pfn) ? -1 : -2;
		if (owner[pfn] == -2)
			map[pfn].flags = PG_RESERVED; /* as page_array_init() leaves them */
	}
	buddy_init(&b, map, NPAGES);
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
		buddy_add_range(&b, ranges[i][0], ranges[i][1]);
		managed += ranges[i][1] - ranges[i][0];
	}
	model_free = managed;
}

/* Is there a naturally aligned run of 2^order free frames in the model? */
static bool model_has_block(unsigned order)
{
	for (uint64_t pfn = 0; pfn + (1UL << order) <= NPAGES; pfn += 1UL << order) {
		uint64_t i = 0;
		while (i < (1UL << order) && owner[pfn + i] == -1)
			i++;
		if (i == 1UL << order)
			return true;
	}
	return false;
}

/* buddy_alloc_at() of a random frame: it is handed out exactly when the model has it free. */
static bool do_alloc_at(void)
{
	uint64_t pfn = (uint64_t)rand() % NPAGES;
	bool was_free = owner[pfn] == -1;
	struct page *p = buddy_alloc_at(&b, pfn);
	CHECK(!b.lock.locked);
	CHECK_EQ(p != NULL, was_free);
	if (!p)
		return false;
	CHECK(p == &map[pfn] && p->refcount == 1 && p->flags == 0 && p->order == 0);
	owner[pfn] = (int)nblocks;
	blocks[nblocks].pfn = pfn;
	blocks[nblocks].order = 0;
	blocks[nblocks].live = true;
	nblocks++;
	model_free--;
	return true;
}

static bool do_alloc(unsigned order)
{
	struct page *p = buddy_alloc(&b, order);
	CHECK(!b.lock.locked);
	if (!p) {
		CHECK(!model_has_block(order));
		return false;
	}
	uint64_t pfn = (uint64_t)(p - map);
	CHECK_EQ(pfn % (1UL << order), 0);
	CHECK(p->refcount == 1 && p->flags == 0 && p->order == order);
	bool clash = false;
	for (uint64_t i = 0; i < (1UL << order); i++) {
		clash |= pfn + i >= NPAGES || owner[pfn + i] != -1;
		if (pfn + i < NPAGES)
			owner[pfn + i] = (int)nblocks;
	}
	CHECK(!clash);
	blocks[nblocks].pfn = pfn;
	blocks[nblocks].order = order;
	blocks[nblocks].live = true;
	nblocks++;
	model_free -= 1UL << order;
	return true;
}

static void do_free(unsigned idx)
{
	buddy_free(&b, &map[blocks[idx].pfn], blocks[idx].order);
	for (uint64_t i = 0; i < (1UL << blocks[idx].order); i++)
		owner[blocks[idx].pfn + i] = -1;
	blocks[idx].live = false;
	model_free += 1UL << blocks[idx].order;
}

static unsigned random_order(void)
{
	unsigned r = rand() % 100;
	if (r < 50) return 0;
	if (r < 75) return 1 + rand() % 3;
	if (r < 95) return 4 + rand() % 4;
	return 8 + rand() % 3;
}

/* After everything is freed: every free block is maximal, and the free lists hold exactly
 * the greedy decomposition of each managed range into aligned blocks. */
static void check_coalesced(void)
{
	uint64_t want[MAX_ORDER + 1] = { 0 }, got[MAX_ORDER + 1] = { 0 };
	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
		for (uint64_t pfn = ranges[i][0]; pfn < ranges[i][1]; ) {
			unsigned o = 0;
			while (o < MAX_ORDER && !(pfn & (1UL << o)) && pfn + (2UL << o) <= ranges[i][1])
				o++;
			want[o]++;
			pfn += 1UL << o;
		}
	}
	bool maximal = true;
	for (unsigned o = 0; o <= MAX_ORDER; o++) {
		struct list_head *pos;
		list_for_each(pos, &b.free[o]) {
			struct page *p = list_entry(pos, struct page, list);
			uint64_t pfn = (uint64_t)(p - map), bud = pfn ^ (1UL << o);
			maximal &= p->order == o && page_test(p, PG_BUDDY);
			if (o < MAX_ORDER && bud < NPAGES)
				maximal &= !(page_test(&map[bud], PG_BUDDY) && map[bud].order == o);
			got[o]++;
		}
	}
	CHECK(maximal);
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		CHECK_EQ(got[o], want[o]);
	CHECK(want[MAX_ORDER] > 0);
}

static void test_random(unsigned seed)
{
	srand(seed);
	setup();
	CHECK_EQ(buddy_nr_free(&b), managed);
	check_coalesced();
	for (int step = 0; step < 20000; step++) {
		unsigned live = 0;
		for (unsigned i = 0; i < nblocks; i++)
			live += blocks[i].live;
		if (nblocks < NPAGES - 1 && (live == 0 || rand() % 100 < 55)) {
			if (rand() % 4 == 0)
				do_alloc_at();
			else
				do_alloc(random_order());
		} else {
			unsigned k = rand() % live, idx = 0;
			for (;; idx++)
				if (blocks[idx].live && k-- == 0)
					break;
			do_free(idx);
		}
		if (buddy_nr_free(&b) != model_free) {
			CHECK_EQ(buddy_nr_free(&b), model_free);
			return;
		}
		if (nblocks >= NPAGES - 1) { /* compact the block table */
			unsigned w = 0;
			for (unsigned i = 0; i < nblocks; i++)
				if (blocks[i].live) {
					blocks[w] = blocks[i];
					for (uint64_t j = 0; j < (1UL << blocks[w].order); j++)
						owner[blocks[w].pfn + j] = (int)w;
					w++;
				}
			nblocks = w;
		}
	}
	/* drain: take everything that is left, smallest blocks last, then free it all */
	for (int o = MAX_ORDER; o >= 0; o--)
		while (nblocks < NPAGES - 1 && do_alloc((unsigned)o))
			;
	CHECK_EQ(buddy_nr_free(&b), 0);
	CHECK(buddy_alloc(&b, 0) == NULL);
	for (unsigned i = 0; i < nblocks; i++)
		if (blocks[i].live)
			do_free(i);
	CHECK_EQ(buddy_nr_free(&b), managed);
	check_coalesced();
}

static void test_refcount(void)
{
	setup();
	struct page *p = buddy_alloc(&b, 3);
	CHECK(p != NULL);
	p->refcount++; /* a second user */
	buddy_free(&b, p, 3);
	CHECK_EQ(buddy_nr_free(&b), managed - 8);
	CHECK(!page_test(p, PG_BUDDY));
	buddy_free(&b, p, 3);
	CHECK_EQ(buddy_nr_free(&b), managed);
	check_coalesced();
}

/* Run fn in a child; true if it died by abort() (a BUG_ON panic). */
static bool panics(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void double_free(void)
{
	struct page *p = buddy_alloc(&b, 0);
	buddy_free(&b, p, 0);
	buddy_free(&b, p, 0);
}
static void double_free_merged(void)
{
	struct page *p = buddy_alloc(&b, 2); /* freed, it merges back: not a block head any more */
	buddy_free(&b, p, 2);
	buddy_free(&b, p + 1, 0);
}
static void free_reserved(void) { buddy_free(&b, &map[0], 0); }
static void free_tail(void) { buddy_free(&b, buddy_alloc(&b, 2) + 1, 0); }
static void free_wrong_order(void) { buddy_free(&b, buddy_alloc(&b, 2), 1); }
static void free_with_flag(void)
{
	struct page *p = buddy_alloc(&b, 0);
	page_set(p, PG_SLAB);
	buddy_free(&b, p, 0);
}
static void add_reserved(void) { buddy_add_range(&b, 0, 1); }
static void alloc_too_big(void) { buddy_alloc(&b, MAX_ORDER + 1); }

static void test_bugs(void)
{
	setup();
	CHECK(panics(double_free));
	CHECK(panics(double_free_merged));
	CHECK(panics(free_reserved));
	CHECK(panics(free_tail));
	CHECK(panics(free_wrong_order));
	CHECK(panics(free_with_flag));
	CHECK(panics(add_reserved));
	CHECK(panics(alloc_too_big));
}

int main(void)
{
	for (unsigned seed = 1; seed <= 4; seed++)
		test_random(seed);
	test_refcount();
	test_bugs();
	return check_summary("buddy");
}
