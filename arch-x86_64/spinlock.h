/* Spinlocks that also disable interrupts on the local CPU, so one lock protects state shared
 * with interrupt handlers and with other CPUs. Ticket locks: a CPU takes the next ticket and
 * waits until the lock serves it, so waiters are served in the order they came (no CPU
 * starves under contention). Not recursive.
 *
 * Every spinlock is held with interrupts off (spin_lock_irqsave, or spin_lock where they
 * are off already: in a handler, or inside another irqsave): so a holder is never
 * preempted, which is what keeps a waiter on another CPU from spinning for a whole
 * quantum. The debug build checks it.
 *
 * Every build records the CPU that holds a lock, so assert_held() (kernel/lock.h) can check
 * a caller's lock precondition. The debug build (make DEBUG=1, LOCK_DEBUG) also tells the
 * lock-order checker (kernel/lockdep.h) of every acquisition with its file:line, and counts
 * the spinlocks each CPU holds (a sleeping lock must not be taken meanwhile). */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include "arch-x86_64/cpu.h"
#include "arch-x86_64/percpu.h"
#include "kernel/lockdep.h"
#include "arch-x86_64/smp_call.h"

typedef struct spinlock {
	uint16_t serving;	/* the ticket that holds, or may take, the lock */
	uint16_t next;		/* the ticket the next comer draws */
	int16_t owner;		/* the holding CPU's id, -1 when free */
	uint16_t lock_class;	/* the checker's class for name (LOCK_DEBUG), 0 until known */
	const char *name;	/* also the lock's class: locks of one name are ordered alike */
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, 0, -1, 0, n }

static inline void spin_lock_init(spinlock_t *l, const char *name)
{
	l->serving = l->next = 0;
	l->owner = -1;
	l->lock_class = 0;
	l->name = name;
}

/* Use spin_lock(): the macro passes the caller's file:line (for the debug checker). */
static inline void spin_lock_at(spinlock_t *l, const char *file, int line)
{
#ifdef LOCK_DEBUG
	if (read_rflags() & RFLAGS_IF)
		lockdep_spin_with_irqs_on(l->name, file, line);
	lockdep_acquire(&l->lock_class, l->name, l, LOCKDEP_SPIN, file, line);
#endif
	uint16_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket) {
		smp_run_calls(); /* the holder may be waiting for this CPU's TLB flush */
		cpu_relax();
	}
	l->owner = (int16_t)this_cpu()->id;
#ifdef LOCK_DEBUG
	this_cpu()->spin_held++;
#endif
}
#define spin_lock(l) spin_lock_at((l), __FILE__, __LINE__)

static inline void spin_unlock(spinlock_t *l)
{
#ifdef LOCK_DEBUG
	if (l->owner != this_cpu()->id)
		lockdep_bad_unlock(l->name, l->owner);
	this_cpu()->spin_held--;
	lockdep_release(l, LOCKDEP_SPIN);
#endif
	l->owner = -1;
	__atomic_store_n(&l->serving, (uint16_t)(l->serving + 1), __ATOMIC_RELEASE);
}
static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->serving, __ATOMIC_RELAXED) != __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}
/* True if this CPU holds l (for assertions: see assert_held() in kernel/lock.h). */
static inline bool spin_held(spinlock_t *l)
{
	return spin_is_locked(l) && READ_ONCE(l->owner) == this_cpu()->id;
}

/* Disable interrupts, take the lock; returns the flags for spin_unlock_irqrestore(). */
static inline uint64_t spin_lock_irqsave_at(spinlock_t *l, const char *file, int line)
{
	uint64_t f = irq_save();
	spin_lock_at(l, file, line);
	return f;
}
#define spin_lock_irqsave(l) spin_lock_irqsave_at((l), __FILE__, __LINE__)
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
