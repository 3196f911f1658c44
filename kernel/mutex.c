/* Sleeping locks. The owner word is the whole lock: the holder's task pointer, or 0 when
 * free, with bit 0 (MUTEX_WAITERS) set while a task may be sleeping on the wait queue.
 * An uncontended lock and unlock are one compare-and-swap each, with interrupts left
 * alone: under TCG every interrupt re-enable ends a translation block, and these locks are
 * on the fault path.
 *
 * A waiter queues itself before it sets MUTEX_WAITERS, so an unlock that finds the bit
 * clear has nobody to wake. An unlock that finds it set hands the lock to the oldest
 * waiter: it writes that task into the owner word (with the bit again if others still
 * wait) and wakes it. Without the hand-off a task that unlocks and locks again at once
 * (ksmd between two pages, at sleep_millisecs 0) takes the lock back before the woken
 * waiter runs, and a program that needs its mm's lock could wait for seconds. */
#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/printk.h"

#define MUTEX_WAITERS 1UL

void mutex_init(struct mutex *m, const char *name)
{
	m->owner = 0;
	wait_queue_init(&m->waiters);
	m->name = name;
	m->lock_class = 0;
}

static uintptr_t owner_task(uintptr_t word) { return word & ~MUTEX_WAITERS; }

static bool cas_owner(struct mutex *m, uintptr_t *expected, uintptr_t desired)
{
	return __atomic_compare_exchange_n(&m->owner, expected, desired, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* One attempt to take m for a task queued on m->waiters: true if taken (or handed over
 * by the last holder); otherwise MUTEX_WAITERS is set, so the holder's unlock will hand it
 * over. */
static bool mutex_grab_or_flag(struct mutex *m)
{
	uintptr_t me = (uintptr_t)current();
	uintptr_t old = READ_ONCE(m->owner);
	for (;;) {
		if (owner_task(old) == me)
			return true;
		/* Taking a free lock keeps the bit: other waiters may still sleep. */
		uintptr_t want = owner_task(old) ? old | MUTEX_WAITERS : me | (old & MUTEX_WAITERS);
		if (cas_owner(m, &old, want))
			return !owner_task(old);
	}
}

bool mutex_trylock_at(struct mutex *m, const char *file, int line)
{
	uintptr_t free = 0;
	bool got = cas_owner(m, &free, (uintptr_t)current());
#ifdef LOCK_DEBUG
	if (got)
		lockdep_acquire_try(&m->lock_class, m->name, m, LOCKDEP_MUTEX, file, line);
#else
	(void)file, (void)line;
#endif
	return got;
}

void mutex_lock_at(struct mutex *m, const char *file, int line)
{
	if (mutex_held(m))
		panic_at(file, line, "mutex %s: recursive lock by %s", m->name, current()->name);
#ifdef LOCK_DEBUG
	lockdep_might_sleep(m->name, file, line);
	lockdep_acquire(&m->lock_class, m->name, m, LOCKDEP_MUTEX, file, line);
#endif
	uintptr_t free = 0;
	if (cas_owner(m, &free, (uintptr_t)current()))
		return;
	struct wait_entry e = { .task = NULL };
	for (;;) {
		wait_prepare(&m->waiters, &e);
		if (mutex_grab_or_flag(m))
			break;
		schedule();
	}
	wait_finish(&m->waiters, &e);
}

/* wake_up_first's step, under the waiters' lock: the oldest waiter becomes the holder. */
static void hand_over(void *ctx, struct task *first, bool more)
{
	struct mutex *m = ctx;
	uintptr_t word = first ? (uintptr_t)first | (more ? MUTEX_WAITERS : 0) : 0;
	__atomic_store_n(&m->owner, word, __ATOMIC_RELEASE);
}

void mutex_unlock(struct mutex *m)
{
	uintptr_t me = (uintptr_t)current();
	BUG_ON(owner_task(READ_ONCE(m->owner)) != me);
#ifdef LOCK_DEBUG
	lockdep_release(m, LOCKDEP_MUTEX);
#endif
	if (__atomic_compare_exchange_n(&m->owner, &me, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return;
	wake_up_first(&m->waiters, hand_over, m);
}

bool mutex_held(struct mutex *m)
{
	return owner_task(READ_ONCE(m->owner)) == (uintptr_t)current();
}
