/* Wait queues: a task sleeps until a condition holds; whoever makes it true wakes the queue. */
#ifndef WAIT_H
#define WAIT_H

#include "lib/compiler.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "arch-x86_64/spinlock.h"

struct task;
bool signal_pending(void); /* kernel/signal.h */

/* Guarded by its own lock; entries live on the sleepers' stacks. */
struct wait_queue {
	spinlock_t lock;
	struct list_head waiters;
};

struct wait_entry {
	struct task *task;
	struct list_head node;
};

#define WAIT_QUEUE_INIT(wq) { SPINLOCK_INIT("wait_queue"), LIST_HEAD_INIT((wq).waiters) }

void wait_queue_init(struct wait_queue *wq);
/* Queue current on wq and mark it sleeping; the caller then re-checks its condition and
 * calls schedule() if it still does not hold. */
void wait_prepare(struct wait_queue *wq, struct wait_entry *e);
/* Leave wq and mark current running again (after the condition held or a kill). */
void wait_finish(struct wait_queue *wq, struct wait_entry *e);
/* Make every task sleeping on wq runnable. Callable from interrupt handlers. */
void wake_up_all(struct wait_queue *wq);
/* Hand something to the first task queued on wq: under wq's lock, call
 * give(ctx, first, more) with that task (NULL if none) and whether others are queued
 * behind it, then make it runnable; one step, so no sleeper comes or goes in between.
 * For a lock's hand-off to its oldest waiter (kernel/mutex.c). */
void wake_up_first(struct wait_queue *wq, void (*give)(void *ctx, struct task *first, bool more),
		   void *ctx);

/* Sleep until cond is true, or until stop holds: 0, or err when stop ended it. cond is
 * evaluated after queueing, so a wake-up between the test and the sleep is never lost. */
#define wait_event_unless(wq, cond, stop, err) ({ \
	struct wait_entry __we = { .task = NULL }; \
	int __rc = 0; \
	for (;;) { \
		wait_prepare(&(wq), &__we); \
		if (cond) \
			break; \
		if (stop) { \
			__rc = (err); \
			break; \
		} \
		schedule(); \
	} \
	wait_finish(&(wq), &__we); \
	__rc; \
})

/* Sleep until cond is true, or until the task is being killed: 0 or -EINTR. */
#define wait_event_killable(wq, cond) wait_event_unless(wq, cond, current()->pending_kill, -EINTR)

/* Sleep until cond is true, or until a signal is to be taken (signal_pending, which a
 * kill is too): 0 or -ERESTARTSYS (the caller's system call restarts after a handler with
 * SA_RESTART, and returns -EINTR after one without). */
#define wait_event_interruptible(wq, cond) wait_event_unless(wq, cond, signal_pending(), -ERESTARTSYS)

/* Sleep until cond is true, kills or not: for waits that must not end early, such as for
 * a disk request whose buffer is on the waiter's stack. */
#define wait_event(wq, cond) do { \
	struct wait_entry __we = { .task = NULL }; \
	for (;;) { \
		wait_prepare(&(wq), &__we); \
		if (cond) \
			break; \
		schedule(); \
	} \
	wait_finish(&(wq), &__we); \
} while (0)

/* The same with a deadline on the monotonic clock: 0 when cond held, -ETIMEDOUT at the
 * deadline. Not killable (for kernel threads). */
#define wait_event_timeout(wq, cond, deadline_ns) ({ \
	struct wait_entry __we = { .task = NULL }; \
	uint64_t __deadline = (deadline_ns); \
	int __rc = 0; \
	for (;;) { \
		wait_prepare(&(wq), &__we); \
		if (cond) \
			break; \
		if (clock_ns() >= __deadline) { \
			__rc = -ETIMEDOUT; \
			break; \
		} \
		sched_timer_sleep(__deadline); \
	} \
	wait_finish(&(wq), &__we); \
	__rc; \
})

#endif
