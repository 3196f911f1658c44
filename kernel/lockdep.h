/* The lock-order checker of the debug build (make DEBUG=1 defines LOCK_DEBUG), after
 * Linux's lockdep, much reduced. Every lock belongs to a class, its name: all the mm locks
 * are one class, the buddy allocator's another. The checker learns at run time which class
 * was taken while another was held ("A before B", with both acquisition sites, file:line)
 * and panics, printing the sites of both orders, when a lock is taken in the opposite order
 * to one seen before, directly or through a chain (A before B before C, then A inside C).
 * Locks of one class taken inside each other are not checked against each other.
 *
 * It also refuses a sleeping lock (a mutex) taken with interrupts off or a spinlock held.
 * The lock calls themselves (arch-x86_64/spinlock.h, kernel/mutex.c) call these hooks;
 * nothing else needs to. In a release build none of this is compiled. */
#ifndef KERNEL_LOCKDEP_H
#define KERNEL_LOCKDEP_H

#include "lib/compiler.h"

enum lockdep_kind { LOCKDEP_SPIN, LOCKDEP_MUTEX };

#ifdef LOCK_DEBUG
/* Where the locks a task holds are kept (struct task's lockdep field): mutexes only, since
 * they are held across sleeps; spinlocks are kept per CPU (one may be released by the task
 * switched to, as sched_lock is). */
#define LOCKDEP_TASK_DEPTH 8
struct lockdep_held {
	const void *lock;
	const char *file;
	int line;
	uint16_t lock_class;
};
struct lockdep_task {
	struct lockdep_held held[LOCKDEP_TASK_DEPTH];
	int depth;
};

/* A lock of class *cls (0: look the class of name up and cache it there) is about to be
 * taken at file:line: check the order against the locks held, learn the new orders, and
 * record it as held. trylock: the caller does not wait, so the order is not checked (a
 * trylock cannot deadlock) and nothing is learnt, but the lock is recorded as held. */
void lockdep_acquire(uint16_t *cls, const char *name, const void *lock, enum lockdep_kind kind,
		     const char *file, int line);
void lockdep_acquire_try(uint16_t *cls, const char *name, const void *lock,
			 enum lockdep_kind kind, const char *file, int line);
/* lock is no longer held. */
void lockdep_release(const void *lock, enum lockdep_kind kind);
/* The spinlock named name is about to be taken at file:line with interrupts on: panics
 * (every spinlock is held with interrupts off, arch-x86_64/spinlock.h). */
void lockdep_spin_with_irqs_on(const char *name, const char *file, int line);
/* A sleeping lock named name is about to be taken at file:line: panics if interrupts are
 * off or this CPU holds a spinlock (naming the innermost and where it was taken). */
void lockdep_might_sleep(const char *name, const char *file, int line);
/* A spinlock was released by a CPU other than its owner (or while free): panics. */
__noreturn void lockdep_bad_unlock(const char *name, int owner);
/* Print (printk) every order learnt so far, one "A before B" line each with its sites,
 * and the counts; the shell's `lockcheck orders`. */
void lockdep_print_orders(void);
/* Stop checking (a panic is under way: the report must not trip over its own locks). */
void lockdep_off(void);
#endif

#endif
