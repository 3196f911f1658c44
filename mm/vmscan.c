/* Reclaim: the LRU of anonymous pages and the clock that picks victims from it.
 *
 * Every private anonymous page (KSM pages included) is on one list, oldest first. The
 * clock hand is the list's head: each page it visits goes to the tail, and is a victim
 * only if none of its PTEs was accessed since the last visit (the accessed bits, read and
 * cleared through the reverse map, are its second chance).
 *
 * A victim gets a swap slot and joins the swap cache; then every PTE that maps it becomes
 * the slot's swap entry (each counted on the slot), and the page, now unmapped, is written
 * out with the others of its batch, all in flight at once. Once written it leaves the
 * cache and its frame is freed. A page read back in and not written since is clean: it
 * still has its slot, so reclaiming it again frees it without writing.
 *
 * Victims are unmapped under ksm_lock, so that ksmd does not merge into them meanwhile; a
 * KSM victim, unmapped from every sharer, leaves the stable tree (ksm_page_swapped_out):
 * it goes out once, and comes back as an ordinary page. A page with a PTE that userfaultfd
 * write-protects (MMU_UFFD_WP) is never a victim: a swap entry cannot keep the mark.
 *
 * madvise(MADV_PAGEOUT) reclaims chosen pages at once (pageout_range): a page of the
 * range that only this mm maps is a victim whatever its accessed bits, as on Linux.
 *
 * Locking: reclaim_mutex lets one reclaimer run at a time (kswapd or a direct reclaimer);
 * the LRU lock guards the list. A page's mappings are collected under the rmap lock with a
 * reference on each mm, then each is handled under that mm->lock, where the reverse map is
 * exact. Shared anonymous (PG_SHMEM) pages are not on the LRU: they are never swapped. */
#include "mm/mapping.h"
#include "mm/swap.h"
#include "mm/ksm.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "kernel/mutex.h"
#include "kernel/printk.h"
#include "kernel/lock.h"
#include "kernel/process.h"

static spinlock_t lru_lock = SPINLOCK_INIT("lru");
static struct list_head lru = LIST_HEAD_INIT(lru);	/* [lru_lock] oldest first */
static uint64_t nr_lru;					/* [lru_lock] */

void lru_add(struct page *page)
{
	uint64_t f = spin_lock_irqsave(&lru_lock);
	BUG_ON(page_test(page, PG_LRU));
	page_set(page, PG_LRU);
	list_add_tail(&page->list, &lru);
	nr_lru++;
	spin_unlock_irqrestore(&lru_lock, f);
}

void lru_remove(struct page *page)
{
	uint64_t f = spin_lock_irqsave(&lru_lock);
	if (page_test(page, PG_LRU)) {
		list_del(&page->list);
		page_clear(page, PG_LRU);
		nr_lru--;
	}
	spin_unlock_irqrestore(&lru_lock, f);
}

/* The page under the clock hand, moved to the tail, with a reference; NULL if the list is
 * empty. A page whose last reference is going is passed over (it leaves the list). */
static struct page *lru_next(void)
{
	struct page *p = NULL;
	uint64_t f = spin_lock_irqsave(&lru_lock);
	for (uint64_t n = nr_lru; n && !p; n--) {
		struct page *head = list_first_entry(&lru, struct page, list);
		list_del(&head->list);
		list_add_tail(&head->list, &lru);
		if (get_page_unless_zero(head))
			p = head;
	}
	spin_unlock_irqrestore(&lru_lock, f);
	return p;
}

static struct mutex reclaim_mutex = MUTEX_INIT(reclaim_mutex, "reclaim");

/* The mappings of the page at hand, each mm referenced. [reclaim_mutex] */
#define RECLAIM_MAX_MAPPINGS 512
static struct { struct mm *mm; uint64_t va; } maps[RECLAIM_MAX_MAPPINGS];
static unsigned nmaps;
static bool maps_overflow;

static bool collect(void *ctx, struct mm *mm, uint64_t va)
{
	if (nmaps == RECLAIM_MAX_MAPPINGS) {
		maps_overflow = true;
		return false;
	}
	if (mm_tryget(mm)) { /* else it is exiting: that mapping is going anyway */
		maps[nmaps].mm = mm;
		maps[nmaps++].va = va;
	}
	return true;
}

/* Drop the references (not under ksm_lock: a last mm_put runs ksm_exit). */
static void release_mappings(void)
{
	for (unsigned i = 0; i < nmaps; i++)
		mm_put(maps[i].mm);
	nmaps = 0;
}

/* Clear the accessed bits of page's PTEs: whether any was set (or ksmd saw one, PG_YOUNG). */
static bool page_referenced(struct page *page)
{
	bool referenced = page_test(page, PG_YOUNG);
	page_clear(page, PG_YOUNG);
	for (unsigned i = 0; i < nmaps; i++) {
		struct mm *mm = maps[i].mm;
		mutex_lock(&mm->lock);
		if (rmap_contains(page, mm, maps[i].va) &&
		    pgtable_test_and_clear(&mm->pt, maps[i].va, MMU_ACCESSED))
			referenced = true;
		mutex_unlock(&mm->lock);
	}
	return referenced;
}

/* Whether a collected PTE that maps page carries the userfaultfd write-protect mark: such
 * a page stays resident, as swap entries do not keep the mark (userfaultfd.h). */
static bool page_uffd_protected(struct page *page)
{
	bool marked = false;
	for (unsigned i = 0; i < nmaps && !marked; i++) {
		struct mm *mm = maps[i].mm;
		struct pte_info pte;
		mutex_lock(&mm->lock);
		marked = rmap_contains(page, mm, maps[i].va) &&
			 pgtable_lookup(&mm->pt, maps[i].va, &pte) && (pte.prot & MMU_UFFD_WP);
		mutex_unlock(&mm->lock);
	}
	return marked;
}

/* Turn each collected PTE that still maps page into its swap entry. */
static void unmap_page(struct page *page)
{
	uint64_t entry = page->swap;
	for (unsigned i = 0; i < nmaps; i++) {
		struct mm *mm = maps[i].mm;
		uint64_t va = maps[i].va;
		mutex_lock(&mm->lock);
		if (rmap_contains(page, mm, va)) {
			struct pte_info old;
			BUG_ON(!pgtable_swap_out(&mm->pt, va, entry, &old));
			BUG_ON(old.pa != page_to_phys(page));
			if (old.prot & MMU_DIRTY)
				page_set(page, PG_DIRTY);
			swap_dup(entry); /* before the mapping goes, so the cache keeps the page */
			__atomic_add_fetch(&mm->swap_ents, 1, __ATOMIC_RELAXED);
			release_mapping(mm, va, &old); /* our own reference keeps the page */
		}
		mutex_unlock(&mm->lock);
	}
}

enum verdict { KEEP, FREED, WRITE, NO_SWAP };

/* A cache page that is no longer mapped: let it go if it is clean (or nobody wants it),
 * else write it (not to an area swapoff is emptying: swapoff takes it from the cache). */
static enum verdict unmapped_verdict(struct page *page)
{
	if (swap_cache_release_unused(page))
		return FREED;
	return swap_cache_start_writeback(page) ? WRITE : KEEP;
}

/* Unmap page into its swap slot (taking one if it has none) unless it was referenced (and
 * not forced out). Under reclaim_mutex and ksm_lock (so PG_KSM cannot change meanwhile). */
static enum verdict unmap_victim(struct page *page, bool force)
{
	assert_held(&reclaim_mutex);
	assert_held(&ksm_lock);
	bool ksm = page_test(page, PG_KSM);
	maps_overflow = false;
	rmap_walk(page, collect, NULL);
	if (maps_overflow)
		return KEEP; /* more mappings than we can hold */
	if ((page_referenced(page) && !force) || page_uffd_protected(page))
		return KEEP;
	if (!page_test(page, PG_SWAPCACHE)) {
		uint64_t entry = swap_alloc(ksm);
		if (!entry)
			return NO_SWAP;
		BUG_ON(!swap_cache_add(page, entry)); /* a fresh slot has no cache page */
		page_set(page, PG_DIRTY); /* nothing on disk yet */
	}
	unmap_page(page);
	if (ksm && !page_mapcount(page))
		ksm_page_swapped_out(page);
	return KEEP;
}

/* Whether the clock may consider page at all (cheap tests first). no_slots: swap is full,
 * so only pages that have a slot already (in the swap cache) can go. */
static bool candidate(struct page *page, bool no_slots)
{
	if (!page_test(page, PG_ANON) || page_test(page, PG_LOCKED | PG_WRITEBACK))
		return false;
	if (!page_test(page, PG_SWAPCACHE))
		return !no_slots && page_mapcount(page); /* unmapped: in transit, someone holds it */
	return !swap_page_closing(page);
}

/* The clock's decision on page (referenced by the caller); force: out even if accessed. */
static enum verdict shrink_page(struct page *page, bool no_slots, bool force)
{
	if (!candidate(page, no_slots))
		return KEEP;
	if (!page_mapcount(page))
		return unmapped_verdict(page);
	/* Held for every page, not only KSM ones: ksmd may be making this one a KSM page. */
	ksm_reclaim_lock();
	enum verdict v = unmap_victim(page, force);
	ksm_reclaim_unlock();
	release_mappings();
	if (v == NO_SWAP || page_mapcount(page) || !page_test(page, PG_SWAPCACHE))
		return v; /* mapped again meanwhile: it stays in the cache, for its next turn */
	return unmapped_verdict(page);
}

#define BATCH SWAP_BATCH_MAX

/* Write the batch (pages marked by swap_cache_start_writeback) out and free what the
 * writes made clean; returns the frames freed. Drops the batch's references. */
static uint64_t write_batch(struct page **batch, unsigned n)
{
	int err[BATCH];
	swap_write_pages(batch, err, n);
	uint64_t freed = 0;
	for (unsigned i = 0; i < n; i++) {
		if (err[i])
			page_set(batch[i], PG_DIRTY); /* stays in the cache; tried again later */
		else if (swap_cache_release_unused(batch[i]))
			freed++;
		put_page(batch[i]);
	}
	return freed;
}

/* The end of p's turn, by verdict v: to be written, it joins the batch (PG_WRITEBACK from
 * now on: the clock passes it by), which goes out once full, taking p's reference; else
 * our reference is dropped. The frames freed. */
static uint64_t settle(struct page **batch, unsigned *nb, struct page *p, enum verdict v)
{
	if (v != WRITE) {
		put_page(p);
		return v == FREED;
	}
	batch[(*nb)++] = p;
	if (*nb < BATCH)
		return 0;
	*nb = 0;
	return write_batch(batch, BATCH);
}

uint64_t reclaim_pages(uint64_t nr)
{
	mutex_lock(&reclaim_mutex);
	uint64_t freed = 0;
	struct page *batch[BATCH];
	unsigned nb = 0;
	/* Two turns of the clock: the first may only clear accessed bits. */
	uint64_t budget = nr && (swap_available() || swap_cache_pages()) ? 2 * READ_ONCE(nr_lru) + BATCH : 0;
	bool no_slots = false;
	while (freed + nb < nr && budget--) {
		struct page *p = lru_next();
		if (!p)
			break;
		enum verdict v = shrink_page(p, no_slots, false);
		if (v == NO_SWAP) { /* swap is full: only pages with a slot can still go */
			no_slots = true;
			if (!swap_cache_pages())
				budget = 0;
		}
		freed += settle(batch, &nb, p, v);
	}
	if (nb)
		freed += write_batch(batch, nb);
	mutex_unlock(&reclaim_mutex);
	return freed;
}

/* The anonymous page mm maps at va, referenced, if mm alone maps it; else NULL. */
static struct page *own_anon_page(struct mm *mm, uint64_t va)
{
	struct pte_info pte;
	struct page *page = NULL;
	mutex_lock(&mm->lock);
	if (pgtable_lookup(&mm->pt, va, &pte) && !(pte.prot & MMU_SWAPPED)) {
		struct page *p = pfn_to_page(PFN_DOWN(pte.pa));
		if (page_test(p, PG_ANON) && !page_test(p, PG_KSM) && page_mapcount(p) == 1) {
			get_page(p);
			page = p;
		}
	}
	mutex_unlock(&mm->lock);
	return page;
}

uint64_t pageout_range(struct mm *mm, uint64_t start, uint64_t end)
{
	if (!swap_available())
		return 0;
	mutex_lock(&reclaim_mutex);
	uint64_t freed = 0;
	struct page *batch[BATCH];
	unsigned nb = 0;
	for (uint64_t va = start; va < end && !fatal_signal_pending(); va += PAGE_SIZE) {
		struct page *p = own_anon_page(mm, va);
		if (!p)
			continue;
		freed += settle(batch, &nb, p, shrink_page(p, false, true));
	}
	if (nb)
		freed += write_batch(batch, nb);
	mutex_unlock(&reclaim_mutex);
	return freed;
}
