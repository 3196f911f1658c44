/* Page faults: the policy for a user fault the arch decoded (mm_user_fault, called from
 * arch-x86_64/fault.c), and the resolution shared with the user-copy paths.
 *
 *   not present, private, read    -> the shared zero page, read-only (file VMAs: a copy of
 *                                    the file bytes, unless the page lies past the data)
 *   not present, private, write   -> a new zero-filled (or file-filled) exclusive page
 *   not present, shared anonymous -> the object's page for that offset (shmem.h)
 *   present read-only, write      -> shared VMA: write enabled; exclusive private page:
 *                                    write enabled in place (reuse); otherwise copy-on-write:
 *                                    a private copy replaces the PTE in one step and the old
 *                                    page loses this mapping (a KSM page is never reused:
 *                                    it is always copied, and counted in cow_ksm; a
 *                                    swap-cache page its only user writes leaves the
 *                                    cache and is reused)
 *   a page KSM guarded (MMU_KSM_GUARD: same_behaviour, mm/ksm.c), merged or not
 *                                 -> copy on access: a private copy replaces the PTE,
 *                                    whether the access reads or writes and whatever the
 *                                    page is (KSM page, zero page or the task's own), so
 *                                    that every case does the same work
 *   swap entry                    -> swap_in.c
 *   missing page in a userfaultfd MISSING range, or a write to a page with the WP mark
 *                                 -> reported to the userfaultfd, which resolves it
 *                                    (userfaultfd.h); the fault then runs again
 * Each decision is taken under mm->lock, and the page counters it reads cannot change
 * behind it: only an address space that maps a page can add mappings of it. */
#include "mm/mapping.h"
#include "mm/page_alloc.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "mm/shmem.h"
#include "mm/userfaultfd.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/vmstat.h"
#include "mm/swap.h"
#include "mm/page_copy.h"
#include "mm/ksm.h"

struct page *zero_page;

/* Fill p with the bytes of file-backed v at va (zeros past the file data). */
static void fill_from_file(struct page *p, const struct vma *v, uint64_t va)
{
	uint8_t *dst = page_address(p);
	uint64_t idx = va - v->start + v->file.offset, n = 0;
	if (idx < v->file.size) {
		n = MIN(PAGE_SIZE, v->file.size - idx);
		memcpy(dst, v->file.data + idx, n);
	}
	memset(dst + n, 0, PAGE_SIZE - n);
}

static int fault_absent(struct mm *mm, struct vma *v, uint64_t va, bool write)
{
	bool file = v->flags & VMA_FILE;
	struct page *p;
	if (v->shm) {
		p = shmem_page(v->shm, (va - v->start + v->shm_off) >> PAGE_SHIFT);
	} else if (!write && (!file || va - v->start + v->file.offset >= v->file.size)) {
		p = zero_page;
	} else {
		p = alloc_anon_page(!file);
		if (p && file)
			fill_from_file(p, v, va);
	}
	if (!p)
		return -ENOMEM;
	/* A new private page is exclusive and a shared one follows its VMA. */
	unsigned prot = vma_mmu_prot(v->flags) & (is_zero_page(p) ? ~MMU_WRITE : ~0u);
	int rc = install_new_page(mm, va, p, prot);
	BUG_ON(rc && rc != -ENOMEM); /* the PTE was absent under mm->lock */
	return rc;
}

/* break_cow(); guard: KSM's copy on access, whose work must not depend on which page va
 * mapped: the zero page's bytes are copied too rather than the copy zeroed, and the old
 * page's reference goes to ksmd to drop (the last one of a fake-merged page would free it
 * here, the one of a KSM page not). */
static int replace_with_copy(struct mm *mm, struct vma *v, uint64_t va, const struct pte_info *pte,
			     bool guard)
{
	struct page *old = pfn_to_page(PFN_DOWN(pte->pa));
	bool zero = is_zero_page(old) && !guard;
	unsigned prot = vma_mmu_prot(v->flags) | (pte->prot & MMU_UFFD_WP);
	struct page *copy = alloc_anon_page(zero);
	if (!copy)
		return -ENOMEM;
	if (!zero)
		copy_page(page_address(copy), page_address(old));
	struct rmap_block *rmap = rmap_block_alloc();
	if (!rmap) {
		put_page(copy);
		return -ENOMEM;
	}
	if (page_test(old, PG_KSM) && !guard) /* (a guard's copy counts the same either way) */
		count_vm_event(COW_KSM);
	struct pte_info was;
	BUG_ON(!pgtable_replace(&mm->pt, va, page_to_phys(copy), prot, &was));
	BUG_ON(was.pa != pte->pa);
	account_mapping(mm, va, copy, &rmap); /* a fresh page: it takes rmap */
	bool hand_over = guard && !is_zero_page(old);
	if (hand_over)
		get_page(old);
	release_mapping(mm, va, &was);
	if (hand_over)
		ksm_put_page_later(old);
	return 0;
}

int break_cow(struct mm *mm, struct vma *v, uint64_t va, const struct pte_info *pte)
{
	return replace_with_copy(mm, v, va, pte, false);
}

/* A write to va, mapped read-only by pte, in v, which allows writing. */
static int fault_write_protected(struct mm *mm, struct vma *v, uint64_t va,
				 const struct pte_info *pte)
{
	struct page *old = pfn_to_page(PFN_DOWN(pte->pa));
	if ((v->flags & VMA_SHARED) || page_exclusive(old) ||
	    (page_test(old, PG_SWAPCACHE) && swap_cache_reuse(old))) {
		BUG_ON(!pgtable_protect(&mm->pt, va, vma_mmu_prot(v->flags), NULL));
		return 0;
	}
	return break_cow(mm, v, va, pte);
}

int fault_locked(struct mm *mm, struct vma *v, uint64_t va, bool write)
{
	struct pte_info pte;
	uint64_t at = va;
	/* One walk tells a present page, a swap entry or nothing (a first touch then walks
	 * once more, to map). */
	if (!pgtable_next_entry(&mm->pt, &at, va + PAGE_SIZE, &pte)) {
		if (uffd_reports_missing(v, va))
			return FAULT_USERFAULT;
		return fault_absent(mm, v, va, write);
	}
	if (pte.prot & MMU_SWAPPED)
		return fault_swap(mm, v, va, pte.swap, write);
	if (pte.prot & MMU_KSM_GUARD) {
		count_vm_event(KSM_COPY_ON_ACCESS);
		return replace_with_copy(mm, v, va, &pte, true);
	}
	if (write && (pte.prot & MMU_UFFD_WP)) {
		BUG_ON(!(v->flags & VMA_UFFD_WP)); /* marks go with the registration */
		return FAULT_USERFAULT;
	}
	if (write && !(pte.prot & MMU_WRITE))
		return fault_write_protected(mm, v, va, &pte);
	/* Present and allowing the access: a spurious fault (a stale TLB entry elsewhere).
	 * A PTE whose user/exec bits disagree with its VMA would fault forever: repair it. */
	if ((pte.prot ^ vma_mmu_prot(v->flags)) & (MMU_USER | MMU_EXEC))
		pgtable_protect(&mm->pt, va, pte_prot_for(v->flags, pfn_to_page(PFN_DOWN(pte.pa))),
				NULL);
	return 0;
}

/* mm_handle_fault, for an access user code made (user) or a user copy of the kernel (the
 * userfaultfd sees the difference). */
static int handle_fault(struct mm *mm, uint64_t addr, bool write, bool exec, bool user)
{
	if (addr >= USER_END)
		return -EFAULT;
	count_vm_event(PGFAULT);
	int rc;
	do {
		mutex_lock(&mm->lock);
		struct vma *v = vma_find(&mm->vmas, addr);
		rc = v && vma_allows(v, write, exec) ? fault_locked(mm, v, addr & PAGE_MASK, write)
						     : -EFAULT;
		if (rc == FAULT_USERFAULT)
			rc = uffd_handle_fault(mm, addr, write, user) ?: FAULT_USERFAULT;
		else
			mutex_unlock(&mm->lock);
	} while (rc == FAULT_USERFAULT); /* the handler resolved it: try again */
	return rc;
}

int mm_handle_fault(struct mm *mm, uint64_t addr, bool write, bool exec)
{
	return handle_fault(mm, addr, write, exec, true);
}

/* Why a fault at addr could not be resolved, as si_code: no mapping there (SEGV_MAPERR),
 * or one that does not allow the access (SEGV_ACCERR). */
static int segv_code(struct mm *mm, uint64_t addr)
{
	if (!mm || addr >= USER_END)
		return SEGV_MAPERR;
	mutex_lock(&mm->lock);
	bool mapped = vma_find(&mm->vmas, addr) != NULL;
	mutex_unlock(&mm->lock);
	return mapped ? SEGV_ACCERR : SEGV_MAPERR;
}

/* Resolve current's fault at addr; when no frame is free, reclaim (or the OOM killer,
 * which may pick this task) frees some, and the fault tries again, as long as somebody
 * could make room (as Linux's page faults do). mm_handle_fault's result. */
static int resolve_current_fault(uint64_t addr, bool write, bool exec, bool user)
{
	struct task *t = current();
	int rc = t->mm ? handle_fault(t->mm, addr, write, exec, user) : -EFAULT;
	while (rc == -ENOMEM && !t->pending_kill && make_room_for_user_page())
		rc = handle_fault(t->mm, addr, write, exec, user);
	return rc;
}

int mm_uaccess_fault(uint64_t addr, bool write)
{
	return resolve_current_fault(addr, write, false, false);
}

void mm_user_fault(uint64_t addr, unsigned access, uint64_t ip)
{
	struct task *t = current();
	int rc = resolve_current_fault(addr, access & FAULT_WRITE, access & FAULT_EXEC, true);
	if ((rc == -ENOMEM || rc == -EINTR) && t->pending_kill)
		rc = 0; /* chosen itself, or killed waiting on a userfaultfd: it ends on the way
			 * back to user mode */
	if (rc == -ENOMEM)
		task_fault_kill(SIGSEGV, "page fault: out of memory", addr, ip);
	if (rc == -EIO)
		signal_fault(SIGBUS, BUS_ADRERR, "page fault: swap read error", addr, ip);
	else if (rc)
		signal_fault(SIGSEGV, segv_code(t->mm, addr), "page fault", addr, ip);
}

void addrspace_init(void)
{
	BUG_ON(zero_page);
	void *z = alloc_page_zeroed();
	if (!z)
		panic("mm: no memory for the zero page");
	zero_page = virt_to_page(z);
	zero_page->rmap = NULL;
	page_set(zero_page, PG_ZERO); /* its one reference is never dropped */
	rmap_init();
}
