/* Lock order: a wait queue's lock, then sched_lock (inside sched_prepare_sleep/sched_wake). */
#include "kernel/wait.h"
#include "kernel/sched.h"

void wait_queue_init(struct wait_queue *wq)
{
	spin_lock_init(&wq->lock, "wait_queue");
	list_init(&wq->waiters);
}

void wait_prepare(struct wait_queue *wq, struct wait_entry *e)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	if (e->task != current()) { /* first round: the entry is not queued yet */
		e->task = current();
		list_add_tail(&e->node, &wq->waiters);
	}
	sched_prepare_sleep();
	spin_unlock_irqrestore(&wq->lock, f);
}

void wait_finish(struct wait_queue *wq, struct wait_entry *e)
{
	sched_set_running();
	uint64_t f = spin_lock_irqsave(&wq->lock);
	list_del(&e->node);
	spin_unlock_irqrestore(&wq->lock, f);
}

void wake_up_first(struct wait_queue *wq, void (*give)(void *ctx, struct task *first, bool more),
		   void *ctx)
{
	uint64_t f = spin_lock_irqsave(&wq->lock);
	struct task *first = NULL;
	if (!list_empty(&wq->waiters))
		first = list_entry(wq->waiters.next, struct wait_entry, node)->task;
	give(ctx, first, first && wq->waiters.next->next != &wq->waiters);
	if (first)
		sched_wake(first);
	spin_unlock_irqrestore(&wq->lock, f);
}

void wake_up_all(struct wait_queue *wq)
{
	struct list_head *pos;
	uint64_t f = spin_lock_irqsave(&wq->lock);
	list_for_each(pos, &wq->waiters)
		sched_wake(list_entry(pos, struct wait_entry, node)->task);
	spin_unlock_irqrestore(&wq->lock, f);
}
