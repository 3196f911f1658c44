/* Sleeping locks, for state held across operations that may block (an address space while
 * a fault allocates memory or reads swap). Not for interrupt handlers. */
#ifndef MUTEX_H
#define MUTEX_H

#include "kernel/wait.h"

struct task;

struct mutex {
	spinlock_t lock;	/* guards owner */
	struct task *owner;	/* NULL when free */
	struct wait_queue waiters;
	const char *name;
};

#define MUTEX_INIT(m, n) { SPINLOCK_INIT(n), NULL, WAIT_QUEUE_INIT((m).waiters), n }

void mutex_init(struct mutex *m, const char *name);
/* Take m, sleeping while another task holds it. Not recursive (a second lock by the owner
 * panics). Not interruptible. */
void mutex_lock(struct mutex *m);
/* Take m if it is free: true on success. */
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
/* True if the calling task holds m (for assertions). */
bool mutex_held(struct mutex *m);

#endif
