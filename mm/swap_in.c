/* The fault side of swap: a PTE holding a swap entry gets its page back.
 *
 *   the entry's page is in the swap cache -> use it (waiting while another task reads it);
 *   it is not                            -> a new page, added to the cache, read from disk
 *                                           with its cluster's neighbours (readahead)
 * then
 *   read fault                           -> map the cache page read-only: it keeps its slot,
 *                                           so reclaiming it again costs no write (unless
 *                                           swap is more than half full: swap_full)
 *   write fault, sole user of the slot   -> take the page out of the cache, map it writable
 *   write fault, slot shared             -> map a private copy (a former KSM page's copies
 *                                           count in ksm_swpin_copy)
 * and the PTE's reference to the slot goes. A failed read leaves the PTE as it was and
 * returns -EIO: the caller kills the task (the data is gone for it, not for the kernel).
 * Everything runs under mm->lock, which the disk read sleeps with. */
#include "mm/mapping.h"
#include "mm/swap_internal.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "mm/vmstat.h"
#include "mm/page_copy.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "kernel/lock.h"

unsigned swap_page_cluster = 3;
_Static_assert((1 << SWAP_CLUSTER_MAX) <= SWAP_BATCH_MAX, "a cluster is read in one batch");

/* Read entry's slot into target (in the cache, PG_LOCKED), with the neighbouring slots of
 * its cluster that PTEs still want and that are not in memory, into new cache pages: all
 * in one batch. The neighbours stay in the cache, clean, for faults to come (or for
 * reclaim to drop at no cost). 0 or -EIO (for target; a failed neighbour is simply
 * dropped). */
static int read_cluster(uint64_t entry, struct page *target)
{
	struct page *pages[1 << SWAP_CLUSTER_MAX];
	int err[1 << SWAP_CLUSTER_MAX];
	unsigned n = 0;
	pages[n++] = target;
	uint64_t first, end;
	swap_cluster(entry, MIN(READ_ONCE(swap_page_cluster), SWAP_CLUSTER_MAX), &first, &end);
	for (uint64_t off = first; off < end; off++) {
		uint64_t e = swp_entry(swp_type(entry), off);
		if (e == entry)
			continue;
		struct page *p = alloc_anon_page(false);
		if (!p)
			break; /* memory is short: no readahead */
		page_set(p, PG_LOCKED);
		if (!swap_cache_add_readahead(p, e)) {
			page_clear(p, PG_LOCKED);
			put_page(p);
			continue;
		}
		pages[n++] = p;
	}
	swap_read_pages(pages, err, n);
	for (unsigned i = 0; i < n; i++) {
		if (err[i]) {
			printk("swap: read error on slot %lu of area %u\n", swp_offset(pages[i]->swap),
			       swp_type(entry));
			swap_cache_delete(pages[i]);
		}
		swap_page_unlocked(pages[i]);
		if (i)
			put_page(pages[i]); /* the cache keeps it */
	}
	return err[0];
}

/* entry's page, from the cache or the disk, with a reference and valid contents; NULL
 * with *err -ENOMEM or -EIO. */
static struct page *get_swap_page(uint64_t entry, int *err)
{
	for (;;) {
		struct page *p = swap_cache_lookup(entry);
		if (p) {
			swap_wait_page(p, PG_LOCKED);
			if (page_test(p, PG_SWAPCACHE) && p->swap == entry)
				return p;
			put_page(p); /* its read failed and it left the cache: read it ourselves */
			continue;
		}
		if (!(p = alloc_anon_page(false))) {
			*err = -ENOMEM;
			return NULL;
		}
		page_set(p, PG_LOCKED);
		if (!swap_cache_add(p, entry)) { /* another task got there first */
			page_clear(p, PG_LOCKED);
			put_page(p);
			continue;
		}
		count_vm_event(PGMAJFAULT);
		if (!read_cluster(entry, p))
			return p;
		put_page(p);
		*err = -EIO;
		return NULL;
	}
}

int fault_swap(struct mm *mm, struct vma *v, uint64_t va, uint64_t entry, bool write)
{
	int err;
	struct page *p = get_swap_page(entry, &err);
	if (!p)
		return err;
	struct rmap_block *rmap = rmap_block_alloc();
	if (!rmap) {
		put_page(p);
		return -ENOMEM;
	}
	unsigned prot = vma_mmu_prot(v->flags);
	struct page *map = p;
	if (!write) {
		prot &= ~MMU_WRITE; /* a write faults again: reuse or copy then */
	} else if (!swap_cache_reuse(p)) {
		if (!(map = alloc_anon_page(false))) {
			rmap_block_free(rmap);
			put_page(p);
			return -ENOMEM;
		}
		copy_page(page_address(map), page_address(p));
		if (swap_was_ksm(entry))
			count_vm_event(KSM_SWPIN_COPY);
		put_page(p);
	}
	BUG_ON(!pgtable_swap_in(&mm->pt, va, entry, page_to_phys(map), prot));
	account_mapping(mm, va, map, &rmap); /* our reference becomes the mapping's */
	rmap_block_free(rmap); /* unused if map is the cached page: it kept its last block */
	__atomic_sub_fetch(&mm->swap_ents, 1, __ATOMIC_RELAXED);
	swap_free(entry);
	/* Swap is getting full: a page back in memory keeps no slot (when it is the slot's
	 * last user), else a full swap would hold only copies of resident pages, and reclaim
	 * could free nothing but the pages their tasks are faulting in (a livelock, not OOM). */
	if (map == p && swap_full())
		swap_cache_reuse(p);
	return 0;
}

/* Bring in every page of area `type` mapped in v (read faults). Under mm->lock. */
static int unuse_vma(struct mm *mm, struct vma *v, unsigned type)
{
	assert_held(&mm->lock);
	struct pte_info pte;
	for (uint64_t va = v->start; pgtable_next_entry(&mm->pt, &va, v->end, &pte); va += PAGE_SIZE) {
		if (!(pte.prot & MMU_SWAPPED) || swp_type(pte.swap) != type)
			continue;
		int rc = fault_swap(mm, v, va, pte.swap, false);
		if (rc)
			return rc;
	}
	return 0;
}

int swap_unuse_mm(struct mm *mm, unsigned type)
{
	int rc = 0;
	for (int tries = 0; tries < 4; tries++) {
		mutex_lock(&mm->lock);
		struct vma *v;
		vma_for_each(v, &mm->vmas)
			if ((rc = unuse_vma(mm, v, type)))
				break;
		mutex_unlock(&mm->lock);
		/* Out of frames: other areas may take some pages (never this one: it is closing). */
		if (rc != -ENOMEM || !reclaim_pages(64))
			break;
	}
	return rc;
}
