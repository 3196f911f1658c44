/* Slot references and the swap cache (see swap.h). Everything here is a short critical
 * section under the swap lock; pages leave it with put_page() after the lock is dropped.
 *
 * A slot's life: swap_alloc() marks it used; reclaim puts the victim page in the cache for
 * it and turns each PTE into its entry (swap_dup per PTE); once written, the page may
 * leave the cache and be freed while PTEs still hold the entry. Faults bring the page back
 * into the cache, and each PTE that maps it again drops its reference (swap_free). The
 * slot is freed when its count is 0 and no cache page holds it. */
#include "mm/swap_internal.h"
#include "mm/page_ref.h"
#include "mm/rmap.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

static uint64_t nr_swapcache; /* [swap_lock] pages in the cache */

uint64_t swap_alloc(bool ksm)
{
	uint64_t entry = 0;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	/* The area of highest priority with room (the first one enabled, with defaults). */
	int best = -1;
	for (int i = 0; i < MAX_SWAPFILES; i++) {
		struct swap_area *a = swap_areas[i];
		if (a && a->writeok && swap_slots_free(&a->slots) &&
		    (best < 0 || a->prio > swap_areas[best]->prio))
			best = i;
	}
	if (best >= 0) {
		struct swap_area *a = swap_areas[best];
		uint64_t off = swap_slots_alloc(&a->slots);
		if (ksm)
			swap_slot(&a->slots, off)->flags |= SLOT_KSM;
		entry = swp_entry(best, off);
	}
	spin_unlock_irqrestore(&swap_lock, f);
	return entry;
}

void swap_cluster(uint64_t entry, unsigned order, uint64_t *first, uint64_t *end)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	uint64_t nslots = swap_area_of(entry)->slots.nslots;
	spin_unlock_irqrestore(&swap_lock, f);
	uint64_t off = swp_offset(entry), size = 1UL << order;
	*first = MAX(ALIGN_DOWN(off, size), 1); /* slot 0 is the header */
	*end = MIN(ALIGN_DOWN(off, size) + size, nslots);
}

void swap_dup(uint64_t entry)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct swap_slot *sl = swap_slot_of(entry);
	BUG_ON(!(sl->flags & SLOT_USED));
	sl->count++;
	swap_area_of(entry)->pte_refs++;
	spin_unlock_irqrestore(&swap_lock, f);
}

/* Nobody maps page, and it is not being read or written. */
static bool page_idle(const struct page *p)
{
	return !page_mapcount(p) && !page_test(p, PG_LOCKED | PG_WRITEBACK);
}

/* Take p out of the cache of its slot sl in a (the cache's reference is now the caller's
 * to drop). Under swap_lock. */
static void uncache(struct swap_area *a, struct swap_slot *sl, struct page *p)
{
	assert_held(&swap_lock);
	BUG_ON(sl->cache != p || !page_test(p, PG_SWAPCACHE));
	sl->cache = NULL;
	a->cached--;
	nr_swapcache--;
	page_clear(p, PG_SWAPCACHE | PG_DIRTY);
	p->swap = 0;
}

void swap_free(uint64_t entry)
{
	struct page *drop = NULL;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct swap_area *a = swap_area_of(entry);
	struct swap_slot *sl = swap_slot_of(entry);
	BUG_ON(!(sl->flags & SLOT_USED) || !sl->count);
	sl->count--;
	a->pte_refs--;
	if (!sl->count) {
		/* Nobody can fault this slot's data in any more: a cache page only the cache
		 * holds is garbage now. */
		struct page *p = sl->cache;
		if (p && page_idle(p) && page_refcount(p) == 1) {
			uncache(a, sl, p);
			drop = p;
		}
		swap_slots_release(&a->slots, swp_offset(entry));
	}
	spin_unlock_irqrestore(&swap_lock, f);
	if (drop)
		put_page(drop);
}

uint32_t swap_count(uint64_t entry)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	uint32_t n = swap_slot_of(entry)->count;
	spin_unlock_irqrestore(&swap_lock, f);
	return n;
}

bool swap_was_ksm(uint64_t entry)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	bool ksm = swap_slot_of(entry)->flags & SLOT_KSM;
	spin_unlock_irqrestore(&swap_lock, f);
	return ksm;
}

bool swap_cache_page_was_ksm(const struct page *page)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	bool ksm = page_test(page, PG_SWAPCACHE) && (swap_slot_of(page->swap)->flags & SLOT_KSM);
	spin_unlock_irqrestore(&swap_lock, f);
	return ksm;
}

bool swap_page_closing(const struct page *page)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	bool closing = page_test(page, PG_SWAPCACHE) && !swap_area_of(page->swap)->writeok;
	spin_unlock_irqrestore(&swap_lock, f);
	return closing;
}

bool swap_cache_start_writeback(struct page *page)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	bool ok = page_test(page, PG_SWAPCACHE) && swap_area_of(page->swap)->writeok &&
		  page_test(page, PG_DIRTY) && !page_test(page, PG_WRITEBACK | PG_LOCKED);
	if (ok) {
		page_clear(page, PG_DIRTY);
		page_set(page, PG_WRITEBACK);
	}
	spin_unlock_irqrestore(&swap_lock, f);
	return ok;
}

/* Put page in the cache for entry unless the slot has a cache page already, or (wanted)
 * no PTE holds it. */
static bool cache_add(struct page *page, uint64_t entry, bool wanted)
{
	BUG_ON(!page_test(page, PG_ANON) || page_test(page, PG_SWAPCACHE));
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct swap_area *a = swap_area_of(entry);
	struct swap_slot *sl = swap_slot_of(entry);
	BUG_ON(!wanted && !(sl->flags & SLOT_USED));
	bool added = !sl->cache && (!wanted || sl->count);
	if (added) {
		get_page(page);
		sl->cache = page;
		a->cached++;
		nr_swapcache++;
		page->swap = entry;
		page_set(page, PG_SWAPCACHE);
	}
	spin_unlock_irqrestore(&swap_lock, f);
	return added;
}

bool swap_cache_add(struct page *page, uint64_t entry)
{
	return cache_add(page, entry, false);
}

bool swap_cache_add_readahead(struct page *page, uint64_t entry)
{
	return cache_add(page, entry, true);
}

struct page *swap_cache_lookup(uint64_t entry)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct page *p = swap_slot_of(entry)->cache;
	if (p)
		get_page(p); /* the cache's own reference keeps it from being freed meanwhile */
	spin_unlock_irqrestore(&swap_lock, f);
	return p;
}

void swap_cache_delete(struct page *page)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	uint64_t entry = page->swap;
	struct swap_area *a = swap_area_of(entry);
	uncache(a, swap_slot_of(entry), page);
	swap_slots_release(&a->slots, swp_offset(entry));
	spin_unlock_irqrestore(&swap_lock, f);
	BUG_ON(page_refcount(page) < 2); /* the caller's reference must outlive the cache's */
	put_page(page);
}

/* Take page out of the cache if cond(page, its slot) holds, dropping the cache's reference
 * after the lock: true if done. */
static bool uncache_if(struct page *page, bool (*cond)(const struct page *p, const struct swap_slot *sl))
{
	bool done = false;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	if (page_test(page, PG_SWAPCACHE)) {
		uint64_t entry = page->swap;
		struct swap_area *a = swap_area_of(entry);
		struct swap_slot *sl = swap_slot_of(entry);
		if ((done = cond(page, sl))) {
			uncache(a, sl, page);
			swap_slots_release(&a->slots, swp_offset(entry));
		}
	}
	spin_unlock_irqrestore(&swap_lock, f);
	if (done)
		put_page(page);
	return done;
}

/* Unmapped, held by the caller and the cache alone, and either written out (clean) or
 * of no use to anyone (no PTE holds its slot). */
static bool unused(const struct page *p, const struct swap_slot *sl)
{
	return page_idle(p) && page_refcount(p) == 2 && (!page_test(p, PG_DIRTY) || !sl->count);
}

bool swap_cache_release_unused(struct page *page)
{
	return uncache_if(page, unused);
}

/* Held by the cache alone, and no PTE holds the entry. */
static bool orphaned(const struct page *p, const struct swap_slot *sl)
{
	return page_idle(p) && !sl->count && page_refcount(p) == 1;
}

void swap_cache_drop_orphan(struct page *page)
{
	uncache_if(page, orphaned);
}

/* One user, by one mapping or one swap entry, and the cache's reference: nobody else can
 * see a write. KSM pages are never written in place; a page being written out is held by
 * the writer too. */
static bool reusable(const struct page *p, const struct swap_slot *sl)
{
	return !page_test(p, PG_KSM | PG_WRITEBACK | PG_LOCKED) &&
	       page_mapcount(p) + sl->count == 1 && page_refcount(p) == 2;
}

bool swap_cache_reuse(struct page *page)
{
	return uncache_if(page, reusable);
}

uint64_t swap_cache_pages(void)
{
	return READ_ONCE(nr_swapcache);
}
