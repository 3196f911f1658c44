/* Weighted round-robin scheduling. One run queue and one lock (sched_lock) guard every
 * task's state, the run queue and the sleep timers; per-CPU run queues replace them with
 * SMP.
 *
 * Shares: a task's quantum is SCHED_SLICE_MS scaled by the weight of its nice level
 * (Linux's table: nice 0 weighs 1024, each step about 1.25 times less or more), at least
 * one tick and at most SCHED_SLICE_MAX_MS. Busy tasks therefore share the CPU in the ratio
 * of their weights (a nice-5 task gets about a third of a nice-0 one's time), up to the
 * bounds. ksmd runs at nice 5, as on Linux.
 *
 * The guarantee: a runnable task runs within one quantum of each task queued ahead of it
 * (at most SCHED_SLICE_MAX_MS each), whatever the others do. A task that used up its
 * quantum is preempted whenever another is runnable, and gets a fresh quantum when none is
 * (so it is preempted again one quantum after somebody wakes); a task woken while the CPU
 * idles is switched to at once; queued tasks run in the order they became runnable.
 *
 * A context switch happens only inside schedule(), with sched_lock held and interrupts
 * off; the task switched to releases the lock (in its own schedule() frame, or in
 * sched_new_task_entry() the first time it runs). The timer interrupt preempts: sched_tick
 * marks the quantum used up and the interrupt exit path calls sched_preempt_if_needed(). */
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/sys_timer.h"
#include "arch-x86_64/context.h"
#include "arch-x86_64/processor.h"
#include "arch-x86_64/gdt.h"
#include "mm/addrspace.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "kernel/lock.h"

static spinlock_t sched_lock = SPINLOCK_INIT("sched");
static struct list_head run_queue = LIST_HEAD_INIT(run_queue);	 /* [sched_lock] FIFO */
static struct list_head sleep_timers = LIST_HEAD_INIT(sleep_timers); /* [sched_lock] earliest first */
static unsigned nr_runnable;		/* [sched_lock] */
static bool need_resched[MAX_CPUS];	/* [sched_lock] */
static struct task idle_tasks[MAX_CPUS];
static struct task *switched_from[MAX_CPUS]; /* the task a CPU just left (on_cpu clearing) */
/* A thread that exited with nobody to reap it (task->autoreap), just switched away from for
 * the last time: the CPU drops the tree's reference on it once out of sched_lock. */
static struct task *dead_thread[MAX_CPUS];

#define SCHED_SLICE_MAX_MS 100	/* the longest quantum, whatever the nice level */

/* Linux's weights of the nice levels -20..19 (sched_prio_to_weight): nice 0 is 1024. */
static const uint32_t nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
	110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
};

/* [sched_lock] t's quantum, ticks: SCHED_SLICE_MS weighted by its nice level, within
 * [1 tick, SCHED_SLICE_MAX_MS]. */
static unsigned slice_of(const struct task *t)
{
	uint64_t ticks = (uint64_t)SCHED_SLICE_MS * HZ / 1000 * nice_weight[t->nice + 20] / 1024;
	return MAX(1, MIN(ticks, (uint64_t)SCHED_SLICE_MAX_MS * HZ / 1000));
}

void sched_set_nice(struct task *t, int nice)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	t->nice = MAX(-20, MIN(nice, 19));
	spin_unlock_irqrestore(&sched_lock, f);
}

/* Called where a switch lands, with sched_lock held: note the task left if it is dead. */
static void note_switched_from(void)
{
	struct task *last = switched_from[this_cpu()->id];
	last->on_cpu = false;
	if (last->state == TASK_ZOMBIE && last->autoreap)
		dead_thread[this_cpu()->id] = last;
}

/* Out of sched_lock, after a switch: free the dead thread the switch left, if any. */
static void release_dead_thread(void)
{
	struct task *dead = __atomic_exchange_n(&dead_thread[this_cpu()->id], NULL, __ATOMIC_RELAXED);
	if (dead)
		task_put(dead);
}

/* Whole-system CPU time (/proc/stat), ns, and context switches: atomic. */
static uint64_t cpu_user_ns, cpu_system_ns, nr_switches;
/* Load averages over 1, 5 and 15 minutes, fixed point (LOAD_ONE = 1.0), as Linux computes
 * them: every 5 s, load = load * e + active * (1 - e). [sched_lock] */
#define LOAD_SHIFT 11
#define LOAD_ONE (1UL << LOAD_SHIFT)
#define LOAD_PERIOD_TICKS (5 * HZ)
static const uint64_t load_decay[3] = { 1884, 2014, 2037 }; /* 2048 / e^(5 s / 1, 5, 15 min) */
static uint64_t load_avg[3];
static uint64_t load_ticks;

extern char init_stack[]; /* boot.asm: the boot context's stack, KSTACK_SIZE bytes */

static uint64_t kstack_top(struct task *t) { return (uint64_t)t->kstack + KSTACK_SIZE; }
static struct task *idle_task(void) { return &idle_tasks[this_cpu()->id]; }

void sched_init(void)
{
	struct task *idle = idle_task();
	idle->pid = 0;
	task_set_name(idle, "idle");
	idle->state = TASK_RUNNING;
	idle->on_cpu = true;
	idle->kstack = init_stack;
	list_init(&idle->run_node);
	list_init(&idle->timer_node);
	list_init(&idle->threads);
	idle->group_leader = idle; /* every task leads its own group or another's */
	idle->account_from = clock_ns();
	this_cpu()->current = idle;
}

unsigned sched_nr_runnable(void)
{
	return READ_ONCE(nr_runnable);
}

uint64_t sched_idle_ns(void)
{
	uint64_t ns = 0;
	for (int i = 0; i < MAX_CPUS; i++)
		ns += READ_ONCE(idle_tasks[i].stime_ns);
	return ns;
}

/* [sched_lock] */
static void enqueue(struct task *t)
{
	assert_held(&sched_lock);
	t->state = TASK_RUNNABLE;
	list_add_tail(&t->run_node, &run_queue);
	nr_runnable++;
}

/* A sleeping task became runnable: an idle CPU switches to it at its next chance (the
 * end of the interrupt or system call in progress). [sched_lock] */
static void enqueue_woken(struct task *t)
{
	enqueue(t);
	if (current() == idle_task())
		need_resched[this_cpu()->id] = true;
}

/* [sched_lock], interrupts off. */
static void switch_to(struct task *prev, struct task *next)
{
	assert_held(&sched_lock);
	uint64_t now = clock_ns();
	prev->stime_ns += now - prev->account_from;
	if (prev != idle_task())
		__atomic_add_fetch(&cpu_system_ns, now - prev->account_from, __ATOMIC_RELAXED);
	__atomic_add_fetch(&nr_switches, 1, __ATOMIC_RELAXED);
	next->account_from = now;
	next->state = TASK_RUNNING;
	next->switches++;
	next->slice_ticks = slice_of(next);
	need_resched[this_cpu()->id] = false;
	if (prev == next)
		return;
	switch_user_state(prev, next); /* FPU registers, FS base */
	if (next->mm != prev->mm)
		mm_activate(next->mm);
	tss_set_rsp0(kstack_top(next));
	this_cpu()->kernel_rsp = kstack_top(next);
	this_cpu()->current = next;
	next->on_cpu = true;
	switched_from[this_cpu()->id] = prev;
	switch_context(&prev->saved_rsp, next->saved_rsp);
	/* Back in prev, later: whoever switched to us left its own task in switched_from. */
	note_switched_from();
}

/* [sched_lock] */
static struct task *pick_next(void)
{
	assert_held(&sched_lock);
	if (list_empty(&run_queue))
		return idle_task();
	struct task *t = list_first_entry(&run_queue, struct task, run_node);
	list_del(&t->run_node);
	nr_runnable--;
	return t;
}

void schedule(void)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	struct task *prev = current();
	if (prev->state == TASK_RUNNING && prev != idle_task())
		enqueue(prev);
	switch_to(prev, pick_next());
	spin_unlock_irqrestore(&sched_lock, f);
	release_dead_thread();
}

/* First code a new task runs (from context.asm), still holding sched_lock. */
void sched_new_task_entry(void)
{
	note_switched_from();
	spin_unlock(&sched_lock);
	irq_enable();
	release_dead_thread();
}

void sched_start(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	list_init(&t->timer_node);
	enqueue(t);
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_wake(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	if (t->state == TASK_SLEEPING) {
		list_del(&t->timer_node);
		enqueue_woken(t);
	}
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_prepare_sleep(void)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	current()->state = TASK_SLEEPING;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_set_running(void)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	struct task *t = current();
	if (t->state == TASK_RUNNABLE) { /* woken but not switched out yet: leave the queue */
		list_del(&t->run_node);
		nr_runnable--;
	}
	t->state = TASK_RUNNING;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_timer_sleep(uint64_t ns)
{
	struct task *t = current();
	uint64_t f = spin_lock_irqsave(&sched_lock);
	if (t->state == TASK_RUNNABLE) { /* a wait queue woke it before it slept: don't */
		list_del(&t->run_node);
		nr_runnable--;
		t->state = TASK_RUNNING;
		spin_unlock_irqrestore(&sched_lock, f);
		return;
	}
	/* A kill that came after the caller looked (a timer's signal, from the tick): its
	 * sched_wake() found the task running, so this sleep would miss it. */
	if (READ_ONCE(t->pending_kill)) {
		t->state = TASK_RUNNING;
		spin_unlock_irqrestore(&sched_lock, f);
		return;
	}
	struct list_head *pos;
	t->wake_at_ns = ns;
	list_for_each(pos, &sleep_timers)
		if (list_entry(pos, struct task, timer_node)->wake_at_ns > ns)
			break;
	list_add_tail(&t->timer_node, pos); /* before the first later timer */
	t->state = TASK_SLEEPING;
	spin_unlock_irqrestore(&sched_lock, f);
	schedule();
	f = spin_lock_irqsave(&sched_lock);
	list_del(&t->timer_node); /* woken early (a kill, a wait queue): the timer is still queued */
	list_init(&t->timer_node);
	t->state = TASK_RUNNING;
	spin_unlock_irqrestore(&sched_lock, f);
}

/* Sleep until ns, or until current is being killed (or, when interruptible, has any
 * signal to take): 0 or -EINTR. Marked sleeping before it looks, so that a sender's
 * sched_wake in between is not lost. */
static int sleep_until(uint64_t ns, bool interruptible)
{
	int rc = 0;
	for (;;) {
		sched_prepare_sleep();
		if (clock_ns() >= ns)
			break;
		if (interruptible ? signal_pending() : READ_ONCE(current()->pending_kill) != 0) {
			rc = -EINTR;
			break;
		}
		sched_timer_sleep(ns);
	}
	sched_set_running();
	return rc;
}

int sleep_until_ns(uint64_t ns) { return sleep_until(ns, false); }
int sleep_until_ns_interruptible(uint64_t ns) { return sleep_until(ns, true); }

int sleep_ms(uint64_t ms)
{
	return sleep_until_ns(clock_ns() + ms * 1000000);
}

void sched_tick(void)
{
	timer_tick(); /* kernel timers first: they may wake or signal tasks */
	timers_cpu_tick(current());
	spin_lock(&sched_lock); /* interrupts are off in the handler */
	uint64_t now = clock_ns();
	while (!list_empty(&sleep_timers)) {
		struct task *t = list_first_entry(&sleep_timers, struct task, timer_node);
		if (t->wake_at_ns > now)
			break;
		list_del(&t->timer_node);
		if (t->state == TASK_SLEEPING)
			enqueue_woken(t);
	}
	struct task *cur = current();
	if (++load_ticks % LOAD_PERIOD_TICKS == 0) {
		uint64_t active = (nr_runnable + (cur != idle_task())) * LOAD_ONE;
		for (int i = 0; i < 3; i++)
			load_avg[i] = (load_avg[i] * load_decay[i] + active * (LOAD_ONE - load_decay[i])) >> LOAD_SHIFT;
	}
	if (cur == idle_task()) {
		need_resched[this_cpu()->id] = !list_empty(&run_queue);
	} else if (cur->slice_ticks <= 1) {
		/* Quantum over: give way if anyone waits, else start a new one, so that a task
		 * woken later waits one quantum at most. */
		if (list_empty(&run_queue))
			cur->slice_ticks = slice_of(cur);
		else
			need_resched[this_cpu()->id] = true;
	} else {
		cur->slice_ticks--;
	}
	spin_unlock(&sched_lock);
}

void sched_preempt_if_needed(void)
{
	if (!need_resched[this_cpu()->id])
		return;
	uint64_t f = spin_lock_irqsave(&sched_lock);
	struct task *prev = current();
	/* Preempted on its way to sleep (after wait_prepare(), before its schedule()): it has
	 * not looked at its condition yet, which may hold already, so it must stay runnable;
	 * it goes to sleep in its own schedule() afterwards if the condition is still false. */
	if (prev->state == TASK_SLEEPING && prev != idle_task())
		enqueue(prev);
	spin_unlock_irqrestore(&sched_lock, f);
	schedule();
}

void sched_exit_current(void)
{
	irq_disable();
	schedule(); /* state is ZOMBIE: never enqueued again */
	panic("a zombie task was scheduled again");
}

__noreturn void sched_idle_loop(void)
{
	for (;;) {
		irq_disable();
		if (!list_empty(&run_queue)) {
			irq_enable();
			schedule();
			continue;
		}
		irq_enable_and_halt();
	}
}

void account_user_to_kernel(void)
{
	struct task *t = current();
	uint64_t now = clock_ns();
	t->utime_ns += now - t->account_from;
	__atomic_add_fetch(&cpu_user_ns, now - t->account_from, __ATOMIC_RELAXED);
	t->account_from = now;
}

void account_kernel_to_user(void)
{
	struct task *t = current();
	uint64_t now = clock_ns();
	t->stime_ns += now - t->account_from;
	__atomic_add_fetch(&cpu_system_ns, now - t->account_from, __ATOMIC_RELAXED);
	t->account_from = now;
}

void sched_cpu_times(struct cpu_times *ct)
{
	ct->user_ns = __atomic_load_n(&cpu_user_ns, __ATOMIC_RELAXED);
	ct->system_ns = __atomic_load_n(&cpu_system_ns, __ATOMIC_RELAXED);
	ct->idle_ns = sched_idle_ns();
	ct->switches = __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
	uint64_t f = spin_lock_irqsave(&sched_lock);
	for (int i = 0; i < 3; i++)
		ct->load_avg[i] = load_avg[i] * 100 >> LOAD_SHIFT;
	spin_unlock_irqrestore(&sched_lock, f);
}
