/* Kernel timers (the design and the lock: kernel/timer.h). */
#include "kernel/timer.h"
#include "kernel/clock.h"
#include "kernel/lock.h"

spinlock_t timer_lock = SPINLOCK_INIT("timers");
static struct rb_root pending = RB_ROOT;	/* [timer_lock] by deadline, ties in arming order */
static struct ktimer *earliest;			/* [timer_lock] pending's first, or NULL */

void ktimer_init(struct ktimer *kt, ktimer_fn fn)
{
	kt->armed = false;
	kt->expires_ns = 0;
	kt->fn = fn;
}

void timer_cancel(struct ktimer *kt)
{
	assert_held(&timer_lock);
	if (!kt->armed)
		return;
	if (earliest == kt) {
		struct rb_node *next = rb_next(&kt->node);
		earliest = next ? rb_entry(next, struct ktimer, node) : NULL;
	}
	rb_erase(&kt->node, &pending);
	kt->armed = false;
}

void timer_arm(struct ktimer *kt, uint64_t expires_ns)
{
	assert_held(&timer_lock);
	timer_cancel(kt);
	struct rb_node **link = &pending.node, *parent = NULL;
	bool leftmost = true;
	while (*link) {
		parent = *link;
		if (expires_ns < rb_entry(parent, struct ktimer, node)->expires_ns) {
			link = &parent->left;
		} else {
			link = &parent->right;
			leftmost = false;
		}
	}
	kt->expires_ns = expires_ns;
	rb_link_node(&kt->node, parent, link);
	rb_insert_color(&kt->node, &pending);
	kt->armed = true;
	if (leftmost)
		earliest = kt;
}

void timer_tick(void)
{
	spin_lock(&timer_lock); /* interrupts are off in the handler */
	uint64_t now = clock_ns();
	while (earliest && earliest->expires_ns <= now) {
		struct ktimer *kt = earliest;
		timer_cancel(kt);
		kt->fn(kt, now); /* may re-arm kt, always later than now */
	}
	spin_unlock(&timer_lock);
}
