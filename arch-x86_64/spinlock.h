/* Spinlocks that also disable interrupts on the local CPU, so one lock protects state shared
 * with interrupt handlers and (later) with other CPUs. Not recursive. */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H

#include "arch-x86_64/cpu.h"

typedef struct spinlock {
	volatile uint32_t locked;
	const char *name;
} spinlock_t;

#define SPINLOCK_INIT(n) { 0, n }

static inline void spin_lock_init(spinlock_t *l, const char *name) { l->locked = 0; l->name = name; }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(l->locked))
			cpu_relax();
}
static inline void spin_unlock(spinlock_t *l) { __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE); }
static inline bool spin_is_locked(spinlock_t *l) { return READ_ONCE(l->locked); }

/* Disable interrupts, take the lock; returns the flags for spin_unlock_irqrestore(). */
static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t f = irq_save();
	spin_lock(l);
	return f;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
