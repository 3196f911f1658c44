/* Sleeping locks. The owner word is the whole lock: the holder's task pointer, or 0 when
 * free, with two flag bits: MUTEX_WAITERS while a task may be sleeping on the wait queue,
 * MUTEX_HANDOFF when a waiter asks for the lock to be handed to it. An uncontended lock
 * and unlock are one compare-and-swap each, with interrupts left alone: under TCG every
 * interrupt re-enable ends a translation block, and these locks are on the fault path.
 *
 * A waiter queues itself before it sets MUTEX_WAITERS, so an unlock that finds no flag
 * has nobody to wake. Otherwise the unlock wakes the oldest waiter; the lock is then free
 * for whoever takes it first, the unlocking task included, which keeps a task that takes
 * and drops a lock page after page (a fault run, ksmd) from switching at every page. But a
 * woken waiter that finds the lock taken again once it has waited MUTEX_HANDOFF_NS sets
 * MUTEX_HANDOFF, and the next unlock gives the lock straight to the oldest waiter (Linux's
 * mutexes do so after one lost wake-up): nobody waits much longer than that. Without it a
 * program needing its mm's lock waited up to 31 s beside ksmd at sleep_millisecs 0; with a
 * hand-off at every contended unlock, kswapd and a program faulting pages back from swap
 * took turns at every page, and swap-in ran at half its speed. */
#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "kernel/clock.h"

#define MUTEX_WAITERS 1UL
#define MUTEX_HANDOFF 2UL
#define MUTEX_FLAGS (MUTEX_WAITERS | MUTEX_HANDOFF)
#define MUTEX_HANDOFF_NS 2000000	/* how long a waiter lets others take the lock first */

void mutex_init(struct mutex *m, const char *name)
{
	m->owner = 0;
	wait_queue_init(&m->waiters);
	m->name = name;
	m->lock_class = 0;
}

static uintptr_t owner_task(uintptr_t word) { return word & ~MUTEX_FLAGS; }

static bool cas_owner(struct mutex *m, uintptr_t *expected, uintptr_t desired)
{
	return __atomic_compare_exchange_n(&m->owner, expected, desired, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* One attempt to take m for a task queued on m->waiters: true if taken (or handed over by
 * the last holder); otherwise MUTEX_WAITERS is set, and MUTEX_HANDOFF too when the caller
 * was woken for this lock and lost it again (want_handoff), so the holder's unlock will
 * wake it, or hand it the lock. */
static bool mutex_grab_or_flag(struct mutex *m, bool want_handoff)
{
	uintptr_t me = (uintptr_t)current();
	uintptr_t old = READ_ONCE(m->owner);
	for (;;) {
		if (owner_task(old) == me)
			return true;
		/* Taking a free lock keeps MUTEX_WAITERS: other waiters may still sleep. (A
		 * free lock never carries MUTEX_HANDOFF: a hand-off unlock never frees it.) */
		uintptr_t want = owner_task(old) ? old | MUTEX_WAITERS | (want_handoff ? MUTEX_HANDOFF : 0)
						 : me | (old & MUTEX_WAITERS);
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
	uint64_t since = clock_ns();
	bool woken = false;
	for (;;) {
		wait_prepare(&m->waiters, &e);
		if (mutex_grab_or_flag(m, woken && clock_ns() - since >= MUTEX_HANDOFF_NS))
			break;
		schedule();
		woken = true;
	}
	wait_finish(&m->waiters, &e);
}

/* wake_up_first's step, under the waiters' lock: the oldest waiter becomes the holder
 * (MUTEX_HANDOFF) or may take the freed lock; MUTEX_WAITERS stays while others wait. */
static void release_to(void *ctx, struct task *first, bool more)
{
	struct mutex *m = ctx;
	uintptr_t word = READ_ONCE(m->owner);
	uintptr_t rest = more ? MUTEX_WAITERS : 0;
	if (!first)
		word = 0;
	else if (word & MUTEX_HANDOFF)
		word = (uintptr_t)first | rest;
	else
		word = rest;
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
	wake_up_first(&m->waiters, release_to, m);
}

bool mutex_held(struct mutex *m)
{
	return owner_task(READ_ONCE(m->owner)) == (uintptr_t)current();
}
