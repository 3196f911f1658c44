/* Address-space life cycle (create, share, fork, activate, destroy) and the figures /proc
 * shows (statistics, the VMA list, pagemap entries). */
#include "mm/mapping.h"
#include "mm/kmalloc.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/ksm.h"
#include "mm/swap.h"
#include "mm/oom.h"
#include "kernel/lock.h"

#define PM_PFN_MASK    ((1UL << 55) - 1)
#define PM_SWAP_TYPE_BITS 5	/* swapped: the type in bits 0-4, the offset above it */
#define PM_EXCLUSIVE   (1UL << 56)
#define PM_UFFD_WP     (1UL << 57)	/* the userfaultfd write-protect mark */
#define PM_FILE_SHARED (1UL << 61)
#define PM_SWAP        (1UL << 62)
#define PM_PRESENT     (1UL << 63)

/* Every address space, for those who must visit them all (swapoff). */
static spinlock_t mm_list_lock = SPINLOCK_INIT("mm_list");
static struct list_head mm_list = LIST_HEAD_INIT(mm_list);	/* [mm_list_lock] */

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	if (pgtable_create(&mm->pt)) {
		kfree(mm);
		return NULL;
	}
	mutex_init(&mm->lock, "mm");
	vma_set_init(&mm->vmas, READ_ONCE(vm_max_map_count));
	mm->users = 1;
	mm->count = 1;
	mm->stack_top = STACK_TOP;
	uint64_t f = spin_lock_irqsave(&mm_list_lock);
	list_add_tail(&mm->mm_node, &mm_list);
	spin_unlock_irqrestore(&mm_list_lock, f);
	return mm;
}

/* The first mm after pos on the list (pos NULL: the first) that can still be referenced,
 * with a reference. pos must be referenced by the caller (so it is still on the list). */
static struct mm *next_live_mm(struct mm *pos)
{
	struct mm *found = NULL;
	uint64_t f = spin_lock_irqsave(&mm_list_lock);
	for (struct list_head *n = pos ? pos->mm_node.next : mm_list.next; n != &mm_list && !found;
	     n = n->next) {
		struct mm *mm = list_entry(n, struct mm, mm_node);
		if (mm_tryget(mm))
			found = mm;
	}
	spin_unlock_irqrestore(&mm_list_lock, f);
	return found;
}

int mm_for_each(int (*fn)(struct mm *mm, void *ctx), void *ctx)
{
	int rc = 0;
	struct mm *mm = next_live_mm(NULL);
	while (mm) {
		rc = fn(mm, ctx);
		struct mm *next = rc ? NULL : next_live_mm(mm);
		mm_put(mm);
		mm = next;
	}
	return rc;
}

unsigned vm_max_map_count = MAX_MAP_COUNT;

void mm_get(struct mm *mm)
{
	__atomic_add_fetch(&mm->users, 1, __ATOMIC_RELAXED);
}

bool mm_tryget(struct mm *mm)
{
	int users = __atomic_load_n(&mm->users, __ATOMIC_RELAXED);
	while (users)
		if (__atomic_compare_exchange_n(&mm->users, &users, users + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

void mm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->users, 1, __ATOMIC_ACQ_REL))
		return;
	ksm_exit(mm); /* first: ksmd may look at mm until this returns */
	/* Taken although nobody else can reach mm: reverse-map walkers rely on every PTE
	 * change happening under it. */
	mutex_lock(&mm->lock);
	struct vma *v;
	vma_for_each(v, &mm->vmas)
		zap_range(mm, v->start, v->end);
	vma_free_all(&mm->vmas);
	BUG_ON(mm->rss_anon || mm->rss_file || mm->rss_shmem || mm->swap_ents);
	mutex_unlock(&mm->lock);
	uint64_t f = spin_lock_irqsave(&mm_list_lock);
	list_del(&mm->mm_node);
	spin_unlock_irqrestore(&mm_list_lock, f);
	pgtable_destroy(&mm->pt, NULL, NULL); /* a page still mapped outside any VMA is a bug */
	oom_mm_torn_down(mm);
	mm_drop(mm);
}

void mm_grab(struct mm *mm)
{
	__atomic_add_fetch(&mm->count, 1, __ATOMIC_RELAXED);
}

void mm_drop(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->count, 1, __ATOMIC_ACQ_REL))
		return;
	BUG_ON(READ_ONCE(mm->users));
	kfree(mm);
}

void mm_activate(struct mm *mm)
{
	pgtable_activate(mm ? &mm->pt : &kernel_pgtable);
}

/* Give child the swap entry parent holds at va: the slot gains a reference. */
static int fork_swap_entry(struct mm *child, uint64_t va, uint64_t entry)
{
	int rc = pgtable_set_swap(&child->pt, va, entry);
	if (rc)
		return rc;
	swap_dup(entry);
	__atomic_add_fetch(&child->swap_ents, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Give child the page (or swap entry) parent maps at va, as pte says parent now maps it
 * (write-protected if private), with prot limited to mask. *spare: a reverse-map block kept
 * across calls, allocated here when missing (most pages' blocks have room for the child). */
static int fork_entry(struct mm *child, uint64_t va, const struct pte_info *pte, unsigned mask,
		      struct rmap_block **spare)
{
	if (pte->prot & MMU_SWAPPED)
		return fork_swap_entry(child, va, pte->swap);
	struct page *p = pfn_to_page(PFN_DOWN(pte->pa));
	if (is_zero_page(p))
		return install_page(child, va, p, pte->prot & mask, NULL);
	if (!*spare && !(*spare = rmap_block_alloc()))
		return -ENOMEM;
	get_page(p);
	int rc = install_page(child, va, p, pte->prot & mask, spare);
	if (rc)
		put_page(p);
	return rc;
}

/* Share the present pages of parent's VMA v with child: private ones copy-on-write
 * (write-protected in both), shared ones as they are; swap entries are shared too. Under
 * both mms' locks. */
static int fork_range(struct mm *parent, struct mm *child, const struct vma *v)
{
	assert_held(&parent->lock);
	assert_held(&child->lock);
	const unsigned mask = MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_KSM_GUARD;
	const enum pgtable_batch_op op = v->flags & VMA_SHARED ? PGTABLE_KEEP : PGTABLE_WRPROTECT;
	struct pte_entry batch[MAPPING_BATCH];
	uint64_t next = v->start;
	struct rmap_block *spare = NULL;
	int rc = 0;
	unsigned n;
	while (!rc && (n = pgtable_next_batch(&parent->pt, &next, v->end, op, batch, MAPPING_BATCH))) {
		/* On an error the rest of the batch stays write-protected: harmless. */
		for (unsigned i = 0; i < n && !rc; i++)
			rc = fork_entry(child, batch[i].va, &batch[i].pte, mask, &spare);
	}
	rmap_block_free(spare);
	return rc;
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_create();
	if (!child)
		return NULL;
	mutex_lock(&parent->lock);
	mutex_lock(&child->lock); /* nobody else knows child: cannot deadlock */
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->stack_top = parent->stack_top;
	child->merge_any = parent->merge_any;
	child->ksm_domain = parent->ksm_domain;
	memcpy(child->exe, parent->exe, sizeof(child->exe));
	child->arg_start = parent->arg_start;
	child->arg_end = parent->arg_end;
	int rc = vma_copy_all(&child->vmas, &parent->vmas);
	struct vma *v;
	if (!rc) {
		vma_for_each(v, &parent->vmas)
			if ((rc = fork_range(parent, child, v)))
				break;
	}
	child->vm_peak = child->vmas.bytes; /* as Linux: the child's high-water mark starts here */
	if (!rc)
		rc = ksm_fork(child, parent);
	mutex_unlock(&child->lock);
	mutex_unlock(&parent->lock);
	if (rc) {
		mm_put(child); /* unmaps what was shared so far: nothing leaks */
		return NULL;
	}
	return child;
}

void mm_get_stats(struct mm *mm, struct mm_stats *st)
{
	memset(st, 0, sizeof(*st));
	mutex_lock(&mm->lock);
	mm_note_size(mm);
	const struct vma *v;
	vma_for_each(v, &mm->vmas) {
		uint64_t kb = (v->end - v->start) >> 10;
		if ((v->flags & (VMA_WRITE | VMA_SHARED | VMA_STACK)) == VMA_WRITE)
			st->data_kb += kb;
		if (v->flags & VMA_STACK)
			st->stack_kb += kb;
		if ((v->flags & (VMA_EXEC | VMA_WRITE | VMA_STACK)) == VMA_EXEC)
			st->exec_kb += kb;
	}
	st->vm_size_kb = mm->vmas.bytes >> 10;
	st->vm_peak_kb = mm->vm_peak >> 10;
	st->rss_anon_kb = __atomic_load_n(&mm->rss_anon, __ATOMIC_RELAXED) * (PAGE_SIZE >> 10);
	st->rss_file_kb = __atomic_load_n(&mm->rss_file, __ATOMIC_RELAXED) * (PAGE_SIZE >> 10);
	st->rss_shmem_kb = __atomic_load_n(&mm->rss_shmem, __ATOMIC_RELAXED) * (PAGE_SIZE >> 10);
	st->rss_kb = st->rss_anon_kb + st->rss_file_kb + st->rss_shmem_kb;
	st->swap_kb = __atomic_load_n(&mm->swap_ents, __ATOMIC_RELAXED) * (PAGE_SIZE >> 10);
	st->pte_kb = pgtable_tables(&mm->pt) * (PAGE_SIZE >> 10);
	st->vma_kb = mm->vmas.count * sizeof(struct vma) >> 10;
	mutex_unlock(&mm->lock);
}

void mm_for_each_vma(struct mm *mm, void (*fn)(const struct vma *v, void *ctx), void *ctx)
{
	mutex_lock(&mm->lock);
	const struct vma *v;
	vma_for_each(v, &mm->vmas)
		fn(v, ctx);
	mutex_unlock(&mm->lock);
}

uint64_t mm_pagemap_entry(struct mm *mm, uint64_t va)
{
	if (va >= USER_END)
		return 0;
	uint64_t entry = 0;
	struct pte_info pte;
	mutex_lock(&mm->lock);
	if (pgtable_lookup(&mm->pt, va & PAGE_MASK, &pte)) {
		struct page *p = pfn_to_page(PFN_DOWN(pte.pa));
		entry = (PFN_DOWN(pte.pa) & PM_PFN_MASK) | PM_PRESENT;
		if (!is_zero_page(p) && page_mapcount(p) == 1)
			entry |= PM_EXCLUSIVE;
		if (page_test(p, PG_SHMEM))
			entry |= PM_FILE_SHARED;
		if (pte.prot & MMU_UFFD_WP)
			entry |= PM_UFFD_WP;
	} else if (pgtable_swap_entry(&mm->pt, va & PAGE_MASK, &entry)) {
		entry = ((swp_offset(entry) << PM_SWAP_TYPE_BITS | swp_type(entry)) & PM_PFN_MASK) |
			PM_SWAP | (swap_count(entry) == 1 ? PM_EXCLUSIVE : 0);
	}
	mutex_unlock(&mm->lock);
	return entry;
}
