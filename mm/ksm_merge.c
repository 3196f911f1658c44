/* KSM's page-table side: finding a candidate page, write-protecting it, checking that
 * nobody but its mappings holds it, and pointing its PTE at a KSM page or the zero page;
 * and the way back, unsharing. Every change happens under the address space's lock and
 * goes through mm's mapping API (mapping.h), so reverse maps, rss and references stay
 * exact. Called by ksm.c and ksm_tree.c with ksm_lock held.
 *
 * Why the order write-protect, check, compare, replace is safe: once the PTE is read-only
 * and the TLB flushed on every CPU that has the address space loaded (pgtable_protect
 * returns only after the shootdown, tlb.h: as Linux's write_protect_page flushes before
 * it compares), a write from the task, on any CPU, faults, and the fault needs mm->lock, which
 * we hold; other address spaces can only write the page if they map it writable, which a
 * page mapped twice never is; and the kernel writes user pages only under the owning
 * mm->lock. The reference check rules out anyone else holding the frame for later use. So
 * the content compared is the content that will be shared. */
#include "mm/ksm_internal.h"
#include "mm/mapping.h"
#include "mm/page_ref.h"
#include "mm/page_cmp.h"
#include "mm/page_copy.h"
#include "mm/rmap.h"
#include "kernel/trace.h"
#include "mm/vmstat.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

static uint64_t item_va(const struct ksm_rmap_item *item) { return item->address & PAGE_MASK; }

/* The protection of a merged page (or, with same_behaviour, a candidate) in v: read-only,
 * and with same_behaviour guarded too, so that the first access of any kind copies it
 * (mm/fault.c). */
static unsigned merged_prot(const struct vma *v)
{
	unsigned prot = vma_mmu_prot(v->flags) & ~MMU_WRITE;
	return READ_ONCE(ksm_knobs.same_behaviour) ? prot | MMU_KSM_GUARD : prot;
}

/* The VMA at addr if ksmd may merge there. Under mm->lock. */
static struct vma *find_mergeable_vma(struct mm *mm, uint64_t addr)
{
	assert_held(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, addr);
	return v && (v->flags & VMA_MERGEABLE) ? v : NULL;
}

struct page *ksm_get_mergeable_page(struct ksm_rmap_item *item)
{
	struct mm *mm = item->slot->mm;
	uint64_t va = item_va(item);
	struct page *page = NULL;
	struct pte_info pte;
	mutex_lock(&mm->lock);
	if (find_mergeable_vma(mm, va) && pgtable_lookup(&mm->pt, va, &pte)) {
		struct page *p = pfn_to_page(PFN_DOWN(pte.pa));
		if (page_test(p, PG_ANON)) {
			get_page(p);
			page = p;
		}
	}
	mutex_unlock(&mm->lock);
	return page;
}

/* A merge of page (mapped at va of mm) that did not happen, and why. */
static void merge_failed(struct mm *mm, uint64_t va, struct page *page, const char *why)
{
	trace_event(ksm_merge_failed, page_to_pfn(page), va, mm, why);
}

/* Make va's PTE read-only if it maps page, and check that only its mappings and our one
 * reference hold the page. 0, -EFAULT (va maps something else now) or -EBUSY. Under
 * mm->lock; *pte gets the entry as it is afterwards, its dirty bit as the write-protect
 * found it (a write just before it counts). */
static int write_protect_page(struct mm *mm, uint64_t va, struct page *page, struct pte_info *pte)
{
	assert_held(&mm->lock);
	if (!pgtable_lookup(&mm->pt, va, pte) || pte->pa != page_to_phys(page)) {
		merge_failed(mm, va, page, "the address maps another page now");
		return -EFAULT;
	}
	bool was_writable = pte->prot & MMU_WRITE;
	if (was_writable) {
		struct pte_info was;
		BUG_ON(!pgtable_protect(&mm->pt, va, pte->prot & ~(MMU_WRITE | MMU_ACCESSED | MMU_DIRTY),
					&was));
		pte->prot = was.prot & ~MMU_WRITE; /* the accessed and dirty bits are kept */
	}
	/* Its mappings, our reference, and the swap cache's if it is there. */
	int32_t expected = page_mapcount(page) + 1 + (page_test(page, PG_SWAPCACHE) ? 1 : 0);
	if (page_refcount(page) != expected) {
		if (was_writable) /* somebody holds it (an exit in flight, a copy): leave it be */
			pgtable_protect(&mm->pt, va, (pte->prot | MMU_WRITE) & ~(MMU_ACCESSED | MMU_DIRTY), NULL);
		merge_failed(mm, va, page, "extra reference");
		return -EBUSY;
	}
	return 0;
}

/* A reverse-map block kept from one merge to the next of a batch: a KSM page's last block
 * has room for two merges in three. [ksm_lock] */
static struct rmap_block *spare;

void ksm_merge_batch_done(void)
{
	assert_held(&ksm_lock);
	rmap_block_free(spare);
	spare = NULL;
}

/* Point va (mapping page, write-protected, in v; pte: its entry as write_protect_page left
 * it) at kpage, read-only: a KSM page (which gains a reference and a reverse-map slot) or
 * the zero page (marked for ksm_zero_pages). page loses this mapping; a userfaultfd
 * write-protect mark stays. 0 or -ENOMEM. Under mm->lock. */
static int replace_page(struct mm *mm, struct vma *v, uint64_t va, const struct pte_info *pte,
			struct page *kpage)
{
	assert_held(&ksm_lock);
	assert_held(&mm->lock);
	unsigned prot = merged_prot(v) | (pte->prot & MMU_UFFD_WP);
	if (is_zero_page(kpage)) {
		prot |= MMU_KSM_ZERO;
	} else {
		if (!spare && !(spare = rmap_block_alloc()))
			return -ENOMEM;
		get_page(kpage);
	}
	struct pte_info was;
	BUG_ON(!pgtable_replace(&mm->pt, va, page_to_phys(kpage), prot, &was));
	account_mapping(mm, va, kpage, &spare);
	release_mapping(mm, va, &was);
	if (is_zero_page(kpage)) {
		ksm_zero_pages_add(1);
		__atomic_add_fetch(&mm->ksm_zero_pages, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

/* Linux's try_to_merge_one_page: merge page (mapped at va in v) into kpage; with kpage
 * NULL, make page itself a KSM page. Under mm->lock. */
static int merge_one_page(struct mm *mm, struct vma *v, uint64_t va, struct page *page,
			  struct page *kpage, uint64_t cleaned_at)
{
	assert_held(&mm->lock);
	if (page == kpage) /* a KSM page inherited through fork */
		return 0;
	if (!page_test(page, PG_ANON))
		return -EFAULT;
	struct pte_info pte;
	int err = write_protect_page(mm, va, page, &pte);
	if (err)
		return err;
	if (!kpage) {
		/* From here on no write reuses it in place (page_exclusive), and the stable tree
		 * gives it a node. */
		page->private = 0;
		page_set(page, PG_KSM);
		return 0;
	}
	/* Compared equal once already; a second comparison, now that no write can change the
	 * page, is needed only if something may have written it since it was cleaned. */
	bool unchanged = cleaned_at == mm->kernel_writes && !(pte.prot & MMU_DIRTY);
	if (!unchanged && page_compare(page_address(page), page_address(kpage))) {
		merge_failed(mm, va, page, "content changed");
		return -EFAULT; /* changed since it was compared: left write-protected, harmless */
	}
	err = replace_page(mm, v, va, &pte, kpage);
	if (err)
		merge_failed(mm, va, page, "allocation");
	return err;
}

int ksm_merge_with_ksm_page(struct ksm_rmap_item *item, struct page *page, struct page *kpage,
			    uint64_t cleaned_at)
{
	struct mm *mm = item->slot->mm;
	uint64_t va = item_va(item);
	int err = -EFAULT;
	mutex_lock(&mm->lock);
	struct vma *v = find_mergeable_vma(mm, va);
	if (v)
		err = merge_one_page(mm, v, va, page, kpage, cleaned_at);
	if (!err)
		remove_rmap_item_from_tree(item);
	mutex_unlock(&mm->lock);
	trace_event(ksm_merge_with_ksm_page, kpage, page_to_pfn(kpage ? kpage : page), item, mm, err);
	return err;
}

int ksm_merge_with_zero_page(struct ksm_rmap_item *item, struct page *page)
{
	struct mm *mm = item->slot->mm;
	uint64_t va = item_va(item);
	int err = 0; /* a VMA that is no longer mergeable: nothing more to do here */
	struct pte_info pte;
	mutex_lock(&mm->lock);
	struct vma *v = find_mergeable_vma(mm, va);
	if (v) {
		err = write_protect_page(mm, va, page, &pte);
		if (!err && !page_is_zero(page_address(page))) {
			merge_failed(mm, va, page, "content changed");
			err = -EFAULT;
		}
		if (!err)
			err = replace_page(mm, v, va, &pte, zero_page);
	}
	mutex_unlock(&mm->lock);
	trace_event(ksm_merge_one_page, page_to_pfn(zero_page), item, mm, err);
	return err;
}

/* Unshare the page at va if KSM merged it: a KSM page gets a private copy, a KSM zero-page
 * mapping a private zeroed page of its own (as Linux's unshare fault does; release_mapping
 * takes it out of ksm_zero_pages). Under mm->lock. */
static int unshare(struct mm *mm, struct vma *v, uint64_t va, const struct pte_info *pte)
{
	assert_held(&mm->lock);
	struct page *p = pfn_to_page(PFN_DOWN(pte->pa));
	bool ksm_zero = is_zero_page(p) && (pte->prot & MMU_KSM_ZERO);
	if (ksm_zero || page_test(p, PG_KSM))
		return break_cow(mm, v, va, pte);
	if (pte->prot & MMU_KSM_GUARD) { /* a fake merge: lift the guard, where the page is */
		struct pte_info was;
		BUG_ON(!pgtable_replace(&mm->pt, va, pte->pa, pte_prot_for(v->flags, p), &was));
		if (was.prot & MMU_DIRTY)
			page_set(p, PG_DIRTY);
	}
	return 0;
}

/* A new anonymous page in a frame drawn at random, holding a copy of page's bytes, with one
 * reference for the caller; NULL when out of memory. */
static struct page *random_copy(struct page *page)
{
	struct page *copy = alloc_anon_page_random();
	if (copy)
		copy_page(page_address(copy), page_address(page));
	return copy;
}

void ksm_guard_page(struct ksm_rmap_item *item, struct page *page)
{
	struct mm *mm = item->slot->mm;
	uint64_t va = item_va(item);
	struct pte_info pte;
	mutex_lock(&mm->lock);
	struct vma *v = find_mergeable_vma(mm, va);
	if (!v || !pgtable_lookup(&mm->pt, va, &pte) || (pte.prot & MMU_KSM_GUARD) ||
	    write_protect_page(mm, va, page, &pte))
		goto out;
	/* Moved to a random frame, as a merged page's KSM page is: the first access then
	 * copies from a frame placed alike. */
	struct page *copy = random_copy(page);
	if (copy) {
		int err = replace_page(mm, v, va, &pte, copy);
		put_page(copy); /* the allocation's reference: a mapping holds its own */
		if (!err)
			goto out;
	}
	pgtable_protect(&mm->pt, va, merged_prot(v), NULL); /* no memory: guarded where it is */
out:
	mutex_unlock(&mm->lock);
}

struct page *ksm_alloc_random_page(struct page *page)
{
	struct page *kpage = random_copy(page);
	if (kpage)
		page_set(kpage, PG_KSM);
	return kpage;
}

void ksm_break_cow(struct ksm_rmap_item *item)
{
	struct mm *mm = item->slot->mm;
	uint64_t va = item_va(item);
	struct pte_info pte;
	mutex_lock(&mm->lock);
	struct vma *v = find_mergeable_vma(mm, va);
	if (v && pgtable_lookup(&mm->pt, va, &pte))
		unshare(mm, v, va, &pte); /* out of memory: it stays merged, ksmd finds it again */
	mutex_unlock(&mm->lock);
}

int ksm_unmerge_range(struct mm *mm, struct vma *v, uint64_t start, uint64_t end)
{
	assert_held(&mm->lock);
	struct pte_info pte;
	for (uint64_t va = start; pgtable_next(&mm->pt, &va, end, &pte); va += PAGE_SIZE) {
		int rc = unshare(mm, v, va, &pte);
		if (rc)
			return rc;
	}
	return 0;
}

void ksm_zero_page_unmapped(struct mm *mm)
{
	ksm_zero_pages_add(-1);
	__atomic_sub_fetch(&mm->ksm_zero_pages, 1, __ATOMIC_RELAXED);
}
