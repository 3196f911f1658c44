/* userfaultfd contexts (see userfaultfd.h): registration of ranges, the faults reported
 * and the tasks waiting on them, and the operations that resolve them. Linux's semantics
 * (fs/userfaultfd.c, mm/userfaultfd.c), errno values included. */
#include "mm/userfaultfd.h"
#include "mm/mapping.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/shmem.h"
#include "mm/kmalloc.h"
#include "mm/page_copy.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/wait.h"
#include "fs/poll.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "kernel/lock.h"

struct uffd_ctx {
	int refs;			/* atomic: the descriptor's, one per waiting fault */
	struct mm *mm;			/* referenced */
	bool user_mode_only;		/* [const] */
	bool ready;			/* [lock] UFFDIO_API done */
	uint64_t features;		/* [lock] enabled by UFFDIO_API */
	bool released;			/* [lock] the descriptor went */
	spinlock_t lock;		/* guards the lists and the fields marked so */
	struct list_head unread;	/* waiting faults not read yet, oldest first */
	struct list_head read;		/* waiting faults read */
	struct wait_queue faults;	/* faulting tasks sleep here */
	struct wait_queue readers;	/* read() sleeps here */
};

/* A fault waiting to be resolved, on the faulting task's stack. */
struct uffd_fault {
	struct list_head node;		/* [ctx->lock] in unread or read until woken */
	struct uffd_msg msg;
	bool woken;			/* set once, under ctx->lock */
};

static void ctx_get(struct uffd_ctx *ctx)
{
	__atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

static void ctx_put(struct uffd_ctx *ctx)
{
	if (!__atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL))
		kfree(ctx);
}

struct uffd_ctx *uffd_ctx_create(struct mm *mm, bool user_mode_only)
{
	struct uffd_ctx *ctx = kzalloc(sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->refs = 1;
	mm_grab(mm);
	ctx->mm = mm;
	ctx->user_mode_only = user_mode_only;
	spin_lock_init(&ctx->lock, "uffd");
	list_init(&ctx->unread);
	list_init(&ctx->read);
	wait_queue_init(&ctx->faults);
	wait_queue_init(&ctx->readers);
	return ctx;
}

/* Wake the faults waiting in [start, end), or, with all (the descriptor going), every one
 * for good. */
static void wake_range(struct uffd_ctx *ctx, uint64_t start, uint64_t end, bool all)
{
	struct list_head *lists[] = { &ctx->unread, &ctx->read };
	bool any = false;
	uint64_t fl = spin_lock_irqsave(&ctx->lock);
	for (unsigned i = 0; i < 2; i++) {
		struct list_head *pos, *next;
		for (pos = lists[i]->next; pos != lists[i]; pos = next) {
			next = pos->next;
			struct uffd_fault *f = list_entry(pos, struct uffd_fault, node);
			uint64_t a = f->msg.address;
			if (all || (a >= start && a < end)) {
				list_del(&f->node);
				__atomic_store_n(&f->woken, true, __ATOMIC_RELEASE);
				any = true;
			}
		}
	}
	if (all)
		ctx->released = true;
	spin_unlock_irqrestore(&ctx->lock, fl);
	if (any)
		wake_up_all(&ctx->faults);
}

/* Drop the WP marks of the present pages of [s, e) in v. Under mm->lock. */
static void clear_wp_marks(struct mm *mm, const struct vma *v, uint64_t s, uint64_t e)
{
	assert_held(&mm->lock);
	struct pte_info pte;
	for (uint64_t va = s; pgtable_next(&mm->pt, &va, e, &pte); va += PAGE_SIZE)
		if (pte.prot & MMU_UFFD_WP)
			BUG_ON(!pgtable_protect_wp(&mm->pt, va,
						   pte_prot_for(v->flags, pfn_to_page(PFN_DOWN(pte.pa))),
						   NULL));
}

/* vma_change callback: v gets the modes newflags says; a WP range that stops being one
 * loses its marks. ctx: the context the modes report to. */
static void apply_registration(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t newflags)
{
	struct mm *mm = ((struct uffd_ctx *)ctx)->mm;
	if ((v->flags & VMA_UFFD_WP) && !(newflags & VMA_UFFD_WP))
		clear_wp_marks(mm, v, s, e);
	v->uffd = (newflags & VMA_UFFD_MASK) ? ctx : NULL;
}

/* Give the VMAs of ctx in [start, end) the modes `set` (none: unregister). Under
 * mm->lock; the range was validated. 0 or -ENOMEM. */
static int set_modes(struct uffd_ctx *ctx, uint64_t start, uint64_t end, uint32_t set,
		     bool only_ours)
{
	struct mm *mm = ctx->mm;
	assert_held(&mm->lock);
	for (uint64_t cur = start; cur < end;) {
		struct vma *v = vma_find_from(&mm->vmas, cur);
		if (!v || v->start >= end)
			break;
		uint64_t s = MAX(cur, v->start), e = MIN(end, v->end);
		cur = e; /* v may be merged away below */
		if (only_ours && v->uffd != ctx)
			continue;
		int rc = vma_change(&mm->vmas, s, e, set, VMA_UFFD_MASK, NULL, apply_registration,
				    ctx);
		if (rc)
			return rc;
	}
	return 0;
}

void uffd_ctx_release(struct uffd_ctx *ctx)
{
	struct mm *mm = ctx->mm;
	/* A dead address space has no VMAs left to point at ctx: its teardown took them all
	 * (the last mm_put happens with no task left to fault). */
	if (mm_tryget(mm)) {
		mutex_lock(&mm->lock);
		/* Whole VMAs: nothing splits, so nothing can fail. */
		BUG_ON(set_modes(ctx, 0, USER_END, 0, true));
		mutex_unlock(&mm->lock);
		mm_put(mm);
	}
	wake_range(ctx, 0, 0, true);
	wake_up_all(&ctx->readers);
	poll_notify();
	mm_drop(mm);
	ctx_put(ctx);
}

int uffd_api(struct uffd_ctx *ctx, uint64_t api, uint64_t requested, uint64_t *features)
{
	*features = 0;
	if (api != UFFD_API || (requested & ~(uint64_t)UFFD_FEATURES))
		return -EINVAL;
	uint64_t fl = spin_lock_irqsave(&ctx->lock);
	bool first = !ctx->ready;
	if (first) {
		ctx->ready = true;
		ctx->features = requested;
	}
	spin_unlock_irqrestore(&ctx->lock, fl);
	if (!first)
		return -EINVAL; /* "UFFDIO_API must only be called once" */
	*features = UFFD_FEATURES;
	return 0;
}

bool uffd_ready(const struct uffd_ctx *ctx)
{
	return __atomic_load_n(&ctx->ready, __ATOMIC_ACQUIRE);
}

/* Linux's validate_range: page-aligned, non-empty, inside user space above mmap_min_addr. */
static int check_range(uint64_t start, uint64_t len)
{
	if (!IS_ALIGNED(start, PAGE_SIZE) || !IS_ALIGNED(len, PAGE_SIZE) || !len ||
	    start < MMAP_BOTTOM || start >= USER_END || len > USER_END - start)
		return -EINVAL;
	return 0;
}

/* Memory userfaultfd can watch: anonymous, private or shared. */
static bool can_userfault(const struct vma *v)
{
	return !(v->flags & VMA_FILE);
}

/* Check that [start, end) is covered by VMAs userfaultfd can watch, none registered with
 * another context when busy_check. 0, -EINVAL or -EBUSY. Under mm->lock. */
static int check_vmas(struct uffd_ctx *ctx, uint64_t start, uint64_t end, bool busy_check)
{
	assert_held(&ctx->mm->lock);
	uint64_t cur = start;
	while (cur < end) {
		struct vma *v = vma_find(&ctx->mm->vmas, cur);
		if (!v || !can_userfault(v))
			return -EINVAL;
		if (busy_check && v->uffd && v->uffd != ctx)
			return -EBUSY;
		cur = v->end;
	}
	return 0;
}

int uffd_register(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode,
		  uint64_t *ioctls)
{
	const uint64_t modes = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP;
	if (!mode || (mode & ~modes))
		return -EINVAL;
	int rc = check_range(start, len);
	if (rc)
		return rc;
	uint32_t set = ((mode & UFFDIO_REGISTER_MODE_MISSING) ? VMA_UFFD_MISSING : 0) |
		       ((mode & UFFDIO_REGISTER_MODE_WP) ? VMA_UFFD_WP : 0);
	struct mm *mm = ctx->mm;
	if (!mm_tryget(mm))
		return -ENOMEM; /* as Linux's, for an address space that is gone */
	mutex_lock(&mm->lock);
	rc = check_vmas(ctx, start, start + len, true);
	if (!rc)
		rc = set_modes(ctx, start, start + len, set, false);
	mutex_unlock(&mm->lock);
	mm_put(mm);
	if (rc)
		return rc;
	*ioctls = 1UL << _UFFDIO_WAKE | 1UL << _UFFDIO_COPY | 1UL << _UFFDIO_ZEROPAGE |
		  ((mode & UFFDIO_REGISTER_MODE_WP) ? 1UL << _UFFDIO_WRITEPROTECT : 0);
	return 0;
}

int uffd_unregister(struct uffd_ctx *ctx, uint64_t start, uint64_t len)
{
	int rc = check_range(start, len);
	if (rc)
		return rc;
	struct mm *mm = ctx->mm;
	if (!mm_tryget(mm))
		return -ENOMEM; /* as Linux's, for an address space that is gone */
	mutex_lock(&mm->lock);
	rc = check_vmas(ctx, start, start + len, false);
	if (!rc)
		rc = set_modes(ctx, start, start + len, 0, true);
	mutex_unlock(&mm->lock);
	mm_put(mm);
	if (!rc)
		wake_range(ctx, start, start + len, false);
	return rc;
}

/* The VMA registered with ctx that holds all of [dst, dst+len), or NULL. Under mm->lock. */
static struct vma *registered_vma(struct uffd_ctx *ctx, uint64_t dst, uint64_t len)
{
	assert_held(&ctx->mm->lock);
	struct vma *v = vma_find(&ctx->mm->vmas, dst);
	return v && v->uffd == ctx && dst + len <= v->end ? v : NULL;
}

/* Map a new page at the missing va of v: a copy of src (zeros for NULL; the zero page in
 * private memory), write-protected with wp. 0, -EEXIST or -ENOMEM. Under mm->lock. */
static int fill_page(struct mm *mm, struct vma *v, uint64_t va, const void *src, bool wp)
{
	assert_held(&mm->lock);
	struct pte_info pte;
	uint64_t entry;
	if (pgtable_lookup(&mm->pt, va, &pte) || pgtable_swap_entry(&mm->pt, va, &entry))
		return -EEXIST;
	int rc = -ENOMEM;
	struct page *p;
	if (v->shm) {
		p = shmem_new_page(v->shm, (va - v->start + v->shm_off) >> PAGE_SHIFT, src, &rc);
	} else if (!src) {
		p = zero_page;
	} else {
		p = alloc_anon_page(false);
		if (p)
			copy_page(page_address(p), src);
	}
	if (!p)
		return rc;
	return install_new_page(mm, va, p, pte_prot_for(v->flags, p) | (wp ? MMU_UFFD_WP : 0));
}

/* UFFDIO_COPY and UFFDIO_ZEROPAGE: fill [dst, dst+len) page by page from src (NULL:
 * zeros), waking the range done unless dontwake. */
static long fill_range(struct uffd_ctx *ctx, uint64_t dst, uint64_t src, uint64_t len,
		       bool zero, bool wp, bool dontwake)
{
	struct mm *mm = ctx->mm;
	if (!mm_tryget(mm))
		return -ESRCH;
	uint8_t *buf = zero ? NULL : kmalloc(PAGE_SIZE);
	if (!zero && !buf) {
		mm_put(mm);
		return -ENOMEM;
	}
	uint64_t done = 0;
	int rc = 0;
	while (done < len) {
		/* The source first: it is current's memory, maybe ctx->mm itself. */
		if (buf && copy_from_user(buf, (const void *)(src + done), PAGE_SIZE)) {
			rc = -EFAULT;
			break;
		}
		mutex_lock(&mm->lock);
		struct vma *v = registered_vma(ctx, dst, len);
		if (!v)
			rc = -ENOENT;
		else if (wp && !(v->flags & VMA_UFFD_WP))
			rc = -EINVAL;
		else
			rc = fill_page(mm, v, dst + done, buf, wp);
		mutex_unlock(&mm->lock);
		if (rc)
			break;
		done += PAGE_SIZE;
	}
	kfree(buf);
	mm_put(mm);
	if (done && !dontwake)
		wake_range(ctx, dst, dst + done, false);
	return done ? (long)done : rc;
}

long uffd_copy(struct uffd_ctx *ctx, uint64_t dst, uint64_t src, uint64_t len, uint64_t mode)
{
	int rc = check_range(dst, len);
	if (rc)
		return rc;
	/* src need not be page-aligned (Linux's validate_unaligned_range) */
	if (src < MMAP_BOTTOM || src >= USER_END || len > USER_END - src ||
	    (mode & ~(uint64_t)(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP)))
		return -EINVAL;
	return fill_range(ctx, dst, src, len, false, mode & UFFDIO_COPY_MODE_WP,
			  mode & UFFDIO_COPY_MODE_DONTWAKE);
}

long uffd_zeropage(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode)
{
	int rc = check_range(start, len);
	if (rc)
		return rc;
	if (mode & ~(uint64_t)UFFDIO_ZEROPAGE_MODE_DONTWAKE)
		return -EINVAL;
	return fill_range(ctx, start, 0, len, true, false, mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE);
}

int uffd_writeprotect(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode)
{
	const uint64_t modes = UFFDIO_WRITEPROTECT_MODE_WP | UFFDIO_WRITEPROTECT_MODE_DONTWAKE;
	int rc = check_range(start, len);
	if (rc)
		return rc;
	bool wp = mode & UFFDIO_WRITEPROTECT_MODE_WP;
	if ((mode & ~modes) || (wp && (mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE)))
		return -EINVAL;
	const unsigned mask = MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER;
	struct mm *mm = ctx->mm;
	uint64_t end = start + len;
	if (!mm_tryget(mm))
		return -ESRCH;
	rc = -ENOENT;
	mutex_lock(&mm->lock);
	for (struct vma *v = vma_find_from(&mm->vmas, start); v && v->start < end;
	     v = vma_next(&mm->vmas, v)) {
		if (v->uffd != ctx || !(v->flags & VMA_UFFD_WP)) {
			rc = -ENOENT;
			break;
		}
		rc = 0;
		struct pte_info pte;
		uint64_t e = MIN(end, v->end);
		for (uint64_t va = MAX(start, v->start); pgtable_next(&mm->pt, &va, e, &pte);
		     va += PAGE_SIZE) {
			unsigned prot = wp ? (pte.prot & mask) | MMU_UFFD_WP
					   : pte_prot_for(v->flags, pfn_to_page(PFN_DOWN(pte.pa)));
			if (!!(pte.prot & MMU_UFFD_WP) != wp)
				BUG_ON(!pgtable_protect_wp(&mm->pt, va, prot, NULL));
		}
	}
	mutex_unlock(&mm->lock);
	mm_put(mm);
	if (!rc && !wp && !(mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE))
		wake_range(ctx, start, end, false);
	return rc;
}

int uffd_wake(struct uffd_ctx *ctx, uint64_t start, uint64_t len)
{
	int rc = check_range(start, len);
	if (!rc)
		wake_range(ctx, start, start + len, false);
	return rc;
}

int uffd_read_msg(struct uffd_ctx *ctx, struct uffd_msg *msg, bool nonblock)
{
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&ctx->lock);
		if (!list_empty(&ctx->unread)) {
			struct uffd_fault *f = list_first_entry(&ctx->unread, struct uffd_fault, node);
			*msg = f->msg;
			list_del(&f->node);
			list_add_tail(&f->node, &ctx->read);
			spin_unlock_irqrestore(&ctx->lock, fl);
			return 0;
		}
		spin_unlock_irqrestore(&ctx->lock, fl);
		if (nonblock)
			return -EAGAIN;
		if (wait_event_killable(ctx->readers, uffd_msg_pending(ctx)))
			return -EINTR;
	}
}

bool uffd_msg_pending(struct uffd_ctx *ctx)
{
	uint64_t fl = spin_lock_irqsave(&ctx->lock);
	bool pending = !list_empty(&ctx->unread);
	spin_unlock_irqrestore(&ctx->lock, fl);
	return pending;
}

bool uffd_reports_missing(const struct vma *v, uint64_t va)
{
	if (!(v->flags & VMA_UFFD_MISSING))
		return false;
	assert_held(&v->uffd->mm->lock); /* a VMA has no mm of its own to check */
	return !v->shm || !shmem_has_page(v->shm, (va - v->start + v->shm_off) >> PAGE_SHIFT);
}

int uffd_handle_fault(struct mm *mm, uint64_t addr, bool write, bool user)
{
	assert_held(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, addr);
	BUG_ON(!v || !v->uffd);
	struct uffd_ctx *ctx = v->uffd;
	if (!user && ctx->user_mode_only) {
		mutex_unlock(&mm->lock);
		return -EFAULT;
	}
	struct pte_info pte;
	bool wp = pgtable_lookup(&mm->pt, addr & PAGE_MASK, &pte); /* present: a WP fault */
	struct uffd_fault f = { .woken = false };
	f.msg.event = UFFD_EVENT_PAGEFAULT;
	f.msg.flags = (write ? UFFD_PAGEFAULT_FLAG_WRITE : 0) | (wp ? UFFD_PAGEFAULT_FLAG_WP : 0);
	uint64_t fl = spin_lock_irqsave(&ctx->lock);
	BUG_ON(ctx->released); /* it unregisters under mm->lock before it is released */
	f.msg.address = (ctx->features & UFFD_FEATURE_EXACT_ADDRESS) ? addr : addr & PAGE_MASK;
	if (ctx->features & UFFD_FEATURE_THREAD_ID)
		f.msg.ptid = (uint32_t)current()->pid;
	list_add_tail(&f.node, &ctx->unread);
	spin_unlock_irqrestore(&ctx->lock, fl);
	ctx_get(ctx);
	mutex_unlock(&mm->lock);
	wake_up_all(&ctx->readers);
	poll_notify();

	int rc = wait_event_killable(ctx->faults, __atomic_load_n(&f.woken, __ATOMIC_ACQUIRE));
	fl = spin_lock_irqsave(&ctx->lock);
	if (!f.woken)
		list_del(&f.node);
	spin_unlock_irqrestore(&ctx->lock, fl);
	ctx_put(ctx);
	return rc;
}
