/* userfaultfd: page faults of an address space reported to a user-space handler.
 *
 * A context (one per userfaultfd descriptor) is bound to the address space that created it
 * and keeps only its struct (mm_grab), as Linux's mmgrab: a descriptor held by another
 * process (inherited by fork) never keeps a dead process's memory. Each operation takes the
 * address space (mm_tryget) for its duration and fails once it is gone. UFFDIO_REGISTER marks ranges of anonymous memory (private or
 * shared) with VMA_UFFD_MISSING and/or VMA_UFFD_WP and points their VMAs at the context.
 * Then a fault on a missing page of a MISSING range (for shared memory: a page its object
 * does not hold), or a write to a page whose PTE carries the MMU_UFFD_WP mark in a WP range,
 * queues a message on the context and the faulting task sleeps, without mm->lock, until the
 * handler resolves the page (UFFDIO_COPY, ZEROPAGE, WRITEPROTECT clear, WAKE) or the
 * descriptor goes; then the fault is tried again. Kernel accesses to user memory
 * (copy_to_user and friends) wait the same way, unless the context is
 * UFFD_USER_MODE_ONLY: then they fail with -EFAULT, as Linux's.
 *
 * Invariants: a VMA has uffd set exactly when it has a VMA_UFFD_* mode; a PTE carries
 * MMU_UFFD_WP only inside a VMA_UFFD_WP range (unregistering, closing and fork's copy drop
 * the marks with the registration). Fork does not copy registrations (no
 * UFFD_FEATURE_EVENT_FORK). Swap entries cannot hold the mark, so reclaim leaves a marked
 * page resident (vmscan.c).
 *
 * Locking: mm->lock guards registrations and marks; ctx->lock (spinlock, a leaf) the
 * message lists. Waiting faults live on their tasks' stacks and hold a context reference. */
#ifndef MM_USERFAULTFD_H
#define MM_USERFAULTFD_H

#include "lib/compiler.h"
#include "include/uapi/userfaultfd.h" /* Linux's ABI */

struct mm;
struct vma;
struct uffd_ctx;

/* The features this kernel offers in UFFDIO_API. */
#define UFFD_FEATURES (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MISSING_SHMEM | \
		       UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_EXACT_ADDRESS | \
		       UFFD_FEATURE_WP_HUGETLBFS_SHMEM)

/* A new context for mm (whose struct it keeps: mm_grab; the caller holds a user of mm), not
 * yet initialised by UFFDIO_API; NULL when out of memory. The caller owns the one reference (uffd_ctx_release drops it). */
struct uffd_ctx *uffd_ctx_create(struct mm *mm, bool user_mode_only);
/* The descriptor is gone: unregister every range of the context (dropping WP marks) if the
 * address space is still alive, release every waiting fault (it then proceeds as
 * unregistered), drop the mm struct and the caller's reference. Takes mm->lock. */
void uffd_ctx_release(struct uffd_ctx *ctx);

/* UFFDIO_API: the first call with api UFFD_API and requested features within
 * UFFD_FEATURES enables them and returns 0 with *features = UFFD_FEATURES; else -EINVAL
 * (wrong api, unknown features, or called before). */
int uffd_api(struct uffd_ctx *ctx, uint64_t api, uint64_t requested, uint64_t *features);
/* Whether UFFDIO_API succeeded (every other ioctl needs it: -EINVAL). */
bool uffd_ready(const struct uffd_ctx *ctx);

/* UFFDIO_REGISTER of [start, start+len) with UFFDIO_REGISTER_MODE_* mode: 0 with the
 * range ioctls in *ioctls; -EINVAL (bad mode or range, a hole, memory that is not
 * anonymous), -EBUSY (registered with another context), -ENOMEM (also, as Linux's, when the
 * address space is gone). Takes mm->lock. */
int uffd_register(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode,
		  uint64_t *ioctls);
/* UFFDIO_UNREGISTER: this context's registrations in the range go (WP marks too) and its
 * waiters there are woken. 0, -EINVAL (bad range, a hole, non-anonymous memory), -ENOMEM
 * (also when the address space is gone). */
int uffd_unregister(struct uffd_ctx *ctx, uint64_t start, uint64_t len);
/* UFFDIO_COPY: fill the missing pages of [dst, dst+len) (inside one VMA registered with
 * ctx) from current's memory at src, write-protected with UFFDIO_COPY_MODE_WP, and wake
 * their waiters unless DONTWAKE. Bytes copied (> 0), or -errno when none: -EINVAL (bad
 * mode/range, WP mode outside a WP range), -ENOENT (not registered with ctx), -EEXIST
 * (page present), -EFAULT (src), -ENOMEM, -ESRCH (the address space is gone). */
long uffd_copy(struct uffd_ctx *ctx, uint64_t dst, uint64_t src, uint64_t len, uint64_t mode);
/* UFFDIO_ZEROPAGE: the same with zero-filled pages (the zero page in private memory). */
long uffd_zeropage(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode);
/* UFFDIO_WRITEPROTECT: set (MODE_WP) or clear the WP mark of the present pages in the
 * range, every VMA of which must be WP-registered with ctx (-ENOENT); clearing wakes the
 * range's waiters unless DONTWAKE. 0, -EINVAL (bad range or mode, WP with DONTWAKE) or
 * -ESRCH (the address space is gone). */
int uffd_writeprotect(struct uffd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode);
/* UFFDIO_WAKE: wake the faults waiting in the range. 0 or -EINVAL (bad range). */
int uffd_wake(struct uffd_ctx *ctx, uint64_t start, uint64_t len);

/* read(): the oldest unread message into *msg (it then waits until woken): 0, -EAGAIN
 * (none and nonblock), -EINTR (killed while waiting). */
int uffd_read_msg(struct uffd_ctx *ctx, struct uffd_msg *msg, bool nonblock);
/* Whether an unread message is queued (poll's POLLIN). */
bool uffd_msg_pending(struct uffd_ctx *ctx);

/* Fault side. Whether a fault on the missing page at va in v must be reported (a MISSING
 * range whose memory has no page there). Under mm->lock. */
bool uffd_reports_missing(const struct vma *v, uint64_t va);
/* Report the fault at addr (which fault_locked() answered FAULT_USERFAULT for, under
 * mm->lock, which the caller still holds) to the VMA's context and sleep until it is
 * resolved. Returns with mm->lock released: 0 (try the fault again), -EINTR (killed), or
 * -EFAULT (a kernel access, user false, in a UFFD_USER_MODE_ONLY context). */
int uffd_handle_fault(struct mm *mm, uint64_t addr, bool write, bool user);

#endif
