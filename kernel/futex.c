/* futex(2): FUTEX_WAIT, _WAKE, _WAIT_BITSET, _WAKE_BITSET, _REQUEUE, _CMP_REQUEUE and
 * _WAKE_OP, private or shared, with Linux's results and errno values (6.1). The PI
 * operations and FUTEX_FD answer -ENOSYS.
 *
 * Names. A futex is named by its word's place, never by the frame holding it: ksmd merges
 * pages, reclaim swaps them out and a write breaks copy-on-write under a sleeping waiter,
 * and its waker must still find it. What the place is depends on the mapping, which only
 * mm may read (under mm->lock), so the naming is mm's: mm_uword_key() in mm/addrspace.h
 * gives (address space, address) for a private futex, (shared object, offset) for a word
 * in a shared anonymous mapping (processes meet there at any address), (address space,
 * address) of another kind for any other shared one. This file only hashes the names.
 *
 * Waiting. A waiter is a struct futex_q on its own stack, queued on the hash bucket of its
 * name. FUTEX_WAIT tests the word and queues itself as one step under the bucket's lock
 * (queue_if_equal), called by mm_uword_locked() with the word's page faulted in and kept
 * mapped by mm->lock: a page fault is never taken under the spinlock, and a waker (which
 * changed the word before it called, then takes the same lock) either finds the waiter
 * queued or was seen by its test. The waiter then sleeps until a waker marks it woken, its
 * deadline passes or it is being killed; each look happens under its bucket's lock with
 * the task already marked sleeping, so no wake-up or kill falls between the look and the
 * sleep, and the waker is done with the futex_q once the waiter holds the lock again.
 *
 * Read-modify-write. FUTEX_WAKE_OP changes the word and CMP_REQUEUE compares it under the
 * bucket locks, through the word's kernel alias with atomic instructions, while
 * mm_uword_locked() holds the page in place: atomic with respect to user code on any CPU.
 *
 * Locking, outermost first: mm->lock (inside mm_uword_key/mm_uword_locked) -> a bucket's
 * lock (two buckets: the lower address first) -> sched_lock (sched_wake and
 * sched_prepare_sleep). A futex_q's key, bucket and woken flag change only under its
 * bucket's lock; a requeue holds both buckets' locks to move one. */
#include "kernel/futex.h"
#include "kernel/syscall.h"
#include "kernel/syscall_table.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/clock.h"
#include "kernel/lock.h"
#include "mm/addrspace.h"
#include "arch-x86_64/rtc.h"
#include "lib/errno.h"

/* Linux's operations and flags (op argument). */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_CMD_MASK		(~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

/* FUTEX_WAKE_OP's encoded operation: op (bits 28-30; bit 31: the argument is a shift),
 * comparison (24-27), operation argument (12-23) and comparison argument (0-11). */
#define FUTEX_OP_SET		0
#define FUTEX_OP_ADD		1
#define FUTEX_OP_OR		2
#define FUTEX_OP_ANDN		3
#define FUTEX_OP_XOR		4
#define FUTEX_OP_OPARG_SHIFT	8
#define FUTEX_OP_CMP_EQ		0
#define FUTEX_OP_CMP_NE		1
#define FUTEX_OP_CMP_LT		2
#define FUTEX_OP_CMP_LE		3
#define FUTEX_OP_CMP_GT		4
#define FUTEX_OP_CMP_GE		5

#define FUTEX_HASH_BITS	8	/* 256 buckets: as many as tasks can exist */
#define NO_DEADLINE	UINT64_MAX

struct futex_bucket {
	spinlock_t lock;
	struct list_head waiters;	/* [lock] struct futex_q, oldest first */
};

static struct futex_bucket buckets[1u << FUTEX_HASH_BITS];

/* One waiting task, on its stack while its futex(FUTEX_WAIT...) runs. */
struct futex_q {
	struct list_head node;		/* [bucket->lock] in bucket->waiters until woken */
	struct futex_bucket *bucket;	/* [bucket->lock] where it waits (a requeue moves it) */
	struct uword_key key;		/* [bucket->lock] the futex it waits on */
	bool woken;			/* [bucket->lock] a waker took it off the bucket */
	uint32_t bitset;		/* [const] */
	struct task *task;		/* [const] */
};

void futex_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(buckets); i++) {
		spin_lock_init(&buckets[i].lock, "futex_bucket");
		list_init(&buckets[i].waiters);
	}
}

static struct futex_bucket *bucket_of(const struct uword_key *k)
{
	uint64_t h = (k->object ^ k->offset * 0x9e3779b97f4a7c15ull ^ k->kind) * 0xff51afd7ed558ccdull;
	return &buckets[h >> (64 - FUTEX_HASH_BITS)];
}

static bool key_eq(const struct uword_key *a, const struct uword_key *b)
{
	return a->object == b->object && a->offset == b->offset && a->kind == b->kind;
}

/* Lock b1 and b2 (one bucket once) in address order, so two such lockers never deadlock. */
static uint64_t lock_two(struct futex_bucket *b1, struct futex_bucket *b2)
{
	uint64_t f = spin_lock_irqsave(b1 < b2 ? &b1->lock : &b2->lock);
	if (b1 != b2)
		spin_lock(b1 < b2 ? &b2->lock : &b1->lock);
	return f;
}

static void unlock_two(struct futex_bucket *b1, struct futex_bucket *b2, uint64_t f)
{
	if (b1 != b2)
		spin_unlock(&b2->lock);
	spin_unlock_irqrestore(&b1->lock, f);
}


/* [b->lock] Take q off b and make its task runnable; q is the waiter's again once the lock
 * is released. */
static void wake_one(struct futex_bucket *b, struct futex_q *q)
{
	assert_held(&b->lock);
	list_del(&q->node);
	q->woken = true;
	sched_wake(q->task);
}

/* [b->lock] Wake up to nr (at least one) waiters on key whose bitset meets bitset: how many. */
static int wake_waiters(struct futex_bucket *b, const struct uword_key *key, uint32_t bitset, int nr)
{
	assert_held(&b->lock);
	int n = 0;
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &b->waiters) {
		struct futex_q *q = list_entry(pos, struct futex_q, node);
		if (!key_eq(&q->key, key) || !(q->bitset & bitset))
			continue;
		wake_one(b, q);
		if (++n >= nr)
			break;
	}
	return n;
}

long futex_wake(uint64_t uaddr, bool shared, int nr, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct uword_key key;
	int rc = mm_uword_key(current()->mm, uaddr, shared, false, &key);
	if (rc)
		return rc;
	struct futex_bucket *b = bucket_of(&key);
	uint64_t f = spin_lock_irqsave(&b->lock);
	int n = wake_waiters(b, &key, bitset, nr);
	spin_unlock_irqrestore(&b->lock, f);
	return n;
}

struct wait_setup {
	struct futex_q *q;
	uint32_t val;
};

/* mm_uword_locked's callback for FUTEX_WAIT: queue the waiter if *word still holds val,
 * else -EAGAIN; one step under the bucket's lock. */
static int queue_if_equal(void *ctx, uint32_t *word)
{
	struct wait_setup *w = ctx;
	struct futex_bucket *b = bucket_of(&w->q->key);
	uint64_t f = spin_lock_irqsave(&b->lock);
	bool equal = __atomic_load_n(word, __ATOMIC_ACQUIRE) == w->val;
	if (equal) {
		w->q->bucket = b;
		list_add_tail(&w->q->node, &b->waiters);
	}
	spin_unlock_irqrestore(&b->lock, f);
	return equal ? 0 : -EAGAIN;
}

/* Lock the bucket q waits on: a requeue may move q until its lock is held. */
static struct futex_bucket *lock_q_bucket(struct futex_q *q, uint64_t *f)
{
	for (;;) {
		struct futex_bucket *b = READ_ONCE(q->bucket);
		*f = spin_lock_irqsave(&b->lock);
		if (b == q->bucket)
			return b;
		spin_unlock_irqrestore(&b->lock, *f);
	}
}

/* Sleep until q is woken (0), the monotonic clock reaches deadline (-ETIMEDOUT) or a
 * signal is to be taken: without a deadline -ERESTARTSYS (restarted after a handler with
 * SA_RESTART), with one -ERESTARTNOHAND (-EINTR after a handler), as Linux's futex_wait.
 * q is off every bucket on return. */
static long futex_sleep(struct futex_q *q, uint64_t deadline)
{
	for (;;) {
		uint64_t f;
		struct futex_bucket *b = lock_q_bucket(q, &f);
		sched_prepare_sleep(); /* before the look: a wake-up or kill after it is not lost */
		long rc = q->woken ? 0 : !signal_pending() ? (clock_ns() >= deadline ? -ETIMEDOUT : 1)
			  : deadline == NO_DEADLINE ? -ERESTARTSYS : -ERESTARTNOHAND;
		if (rc < 0)
			list_del(&q->node);
		spin_unlock_irqrestore(&b->lock, f);
		if (rc <= 0) {
			sched_set_running();
			return rc;
		}
		if (deadline == NO_DEADLINE)
			schedule();
		else
			sched_timer_sleep(deadline);
	}
}

static long futex_wait(uint64_t uaddr, bool shared, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct futex_q q = { .bitset = bitset, .task = current() };
	struct mm *mm = current()->mm;
	int rc = mm_uword_key(mm, uaddr, shared, false, &q.key);
	if (rc)
		return rc;
	rc = mm_uword_locked(mm, uaddr, false, queue_if_equal, &(struct wait_setup){ &q, val });
	if (rc)
		return rc;
	return futex_sleep(&q, deadline);
}

/* The names of the two words of a requeue or FUTEX_WAKE_OP, in Linux's order (uaddr1's
 * errors first); write: the second is written (WAKE_OP). */
static int two_keys(struct mm *mm, uint64_t uaddr1, uint64_t uaddr2, bool shared, bool write,
		    struct uword_key *key1, struct uword_key *key2)
{
	int rc = mm_uword_key(mm, uaddr1, shared, false, key1);
	return rc ? rc : mm_uword_key(mm, uaddr2, shared, write, key2);
}

struct requeue {
	struct uword_key key1, key2;
	int nr_wake, nr_requeue;
	bool compare;		/* CMP_REQUEUE: the word at key1 must hold cmpval */
	uint32_t cmpval;
};

/* [both buckets' locks] Wake nr_wake waiters on key1, then move up to nr_requeue more to
 * key2: how many in all. */
static int requeue_locked(struct requeue *r, struct futex_bucket *b1, struct futex_bucket *b2)
{
	assert_held(&b1->lock);
	assert_held(&b2->lock);
	int n = 0;
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &b1->waiters) {
		if ((long)n - r->nr_wake >= r->nr_requeue)
			break;
		struct futex_q *q = list_entry(pos, struct futex_q, node);
		if (!key_eq(&q->key, &r->key1))
			continue;
		if (++n <= r->nr_wake) {
			wake_one(b1, q);
			continue;
		}
		if (b2 != b1) {
			list_del(&q->node);
			list_add_tail(&q->node, &b2->waiters);
			WRITE_ONCE(q->bucket, b2);
		}
		q->key = r->key2;
	}
	return n;
}

/* The requeue under both buckets' locks, after CMP_REQUEUE's comparison of *word (NULL for
 * FUTEX_REQUEUE, which reads no memory); mm_uword_locked's callback. */
static int requeue_checked(void *ctx, uint32_t *word)
{
	struct requeue *r = ctx;
	struct futex_bucket *b1 = bucket_of(&r->key1), *b2 = bucket_of(&r->key2);
	uint64_t f = lock_two(b1, b2);
	int rc = r->compare && __atomic_load_n(word, __ATOMIC_ACQUIRE) != r->cmpval ? -EAGAIN :
		 requeue_locked(r, b1, b2);
	unlock_two(b1, b2, f);
	return rc;
}

static long futex_requeue(uint64_t uaddr1, uint64_t uaddr2, bool shared, int nr_wake,
			  int nr_requeue, bool compare, uint32_t cmpval)
{
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	struct requeue r = { .nr_wake = nr_wake, .nr_requeue = nr_requeue, .compare = compare,
			     .cmpval = cmpval };
	struct mm *mm = current()->mm;
	int rc = two_keys(mm, uaddr1, uaddr2, shared, false, &r.key1, &r.key2);
	if (rc)
		return rc;
	return compare ? mm_uword_locked(mm, uaddr1, false, requeue_checked, &r) :
			 requeue_checked(&r, NULL);
}

static int32_t sign_extend12(uint32_t v)
{
	return (int32_t)(v << 20) >> 20;
}

/* FUTEX_WAKE_OP's operation on *word, atomic for every CPU, then the comparison of the old
 * value: 1 or 0, or -ENOSYS for an unknown comparison (the word changed all the same, as on
 * Linux). The caller checked the operation. */
static int futex_atomic_op(uint32_t encoded, uint32_t *word)
{
	int32_t oparg = sign_extend12(encoded >> 12 & 0xfff), cmparg = sign_extend12(encoded & 0xfff);
	if (encoded & (FUTEX_OP_OPARG_SHIFT << 28))
		oparg = (int32_t)(1u << (oparg & 31)); /* Linux: a shift beyond 31 is taken mod 32 */
	uint32_t arg = (uint32_t)oparg;
	int32_t old;
	switch (encoded >> 28 & 7) {
	case FUTEX_OP_SET:
		old = (int32_t)__atomic_exchange_n(word, arg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_ADD:
		old = (int32_t)__atomic_fetch_add(word, arg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_OR:
		old = (int32_t)__atomic_fetch_or(word, arg, __ATOMIC_SEQ_CST);
		break;
	case FUTEX_OP_ANDN:
		old = (int32_t)__atomic_fetch_and(word, ~arg, __ATOMIC_SEQ_CST);
		break;
	default: /* FUTEX_OP_XOR */
		old = (int32_t)__atomic_fetch_xor(word, arg, __ATOMIC_SEQ_CST);
		break;
	}
	switch (encoded >> 24 & 15) {
	case FUTEX_OP_CMP_EQ: return old == cmparg;
	case FUTEX_OP_CMP_NE: return old != cmparg;
	case FUTEX_OP_CMP_LT: return old < cmparg;
	case FUTEX_OP_CMP_LE: return old <= cmparg;
	case FUTEX_OP_CMP_GT: return old > cmparg;
	case FUTEX_OP_CMP_GE: return old >= cmparg;
	default: return -ENOSYS;
	}
}

struct wake_op {
	struct uword_key key1, key2;
	int nr_wake, nr_wake2;
	uint32_t op;
};

/* mm_uword_locked's callback for FUTEX_WAKE_OP: under both buckets' locks, the operation
 * on *word (uaddr2), the wake-ups on key1, and on key2 if the comparison held. */
static int wake_op_locked(void *ctx, uint32_t *word)
{
	struct wake_op *w = ctx;
	struct futex_bucket *b1 = bucket_of(&w->key1), *b2 = bucket_of(&w->key2);
	uint64_t f = lock_two(b1, b2);
	int cond = futex_atomic_op(w->op, word), n = cond;
	if (cond >= 0) {
		n = wake_waiters(b1, &w->key1, FUTEX_BITSET_MATCH_ANY, w->nr_wake);
		if (cond)
			n += wake_waiters(b2, &w->key2, FUTEX_BITSET_MATCH_ANY, w->nr_wake2);
	}
	unlock_two(b1, b2, f);
	return n;
}

static long futex_wake_op(uint64_t uaddr1, uint64_t uaddr2, bool shared, int nr_wake,
			  int nr_wake2, uint32_t op)
{
	struct wake_op w = { .nr_wake = nr_wake, .nr_wake2 = nr_wake2, .op = op };
	struct mm *mm = current()->mm;
	int rc = two_keys(mm, uaddr1, uaddr2, shared, true, &w.key1, &w.key2);
	if (rc)
		return rc;
	if ((op >> 28 & 7) > FUTEX_OP_XOR)
		return -ENOSYS;
	return mm_uword_locked(mm, uaddr2, true, wake_op_locked, &w);
}

/* The monotonic deadline of a wait's timeout of ns (Linux's futex_init_timeout): relative
 * for FUTEX_WAIT; absolute for FUTEX_WAIT_BITSET, on CLOCK_MONOTONIC or, with
 * FUTEX_CLOCK_REALTIME, CLOCK_REALTIME (fixed here: nothing sets the clock). */
static uint64_t deadline_of(int cmd, int op, int64_t ns)
{
	if (cmd == FUTEX_WAIT)
		return clock_ns() + (uint64_t)ns;
	if (!(op & FUTEX_CLOCK_REALTIME))
		return (uint64_t)ns;
	uint64_t epoch = rtc_boot_epoch_ns();
	return (uint64_t)ns > epoch ? (uint64_t)ns - epoch : 0;
}

/* Linux's do_futex, in its order of checks: the timeout (-EFAULT, -EINVAL), then
 * FUTEX_CLOCK_REALTIME off FUTEX_WAIT_BITSET and unknown operations (-ENOSYS). The
 * fourth argument is a count (val2), not a pointer, for the requeues and FUTEX_WAKE_OP. */
long sys_futex(uint64_t uaddr, int op, uint32_t val, const struct timespec *utime, uint64_t uaddr2,
	       uint32_t val3)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	uint64_t deadline = NO_DEADLINE;
	if (utime && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)) {
		int64_t ns;
		int rc = get_timespec_ns(utime, &ns);
		if (rc)
			return rc;
		deadline = deadline_of(cmd, op, ns);
	}
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	int val2 = (int)(uint64_t)utime;
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, shared, val, deadline, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, shared, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, shared, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, shared, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, uaddr2, shared, (int)val, val2, false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, shared, (int)val, val2, true, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, uaddr2, shared, (int)val, val2, val3);
	default: /* FUTEX_FD (gone since Linux 2.6.26), the PI operations, nonsense */
		return -ENOSYS;
	}
}

/* Robust futexes (set_robust_list): a lock word holds its owner's tid; when the owner dies
 * holding it, the kernel marks it FUTEX_OWNER_DIED and wakes a waiter, which then learns
 * (EOWNERDEAD) that the data may be half-changed. */
#define FUTEX_WAITERS      0x80000000u
#define FUTEX_OWNER_DIED   0x40000000u
#define FUTEX_TID_MASK     0x3fffffffu
#define ROBUST_LIST_LIMIT  2048	/* Linux's bound on a list walk (a loop in it ends there) */

struct robust_list_head {
	uint64_t next;		/* first entry (bit 0: PI lock); the head itself ends the list */
	int64_t futex_offset;	/* from an entry to its lock word */
	uint64_t pending;	/* an entry being added or removed, or 0 */
};

/* mm_uword_locked callback: the word of a lock the dying thread *ctx (a tid) owns gets
 * FUTEX_OWNER_DIED, keeping FUTEX_WAITERS. 1 if a waiter is to be woken, else 0. */
static int mark_owner_died(void *ctx, uint32_t *word)
{
	uint32_t tid = *(uint32_t *)ctx, old = __atomic_load_n(word, __ATOMIC_RELAXED);
	do {
		if ((old & FUTEX_TID_MASK) != tid)
			return 0;
	} while (!__atomic_compare_exchange_n(word, &old, (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
					      false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return (old & FUTEX_WAITERS) != 0;
}

static void owner_died(uint64_t uaddr, uint32_t tid)
{
	if (mm_uword_locked(current()->mm, uaddr, true, mark_owner_died, &tid) == 1)
		futex_wake(uaddr, true, 1, FUTEX_BITSET_MATCH_ANY); /* shared, as Linux */
}

void futex_exit_robust_list(void)
{
	struct task *t = current();
	struct robust_list_head head;
	if (!t->robust_list || !t->mm || copy_from_user(&head, (void *)t->robust_list, sizeof(head)))
		return;
	uint64_t entry = head.next & ~1UL;
	for (int n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;
		if (copy_from_user(&next, (void *)entry, sizeof(next)))
			return;
		if (entry != head.pending)
			owner_died(entry + head.futex_offset, t->pid);
		entry = next & ~1UL;
	}
	if (head.pending)
		owner_died((head.pending & ~1UL) + head.futex_offset, t->pid);
	t->robust_list = 0;
}

