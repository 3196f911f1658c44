#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/printk.h"

void mutex_init(struct mutex *m, const char *name)
{
	spin_lock_init(&m->lock, "mutex");
	m->owner = NULL;
	wait_queue_init(&m->waiters);
	m->name = name;
	m->lock_class = 0;
}

/* Take m if free, without telling the checker. */
static bool mutex_grab(struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&m->lock);
	bool got = m->owner == NULL;
	if (got)
		m->owner = current();
	spin_unlock_irqrestore(&m->lock, f);
	return got;
}

bool mutex_trylock_at(struct mutex *m, const char *file, int line)
{
	bool got = mutex_grab(m);
#ifdef LOCK_DEBUG
	if (got)
		lockdep_acquire_try(&m->lock_class, m->name, m, LOCKDEP_MUTEX, file, line);
#endif
	return got;
}

void mutex_lock_at(struct mutex *m, const char *file, int line)
{
	if (m->owner == current())
		panic_at(file, line, "mutex %s: recursive lock by %s", m->name, current()->name);
#ifdef LOCK_DEBUG
	lockdep_might_sleep(m->name, file, line);
	lockdep_acquire(&m->lock_class, m->name, m, LOCKDEP_MUTEX, file, line);
#endif
	while (!mutex_grab(m)) {
		struct wait_entry e = { .task = NULL };
		wait_prepare(&m->waiters, &e);
		if (READ_ONCE(m->owner))
			schedule();
		wait_finish(&m->waiters, &e);
	}
}

void mutex_unlock(struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&m->lock);
	BUG_ON(m->owner != current());
	m->owner = NULL;
	spin_unlock_irqrestore(&m->lock, f);
#ifdef LOCK_DEBUG
	lockdep_release(m, LOCKDEP_MUTEX);
#endif
	wake_up_all(&m->waiters);
}

bool mutex_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == current();
}
