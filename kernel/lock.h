/* assert_held(&lock): a function's lock precondition, checked in every build. For a
 * spinlock, this CPU must hold it; for a mutex, the calling task. A failure panics at the
 * caller's file:line naming the lock. The lock rules themselves: docs/architecture.md,
 * "Locking". */
#ifndef KERNEL_LOCK_H
#define KERNEL_LOCK_H

#include "arch-x86_64/spinlock.h"
#include "kernel/mutex.h"
#include "kernel/printk.h"

static inline void spin_assert_held_at(spinlock_t *l, const char *file, int line)
{
	if (unlikely(!spin_held(l)))
		panic_at(file, line, "assert_held(%s): spinlock not held by this CPU", l->name);
}
static inline void mutex_assert_held_at(struct mutex *m, const char *file, int line)
{
	if (unlikely(!mutex_held(m)))
		panic_at(file, line, "assert_held(%s): mutex not held by this task", m->name);
}

#define assert_held(l) _Generic((l), \
	spinlock_t *: spin_assert_held_at, \
	struct mutex *: mutex_assert_held_at)((l), __FILE__, __LINE__)

#endif
