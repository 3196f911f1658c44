/* Kernel timers: a callback run from the timer tick once the monotonic clock (clock_ns())
 * has reached a deadline, Linux's hrtimer reduced to what this kernel needs.
 *
 * Pending timers sit in one red-black tree ordered by deadline, with the earliest cached,
 * so the tick looks at one node when nothing is due. Resolution is the tick (1 ms at HZ
 * 1000): a timer never runs before its deadline, and runs at the first tick after it.
 *
 * Locking: one IRQ-safe spinlock, timer_lock, guards every ktimer and the tree. Callbacks
 * run with it held (interrupts off, in the tick's interrupt), so a timer's owner that also
 * guards its own state with timer_lock (sys_timer.c does) never races its callback: once
 * timer_cancel() returned under the lock, the callback is not running and will not run,
 * on any CPU. timer_lock is taken before the scheduler's lock (a callback may wake or
 * signal a task) and never with it held. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "lib/rbtree.h"
#include "arch-x86_64/spinlock.h"

struct ktimer;
/* Called with timer_lock held, interrupts off, at the first tick at or after the deadline;
 * the timer is disarmed by then and may be re-armed (timer_arm) from here, for a deadline
 * after now_ns. Must not sleep. */
typedef void (*ktimer_fn)(struct ktimer *kt, uint64_t now_ns);

struct ktimer {
	struct rb_node node;	/* [timer_lock] in the tree while armed */
	uint64_t expires_ns;	/* [timer_lock] deadline on clock_ns() */
	bool armed;		/* [timer_lock] */
	ktimer_fn fn;		/* [const] */
};

extern spinlock_t timer_lock;

/* Prepare kt (disarmed) to run fn. */
void ktimer_init(struct ktimer *kt, ktimer_fn fn);
/* [timer_lock] Arm kt for expires_ns on clock_ns(), moving it if it was armed. */
void timer_arm(struct ktimer *kt, uint64_t expires_ns);
/* [timer_lock] Disarm kt if armed; afterwards its callback is neither running nor due. */
void timer_cancel(struct ktimer *kt);
/* [timer_lock] Whether kt is armed. */
static inline bool timer_armed(const struct ktimer *kt) { return kt->armed; }
/* The tick (the boot CPU's, interrupts off, no lock held): run every timer whose deadline
 * has passed. */
void timer_tick(void);

#endif
