/* Per-VMA memory figures for /proc/PID/smaps and smaps_rollup, Linux's definitions: a page
 * mapped more than once is shared, and its proportional share (Pss) is its size divided by
 * its mapcount; dirty is the PTE's dirty bit, and every KSM page (written before it was
 * merged, never written since) counts as dirty as Linux marks it. A swapped-out page
 * counts in Swap, and in SwapPss divided by the PTEs that share its slot. */
#include "mm/smaps.h"
#include "mm/mapping.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "lib/string.h"
#include "mm/swap.h"

static void account_page(struct mem_size_stats *st, const struct page *p, unsigned prot)
{
	uint64_t size = PAGE_SIZE;
	int32_t mapcount = page_mapcount(p);
	bool dirty = (prot & MMU_DIRTY) || page_test(p, PG_KSM | PG_DIRTY);
	uint64_t pss = mapcount > 1 ? (size << PSS_SHIFT) / mapcount : size << PSS_SHIFT;
	st->resident += size;
	if (page_test(p, PG_ANON))
		st->anonymous += size;
	if (page_test(p, PG_KSM))
		st->ksm += size;
	if (prot & MMU_ACCESSED)
		st->referenced += size;
	if (mapcount > 1) {
		if (dirty)
			st->shared_dirty += size;
		else
			st->shared_clean += size;
	} else if (dirty) {
		st->private_dirty += size;
	} else {
		st->private_clean += size;
	}
	st->pss += pss;
	if (dirty)
		st->pss_dirty += pss;
	if (page_test(p, PG_SHMEM))
		st->pss_shmem += pss;
	else
		st->pss_anon += pss;
}

void mm_smaps(struct mm *mm, void (*fn)(const struct vma *v, const struct mem_size_stats *st,
					void *ctx), void *ctx)
{
	mutex_lock(&mm->lock);
	const struct vma *v;
	vma_for_each(v, &mm->vmas) {
		struct mem_size_stats st;
		memset(&st, 0, sizeof(st));
		struct pte_info pte;
		for (uint64_t va = v->start; pgtable_next_entry(&mm->pt, &va, v->end, &pte); va += PAGE_SIZE) {
			if (pte.prot & MMU_SWAPPED) {
				uint32_t n = swap_count(pte.swap);
				st.swap += PAGE_SIZE;
				st.swap_pss += (PAGE_SIZE << PSS_SHIFT) / (n ? n : 1);
				if (n <= 1)
					st.swap_private += PAGE_SIZE;
				continue;
			}
			struct page *p = pfn_to_page(PFN_DOWN(pte.pa));
			if (!is_zero_page(p))
				account_page(&st, p, pte.prot);
		}
		fn(v, &st, ctx);
	}
	mutex_unlock(&mm->lock);
}

static void add_exclusive(const struct vma *v, const struct mem_size_stats *st, void *ctx)
{
	*(uint64_t *)ctx += (st->private_clean + st->private_dirty + st->swap_private) / PAGE_SIZE;
}

uint64_t mm_exclusive_pages(struct mm *mm)
{
	uint64_t pages = 0;
	mm_smaps(mm, add_exclusive, &pages);
	return pages;
}
