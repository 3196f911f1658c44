/* Forced access to another address space (/proc/PID/mem): the page walk of the user copies
 * (walk_user) with its own rule for each page. The VMA's protection is ignored, except
 * that a shared mapping must be writable to be written (as Linux). A page is written in
 * place only where a write by its owner would be: a PTE that allows writing, or a private
 * page this mapping holds alone; anything else goes through the write fault of fault.c,
 * which makes it so (copy-on-write break, swap-cache reuse) while keeping the VMA's
 * protection in the PTE. Reads take any present page, faulting absent ones in as reads. */
#include "mm/access_remote.h"
#include "mm/mapping.h"
#include "mm/pgtable.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

/* Whether va's PTE in mm maps a page a forced access may use as it is (filling *pte). */
static bool usable_as_is(struct mm *mm, uint64_t va, bool write, struct pte_info *pte)
{
	if (!pgtable_lookup(&mm->pt, va, pte))
		return false;
	return !write || (pte->prot & MMU_WRITE) || page_exclusive(pfn_to_page(PFN_DOWN(pte->pa)));
}

/* page_resolver for forced access, under mm->lock. */
static int forced_page(struct mm *mm, uint64_t va, bool write, uint8_t **kaddr)
{
	assert_held(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, va);
	if (!v || (write && (v->flags & VMA_SHARED) && !(v->flags & VMA_WRITE)))
		return -EFAULT;
	struct pte_info pte;
	if (!usable_as_is(mm, va, write, &pte)) {
		int rc = fault_locked(mm, v, va & PAGE_MASK, write);
		if (rc)
			return rc;
		BUG_ON(!usable_as_is(mm, va, write, &pte));
	}
	*kaddr = (uint8_t *)phys_to_virt(pte.pa) + (va & ~PAGE_MASK);
	return 0;
}

struct remote_copy {
	uint8_t *buf;
	bool write;
	size_t done;
};

static int copy_piece(void *ctx, uint8_t *kaddr, size_t n)
{
	struct remote_copy *c = ctx;
	if (c->write)
		memcpy(kaddr, c->buf + c->done, n);
	else
		memcpy(c->buf + c->done, kaddr, n);
	c->done += n;
	return 0;
}

size_t access_remote_vm(struct mm *mm, uint64_t addr, void *buf, size_t len, bool write)
{
	if (addr >= USER_END)
		return 0;
	struct remote_copy c = { .buf = buf, .write = write, .done = 0 };
	walk_user(mm, addr, MIN(len, USER_END - addr), write, forced_page, copy_piece, &c);
	return c.done;
}
