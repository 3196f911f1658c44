/* Reverse maps (see rmap.h): per page, a circle of blocks of three mappings, linked both
 * ways, page->rmap pointing at the newest (the tail, whose next is the oldest), so that
 * adding at the end and dropping an empty tail are O(1); guarded by one global spinlock.
 * Pure code over struct page, so tests/unit/test_rmap.c runs it on the host. */
#include "mm/rmap.h"
#include "mm/slab.h"
#include "arch-x86_64/spinlock.h"
#include "kernel/printk.h"

static spinlock_t rmap_lock = SPINLOCK_INIT("rmap");
static struct kmem_cache rmap_cache;
static uint64_t nr_entries; /* [rmap_lock] */

void rmap_init(void)
{
	kmem_cache_init(&rmap_cache, "rmap_block", sizeof(struct rmap_block), 64);
}

struct rmap_block *rmap_block_alloc(void)
{
	return kmem_cache_alloc(&rmap_cache);
}

void rmap_block_free(struct rmap_block *block)
{
	if (block)
		kmem_cache_free(&rmap_cache, block);
}

/* How many of b's slots hold mappings (they come first). [rmap_lock] */
static uint32_t used_slots(const struct rmap_block *b)
{
	uint32_t n = 0;
	while (n < RMAP_BLOCK_SLOTS && b->slot[n].mm)
		n++;
	return n;
}

void rmap_add(struct page *page, struct mm *mm, uint64_t va, struct rmap_block **spare)
{
	BUG_ON(!*spare || !page_test(page, PG_ANON | PG_SHMEM) || (va & 0xfff) || !mm);
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	struct rmap_block *tail = page->rmap;
	uint32_t n = tail ? used_slots(tail) : RMAP_BLOCK_SLOTS;
	if (n == RMAP_BLOCK_SLOTS) {
		struct rmap_block *block = *spare;
		*spare = NULL;
		for (uint32_t i = 1; i < RMAP_BLOCK_SLOTS; i++) /* slot 0 is taken below */
			block->slot[i].mm = NULL;
		block->next = block->prev = block;
		if (tail) { /* between the newest and the oldest */
			block->next = tail->next;
			block->prev = tail;
			tail->next->prev = block;
			tail->next = block;
		}
		page->rmap = tail = block;
		n = 0;
	}
	tail->slot[n] = (struct rmap_slot){ mm, va };
	__atomic_add_fetch(&page->mapcount, 1, __ATOMIC_RELEASE);
	nr_entries++;
	spin_unlock_irqrestore(&rmap_lock, flags);
}

/* The first block of page's circle (the oldest), NULL if none; then the next one after
 * block, NULL after the newest. [rmap_lock] */
static struct rmap_block *first_block(const struct page *page)
{
	struct rmap_block *tail = page->rmap;
	return tail ? tail->next : NULL;
}
static struct rmap_block *next_block(const struct page *page, const struct rmap_block *block)
{
	return block == page->rmap ? NULL : block->next;
}

/* Whether (mm, va) is in block b; its slot. */
static bool in_block(const struct rmap_block *b, struct mm *mm, uint64_t va, uint32_t *slot)
{
	for (uint32_t i = 0; i < RMAP_BLOCK_SLOTS && b->slot[i].mm; i++)
		if (b->slot[i].mm == mm && b->slot[i].va == va) {
			*slot = i;
			return true;
		}
	return false;
}

/* Where (mm, va) is on page's map: its block and slot; false if it is not there. The newest
 * block first (the mapping added last, as a prober's is: rmap.h), then from the oldest
 * (unmerging and copy-on-write breaks of a KSM page's many sharers come in address order,
 * the order they merged in). [rmap_lock] */
static bool find_mapping(const struct page *page, struct mm *mm, uint64_t va,
			 struct rmap_block **block, uint32_t *slot)
{
	struct rmap_block *newest = page->rmap;
	if (!newest)
		return false;
	struct rmap_block *b = newest;
	do {
		if (in_block(b, mm, va, slot)) {
			*block = b;
			return true;
		}
		b = b->next; /* the oldest after the newest, then newer ones */
	} while (b != newest);
	return false;
}

void rmap_remove(struct page *page, struct mm *mm, uint64_t va)
{
	struct rmap_block *b, *emptied = NULL;
	uint32_t i;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	bool found = find_mapping(page, mm, va, &b, &i);
	if (found) {
		/* The hole takes the last mapping of its own block if that is the newest (an
		 * emptied newest block stays), else of the oldest block (which goes when it
		 * empties): either way one line when the hole is in the newest or the oldest
		 * block, and every block between them stays full. */
		struct rmap_block *newest = page->rmap, *from = b == newest ? b : newest->next;
		uint32_t last = used_slots(from) - 1;
		b->slot[i] = from->slot[last];
		from->slot[last] = (struct rmap_slot){ NULL, 0 };
		if (!last && from != newest) { /* the oldest, not the only block, emptied */
			emptied = from;
			from->prev->next = from->next;
			from->next->prev = from->prev;
		}
		__atomic_sub_fetch(&page->mapcount, 1, __ATOMIC_RELEASE);
		nr_entries--;
	}
	spin_unlock_irqrestore(&rmap_lock, flags);
	if (!found)
		panic("rmap: pfn %#lx has no mapping at %#lx in mm %p", page_to_pfn(page), va, mm);
	rmap_block_free(emptied);
}

void rmap_release(struct page *page)
{
	struct rmap_block *block = page->rmap;
	if (!block)
		return;
	/* The last reference is gone, so no one else can reach the page: no lock needed. */
	BUG_ON(block->slot[0].mm || block->next != block || page->mapcount);
	page->rmap = NULL;
	rmap_block_free(block);
}

bool rmap_contains(struct page *page, struct mm *mm, uint64_t va)
{
	struct rmap_block *b;
	uint32_t i;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	bool found = find_mapping(page, mm, va, &b, &i);
	spin_unlock_irqrestore(&rmap_lock, flags);
	return found;
}

unsigned rmap_walk(struct page *page, bool (*fn)(void *ctx, struct mm *mm, uint64_t va),
		   void *ctx)
{
	unsigned n = 0;
	bool more = true;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	for (struct rmap_block *b = first_block(page); b && more; b = next_block(page, b))
		for (uint32_t i = 0; i < RMAP_BLOCK_SLOTS && b->slot[i].mm && more; i++) {
			n++;
			more = fn(ctx, b->slot[i].mm, b->slot[i].va);
		}
	spin_unlock_irqrestore(&rmap_lock, flags);
	return n;
}

uint64_t rmap_nr_entries(void)
{
	return READ_ONCE(nr_entries);
}
