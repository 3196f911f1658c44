#include "kernel/mutex.h"
#include "kernel/sched.h"
#include "kernel/printk.h"

void mutex_init(struct mutex *m, const char *name)
{
	spin_lock_init(&m->lock, name);
	m->owner = NULL;
	wait_queue_init(&m->waiters);
	m->name = name;
}

bool mutex_trylock(struct mutex *m)
{
	uint64_t f = spin_lock_irqsave(&m->lock);
	bool got = m->owner == NULL;
	if (got)
		m->owner = current();
	spin_unlock_irqrestore(&m->lock, f);
	return got;
}

void mutex_lock(struct mutex *m)
{
	if (m->owner == current())
		panic("mutex %s: recursive lock by %s", m->name, current()->name);
	while (!mutex_trylock(m)) {
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
	wake_up_all(&m->waiters);
}

bool mutex_held(struct mutex *m)
{
	return READ_ONCE(m->owner) == current();
}
