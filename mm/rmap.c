/* Reverse maps (see rmap.h): a singly linked list of rmap entries hanging off page->rmap,
 * newest first, guarded by one global spinlock. Pure list code over struct page, so
 * tests/unit/test_rmap.c runs it on the host. */
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
	entry->next = page->rmap;
	page->rmap = entry;
	__atomic_add_fetch(&page->mapcount, 1, __ATOMIC_RELEASE);
	nr_entries++;
	spin_unlock_irqrestore(&rmap_lock, flags);
}

void rmap_remove(struct page *page, struct mm *mm, uint64_t va)
{
	struct rmap_entry *found = NULL;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	for (struct rmap_entry **pp = (struct rmap_entry **)&page->rmap; *pp; pp = &(*pp)->next) {
		if ((*pp)->mm == mm && (*pp)->va == va) {
			found = *pp;
			*pp = found->next;
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
	for (struct rmap_entry *it = page->rmap; it && !found; it = it->next)
		found = it->mm == mm && it->va == va;
	spin_unlock_irqrestore(&rmap_lock, flags);
	return found;
}

unsigned rmap_walk(struct page *page, bool (*fn)(void *ctx, struct mm *mm, uint64_t va),
		   void *ctx)
{
	unsigned n = 0;
	uint64_t flags = spin_lock_irqsave(&rmap_lock);
	for (struct rmap_entry *it = page->rmap; it; it = it->next) {
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
