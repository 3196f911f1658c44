/* Reverse maps (see rmap.h): a circular singly linked list of rmap entries per page,
 * oldest first, page->rmap pointing at the newest (the tail, whose next is the oldest), so
 * that adding at the end is O(1); guarded by one global spinlock. Pure list code over
 * struct page, so tests/unit/test_rmap.c runs it on the host. */
#include "mm/rmap.h"
#include "mm/slab.h"
#include "arch-x86_64/spinlock.h"
#include "kernel/printk.h"

static spinlock_t rmap_lock = SPINLOCK_INIT("rmap");
static struct kmem_cache rmap_cache;
static uint64_t nr_entries; /* [rmap_lock] */

void rmap_init(void)
{
	kmem_cache_init(&rmap_cache, "rmap_entry", sizeof(struct rmap_entry), 8);
}

struct rmap_entry *rmap_entry_alloc(void)
{
	return kmem_cache_alloc(&rmap_cache);
}

void rmap_entry_free(struct rmap_entry *entry)
{
	if (entry)
		kmem_cache_free(&rmap_cache, entry);
}

void rmap_add(struct page *page, struct mm *mm, uint64_t va, struct rmap_entry *entry)
{
	BUG_ON(!entry || !page_test(page, PG_ANON | PG_SHMEM) || (va & 0xfff));
	entry->mm = mm;
	entry->va = va;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	struct rmap_entry *tail = page->rmap;
	entry->next = tail ? tail->next : entry;
	if (tail)
		tail->next = entry;
	page->rmap = entry;
	__atomic_add_fetch(&page->mapcount, 1, __ATOMIC_RELEASE);
	nr_entries++;
	spin_unlock_irqrestore(&rmap_lock, flags);
}

void rmap_remove(struct page *page, struct mm *mm, uint64_t va)
{
	struct rmap_entry *found = NULL;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	struct rmap_entry *tail = page->rmap, *prev = tail;
	/* From the oldest: unmerging and copy-on-write breaks tend to come in the order the
	 * mappings were made (address order, for the many sharers of a KSM page). */
	for (struct rmap_entry *it = tail ? tail->next : NULL; it; prev = it, it = it == tail ? NULL : it->next) {
		if (it->mm == mm && it->va == va) {
			found = it;
			prev->next = it->next;
			if (it == tail)
				page->rmap = it == prev ? NULL : prev;
			__atomic_sub_fetch(&page->mapcount, 1, __ATOMIC_RELEASE);
			nr_entries--;
			break;
		}
	}
	spin_unlock_irqrestore(&rmap_lock, flags);
	if (!found)
		panic("rmap: pfn %#lx has no mapping at %#lx in mm %p", page_to_pfn(page), va, mm);
	rmap_entry_free(found);
}

bool rmap_contains(struct page *page, struct mm *mm, uint64_t va)
{
	bool found = false;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	struct rmap_entry *tail = page->rmap;
	for (struct rmap_entry *it = tail ? tail->next : NULL; it && !found; it = it == tail ? NULL : it->next)
		found = it->mm == mm && it->va == va;
	spin_unlock_irqrestore(&rmap_lock, flags);
	return found;
}

unsigned rmap_walk(struct page *page, bool (*fn)(void *ctx, struct mm *mm, uint64_t va),
		   void *ctx)
{
	unsigned n = 0;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	struct rmap_entry *tail = page->rmap;
	for (struct rmap_entry *it = tail ? tail->next : NULL; it; it = it == tail ? NULL : it->next) {
		n++;
		if (!fn(ctx, it->mm, it->va))
			break;
	}
	spin_unlock_irqrestore(&rmap_lock, flags);
	return n;
}

uint64_t rmap_nr_entries(void)
{
	return READ_ONCE(nr_entries);
}
