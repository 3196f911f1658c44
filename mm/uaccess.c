/* User memory from the kernel, two ways.
 *  - The current task's, for its system calls (copy_to_user, copy_from_user,
 *    strncpy_from_user): the range is checked against USER_END and then touched directly
 *    (arch-x86_64/uaccess.h); the MMU checks the rest, and a fault is resolved as a user
 *    access would be or makes the copy fail with -EFAULT. No page walk, no lock.
 *  - Any address space's (mm_read, mm_write: exec fills a new one before it runs): under
 *    mm->lock, each page of the range is looked up in the VMAs (which must allow the
 *    access) and the page tables, faulted in when absent (or, for a write, when read-only:
 *    copy-on-write; in a userfaultfd range, after the handler resolved it), and copied
 *    through the direct map.
 * The futex words' names and their locked access (mm_uword_key, mm_uword_locked) live
 * here too: the second walk, one word. */
#include "mm/mapping.h"
#include "mm/pgtable.h"
#include "kernel/task.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "kernel/printk.h"
#include "mm/swap.h"
#include "mm/userfaultfd.h"
#include "mm/shmem.h"
#include "kernel/lock.h"
#include "arch-x86_64/uaccess.h"

/* The kernel alias of user byte va in mm for a read or a write as user code would make it
 * (the VMA must allow it), faulting the page in. Under mm->lock. */
static int user_byte(struct mm *mm, uint64_t va, bool write, uint8_t **kaddr)
{
	assert_held(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, va);
	if (!v || !(v->flags & (write ? VMA_WRITE : VMA_READ)))
		return -EFAULT;
	struct pte_info pte;
	bool ok = pgtable_lookup(&mm->pt, va, &pte) && (pte.prot & MMU_USER) &&
		  (!write || (pte.prot & MMU_WRITE));
	if (!ok) {
		int rc = fault_locked(mm, v, va & PAGE_MASK, write);
		if (rc)
			return rc;
		BUG_ON(!pgtable_lookup(&mm->pt, va, &pte) || (write && !(pte.prot & MMU_WRITE)));
	}
	*kaddr = (uint8_t *)phys_to_virt(pte.pa) + (va & ~PAGE_MASK);
	return 0;
}

int walk_user(struct mm *mm, uint64_t va, size_t len, bool write, page_resolver resolve,
	      int (*fn)(void *ctx, uint8_t *kaddr, size_t n), void *ctx)
{
	if (!mm)
		return -EFAULT;
	if (!len)
		return 0;
	if (va >= USER_END || len > USER_END - va)
		return -EFAULT;
	int rc = 0;
	mutex_lock(&mm->lock);
	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (va & ~PAGE_MASK));
		uint8_t *k;
		rc = resolve(mm, va, write, &k);
		if (rc == FAULT_USERFAULT) {
			/* Wait for the userfaultfd handler as a user access would (it drops
			 * mm->lock), then look again. */
			rc = uffd_handle_fault(mm, va, write, false);
			mutex_lock(&mm->lock);
			if (!rc)
				continue;
		}
		if (rc == -ENOMEM && !current()->pending_kill) {
			/* Reclaim needs this mm's lock: let go of it while making room. */
			mutex_unlock(&mm->lock);
			bool again = make_room_for_user_page();
			mutex_lock(&mm->lock);
			if (again)
				continue;
		}
		if (!rc) {
			rc = fn(ctx, k, n);
			if (write) /* no PTE saw it: tell ksmd (ksm_merge.c) */
				mm->kernel_writes++;
		}
		if (rc)
			break;
		va += n;
		len -= n;
	}
	mutex_unlock(&mm->lock);
	return rc > 0 ? 0 : rc;
}

struct cursor {
	uint8_t *kbuf;		/* the kernel side, advancing */
};

static int to_user(void *ctx, uint8_t *kaddr, size_t n)
{
	struct cursor *c = ctx;
	memcpy(kaddr, c->kbuf, n);
	c->kbuf += n;
	return 0;
}

static int from_user(void *ctx, uint8_t *kaddr, size_t n)
{
	struct cursor *c = ctx;
	memcpy(c->kbuf, kaddr, n);
	c->kbuf += n;
	return 0;
}

bool user_range_ok(const void *uptr, size_t n, bool write)
{
	struct mm *mm = current()->mm;
	uint64_t va = (uint64_t)uptr;
	if (!mm || va >= USER_END || n > USER_END - va)
		return false;
	bool ok = true;
	mutex_lock(&mm->lock);
	for (uint64_t end = va + n; ok && va < end;) {
		struct vma *v = vma_find(&mm->vmas, va);
		ok = v && vma_allows(v, write, false);
		if (ok)
			va = v->end;
	}
	mutex_unlock(&mm->lock);
	return ok;
}

int mm_write(struct mm *mm, uint64_t va, const void *src, size_t len)
{
	struct cursor c = { .kbuf = (uint8_t *)src };
	return walk_user(mm, va, len, true, user_byte, to_user, &c);
}

int mm_read(struct mm *mm, uint64_t va, void *dst, size_t len)
{
	struct cursor c = { .kbuf = dst };
	return walk_user(mm, va, len, false, user_byte, from_user, &c);
}

/* [va, va + n) lies in user space (n > 0) and there is a user address space to reach. */
static bool user_range(uint64_t va, size_t n)
{
	return current()->mm && va < USER_END && n <= USER_END - va;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!user_range((uint64_t)udst, n))
		return -EFAULT;
	return uaccess_copy(udst, src, n) ? -EFAULT : 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!n)
		return 0;
	if (!user_range((uint64_t)usrc, n))
		return -EFAULT;
	return uaccess_copy(dst, usrc, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	uint64_t va = (uint64_t)usrc;
	if (!max)
		return -ENAMETOOLONG;
	if (!user_range(va, 1))
		return -EFAULT;
	/* The string may end just below an unmapped page or USER_END: only the bytes up to
	 * the NUL are read. */
	size_t span = MIN(max, USER_END - va);
	long len = uaccess_strncpy(dst, usrc, span);
	if (len < 0)
		return -EFAULT;
	if ((size_t)len < span)
		return len;
	dst[max - 1] = 0;
	return span < max ? -EFAULT : -ENAMETOOLONG;
}

int mm_uword_key(struct mm *mm, uint64_t uaddr, bool shared, bool write, struct uword_key *key)
{
	if (uaddr % sizeof(uint32_t))
		return -EINVAL;
	if (!mm || uaddr > USER_END - sizeof(uint32_t))
		return -EFAULT;
	*key = (struct uword_key){ (uint64_t)mm, uaddr, UWORD_PRIVATE };
	if (!shared)
		return 0;
	mutex_lock(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, uaddr);
	bool ok = v && (v->flags & (write ? VMA_WRITE : VMA_READ | VMA_WRITE)) &&
		  (v->shm || (v->flags & (VMA_WRITE | VMA_FILE)));
	if (ok && v->shm)
		*key = (struct uword_key){ v->shm->serial, v->shm_off + (uaddr - v->start), UWORD_SHMEM };
	else if (ok)
		key->kind = UWORD_MM;
	mutex_unlock(&mm->lock);
	return ok ? 0 : -EFAULT;
}

struct uword_call {
	int (*fn)(void *ctx, uint32_t *word);
	void *ctx;
	int result;
};

static int call_on_word(void *ctx, uint8_t *kaddr, size_t n)
{
	struct uword_call *c = ctx;
	c->result = c->fn(c->ctx, (uint32_t *)kaddr);
	return c->result < 0 ? c->result : 1;
}

int mm_uword_locked(struct mm *mm, uint64_t uaddr, bool write, int (*fn)(void *ctx, uint32_t *word),
		    void *ctx)
{
	BUG_ON(uaddr % sizeof(uint32_t));
	struct uword_call c = { fn, ctx, 0 };
	int rc = walk_user(mm, uaddr, sizeof(uint32_t), write, user_byte, call_on_word, &c);
	return rc ? rc : c.result;
}
