/* Sleeping locks, for state held across operations that may block (an address space while
 * a fault allocates memory or reads swap). Not for interrupt handlers, and never taken with
 * interrupts off or a spinlock held (the debug build panics if one is). */
#ifndef MUTEX_H
#define MUTEX_H

#include "kernel/wait.h"

struct task;

struct mutex {
	uintptr_t owner;	/* the holder (struct task *) | flag bits (mutex.c), 0 when free; atomic */
	struct wait_queue waiters; /* tasks sleeping until the holder unlocks */
	const char *name;	/* also the lock's class (kernel/lockdep.h) */
	uint16_t lock_class;	/* the checker's class for name (LOCK_DEBUG), 0 until known */
};

#define MUTEX_INIT(m, n) { 0, WAIT_QUEUE_INIT((m).waiters), n, 0 }

void mutex_init(struct mutex *m, const char *name);
/* Take m, sleeping while another task holds it. Not recursive (a second lock by the owner
 * panics). Not interruptible. The macro passes the caller's file:line (for the debug
 * build's lock checker). */
void mutex_lock_at(struct mutex *m, const char *file, int line);
#define mutex_lock(m) mutex_lock_at((m), __FILE__, __LINE__)
/* Take m if it is free: true on success. */
bool mutex_trylock_at(struct mutex *m, const char *file, int line);
#define mutex_trylock(m) mutex_trylock_at((m), __FILE__, __LINE__)
void mutex_unlock(struct mutex *m);
/* True if the calling task holds m (for assertions: see assert_held() in kernel/lock.h). */
bool mutex_held(struct mutex *m);

#endif
