/* Mapping and unmapping user pages with exact bookkeeping (see mapping.h). The invariant
 * kept here: for a PG_ANON or PG_SHMEM page, refcount = mapcount (+1 held by a shared
 * object) + transient holders, mapcount = the reverse-map length, and each mapping is
 * counted once in its address space's rss_anon or rss_shmem. */
#include "mm/mapping.h"
#include "mm/page_alloc.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "mm/ksm.h"
#include "mm/swap.h"
#include "mm/page_copy.h"

unsigned vma_mmu_prot(uint32_t vflags)
{
	if (!(vflags & VMA_PROT_MASK))
		return MMU_READ; /* PROT_NONE: present for the kernel's bookkeeping only */
	unsigned prot = MMU_READ | MMU_USER;
	if (vflags & VMA_WRITE)
		prot |= MMU_WRITE;
	if (vflags & VMA_EXEC)
		prot |= MMU_EXEC;
	return prot;
}

bool vma_allows(const struct vma *v, bool write, bool exec)
{
	if (write)
		return v->flags & VMA_WRITE;
	if (exec)
		return v->flags & VMA_EXEC;
	return v->flags & VMA_PROT_MASK;
}

bool page_exclusive(const struct page *p)
{
	return page_test(p, PG_ANON) && !page_test(p, PG_KSM) && page_mapcount(p) == 1 &&
	       page_refcount(p) == 1;
}

unsigned pte_prot_for(uint32_t vflags, const struct page *p)
{
	unsigned prot = vma_mmu_prot(vflags);
	if ((prot & MMU_WRITE) && !(vflags & VMA_SHARED) && !page_exclusive(p))
		prot &= ~MMU_WRITE;
	if (is_zero_page(p))
		prot &= ~MMU_WRITE;
	return prot;
}

static uint64_t *rss_counter(struct mm *mm, const struct page *p)
{
	return page_test(p, PG_SHMEM) ? &mm->rss_shmem : &mm->rss_anon;
}

void account_mapping(struct mm *mm, uint64_t va, struct page *p, struct rmap_block **rmap)
{
	if (is_zero_page(p))
		return;
	rmap_add(p, mm, va, rmap);
	__atomic_add_fetch(rss_counter(mm, p), 1, __ATOMIC_RELAXED);
}

int install_page(struct mm *mm, uint64_t va, struct page *p, unsigned prot,
		 struct rmap_block **rmap)
{
	BUG_ON(!is_zero_page(p) && !*rmap);
	int rc = pgtable_map(&mm->pt, va, page_to_phys(p), prot);
	if (!rc)
		account_mapping(mm, va, p, rmap);
	return rc;
}

int install_new_page(struct mm *mm, uint64_t va, struct page *p, unsigned prot)
{
	struct rmap_block *rmap = NULL;
	int rc = -ENOMEM;
	if (is_zero_page(p) || (rmap = rmap_block_alloc()))
		rc = install_page(mm, va, p, prot, &rmap);
	rmap_block_free(rmap); /* NULL if the page took it */
	if (rc && !is_zero_page(p))
		put_page(p);
	return rc;
}

void release_mapping(struct mm *mm, uint64_t va, const struct pte_info *old)
{
	struct page *p = pfn_to_page(PFN_DOWN(old->pa));
	if (is_zero_page(p)) {
		if (old->prot & MMU_KSM_ZERO)
			ksm_zero_page_unmapped(mm);
		return;
	}
	BUG_ON(!page_test(p, PG_ANON | PG_SHMEM));
	rmap_remove(p, mm, va);
	__atomic_sub_fetch(rss_counter(mm, p), 1, __ATOMIC_RELAXED);
	put_page(p); /* (an orphaned swap-cache page goes with it: put_page) */
}

void zap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct pte_entry batch[MAPPING_BATCH];
	uint64_t va = start;
	unsigned n;
	while ((n = pgtable_next_batch(&mm->pt, &va, end, PGTABLE_CLEAR, batch, MAPPING_BATCH))) {
		for (unsigned i = 0; i < n; i++) {
			if (batch[i].pte.prot & MMU_SWAPPED) {
				__atomic_sub_fetch(&mm->swap_ents, 1, __ATOMIC_RELAXED);
				swap_free(batch[i].pte.swap);
			} else {
				release_mapping(mm, batch[i].va, &batch[i].pte);
			}
		}
	}
}

/* Make frame p (NULL: none) a new anonymous page, as alloc_anon_page() describes. */
static struct page *make_anon_page(struct page *p)
{
	if (!p)
		return NULL;
	p->rmap = NULL; /* the unions may hold a former slab owner's pointers */
	p->swap = 0;
	p->private = 0;
	page_set(p, PG_ANON);
	lru_add(p);
	return p;
}

struct page *alloc_anon_page(bool zero)
{
	struct page *p = user_alloc_allowed() ? alloc_page() : NULL;
	if (p && zero)
		clear_page(page_address(p));
	return make_anon_page(p);
}

struct page *alloc_anon_page_random(void)
{
	return make_anon_page(user_alloc_allowed() ? alloc_page_random() : NULL);
}
