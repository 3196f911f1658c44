/* Weighted round-robin scheduling on every CPU.
 *
 * Run queues: each CPU has its own FIFO of runnable tasks (struct run_queue) and picks only
 * from it, so a task keeps its CPU (its cache, its TLB entries) while it can. A task that
 * becomes runnable goes to a queue chosen by select_cpu(): a new task to the least loaded
 * CPU its affinity allows; a woken one back to the CPU it last ran on if that one idles,
 * else to the least loaded one (the same one on ties). Load is the tasks queued plus the
 * one running. An idle CPU pulls the first task it may run from the busiest queue, and a
 * CPU whose quantum ends pulls one when another is two tasks busier; a CPU that queues work
 * on another which idles sends it a reschedule IPI.
 *
 * One lock, sched_lock, guards every queue, every task's scheduling state and the sleep
 * timers: a deviation from Linux's lock per run queue that keeps wake-ups and migration
 * simple, at a cost that does not show with the few CPUs QEMU gives here
 * (docs/architecture.md).
 *
 * Shares: a task's quantum is SCHED_SLICE_MS scaled by the weight of its nice level
 * (Linux's table: nice 0 weighs 1024, each step about 1.25 times less or more), at least
 * one tick and at most SCHED_SLICE_MAX_MS. Busy tasks of one CPU therefore share it in the
 * ratio of their weights (a nice-5 task gets about a third of a nice-0 one's time), up to
 * the bounds. ksmd runs at nice 5, as on Linux.
 *
 * The guarantee, per CPU: a runnable task runs within one quantum of each task queued ahead
 * of it (at most SCHED_SLICE_MAX_MS each), whatever the others do. A task that used up its
 * quantum is preempted whenever another waits in its CPU's queue, and gets a fresh quantum
 * when none does; a task woken onto an idle CPU runs at once; queued tasks run in the order
 * they became runnable.
 *
 * A context switch happens only inside schedule(), with sched_lock held and interrupts
 * off; the task switched to releases the lock (in its own schedule() frame, or in
 * sched_new_task_entry() the first time it runs). A task stays on_cpu until the CPU that
 * left it is off its stack: no other CPU runs it before (a task woken on its way to sleep
 * is queued while still on_cpu; the CPU leaving it kicks the queue's CPU). The timer
 * interrupt preempts: sched_tick marks the quantum used up and the interrupt exit path
 * calls sched_preempt_if_needed(). */
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "kernel/timer.h"
#include "kernel/sys_timer.h"
#include "arch-x86_64/context.h"
#include "arch-x86_64/processor.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/smp.h"
#include "arch-x86_64/smp_call.h"
#include "mm/addrspace.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "kernel/lock.h"

static spinlock_t sched_lock = SPINLOCK_INIT("sched");

/* One CPU's scheduling state. */
struct run_queue {
	struct list_head queue;		/* [sched_lock] FIFO of RUNNABLE tasks with cpu here */
	unsigned nr_queued;		/* [sched_lock] its length */
	bool need_resched;		/* [sched_lock] switch at the next chance (its CPU reads
					 * it lock-free to decide to take the lock) */
	struct task idle;		/* the CPU's idle task */
	struct task *switched_from;	/* [its CPU] the task it just left (on_cpu clearing) */
	/* [its CPU] A thread that exited with nobody to reap it (task->autoreap), just left
	 * for the last time: the CPU drops the tree's reference on it once out of sched_lock. */
	struct task *dead_thread;
	uint64_t user_ns, system_ns;	/* [its CPU] CPU time by kind (/proc/stat), read
					 * lock-free */
};
static struct run_queue run_queues[MAX_CPUS];
static struct list_head sleep_timers = LIST_HEAD_INIT(sleep_timers); /* [sched_lock] earliest first */
static uint64_t nr_switches; /* atomic: context switches on every CPU */

#define SCHED_SLICE_MAX_MS 100	/* the longest quantum, whatever the nice level */

/* Linux's weights of the nice levels -20..19 (sched_prio_to_weight): nice 0 is 1024. */
static const uint32_t nice_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
	1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
	110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
};

static struct run_queue *this_rq(void) { return &run_queues[this_cpu()->id]; }
static struct task *idle_task(void) { return &this_rq()->idle; }
static bool cpu_idles(int cpu) { return cpus[cpu].current == &run_queues[cpu].idle; }

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

/* [sched_lock] Tasks queued on or running on cpu. */
static unsigned cpu_load(int cpu)
{
	return run_queues[cpu].nr_queued + !cpu_idles(cpu);
}

/* [sched_lock] Whether t may run on cpu (online, in its affinity). */
static bool cpu_allowed(const struct task *t, int cpu)
{
	return cpus[cpu].online && (t->cpus_allowed >> cpu & 1);
}

/* [sched_lock] Make cpu look at its queue: at once if it idles (this one at the end of the
 * interrupt or system call in progress, another through an IPI), else when its running
 * task's quantum ends. */
static void kick_if_idle(int cpu)
{
	assert_held(&sched_lock);
	struct run_queue *rq = &run_queues[cpu];
	if (!cpu_idles(cpu) || rq->need_resched)
		return;
	rq->need_resched = true;
	if (cpu != this_cpu()->id)
		smp_send_resched(cpu);
}

/* [sched_lock] The CPU whose queue t joins as it becomes runnable: its own while it is
 * still on a CPU (going to sleep, or preempted) and may stay; else the CPU it last ran on
 * if that one idles; else the least loaded one it may run on (its last on ties). */
/* [sched_lock] The least loaded CPU t may run on; prefer (-1: none) wins ties. */
static int least_loaded_cpu(const struct task *t, int prefer)
{
	int best = prefer >= 0 && cpu_allowed(t, prefer) ? prefer : -1;
	for (int i = 0; i < MAX_CPUS; i++)
		if (cpu_allowed(t, i) && (best < 0 || cpu_load(i) < cpu_load(best)))
			best = i;
	if (best < 0)
		panic("sched: task %d may run on no online CPU (mask %#lx)", t->pid, t->cpus_allowed);
	return best;
}

static int select_cpu(const struct task *t)
{
	int last = t->cpu;
	if (cpu_allowed(t, last) && (t->on_cpu || cpu_idles(last)))
		return last;
	return least_loaded_cpu(t, last);
}

/* [sched_lock] Queue t on cpu. */
static void enqueue_on(struct task *t, int cpu)
{
	assert_held(&sched_lock);
	t->state = TASK_RUNNABLE;
	t->cpu = cpu;
	list_add_tail(&t->run_node, &run_queues[cpu].queue);
	run_queues[cpu].nr_queued++;
	kick_if_idle(cpu);
}

static void enqueue(struct task *t)
{
	enqueue_on(t, select_cpu(t));
}

/* [sched_lock] Take t, RUNNABLE, off its queue. */
static void dequeue(struct task *t)
{
	assert_held(&sched_lock);
	list_del(&t->run_node);
	run_queues[t->cpu].nr_queued--;
}

/* Called where a switch lands, with sched_lock held: the task left is off this CPU's
 * stack now. A dead one is freed after the lock; one queued elsewhere meanwhile may run
 * there now. */
static void note_switched_from(void)
{
	struct run_queue *rq = this_rq();
	struct task *last = rq->switched_from;
	last->on_cpu = false;
	if (last->state == TASK_ZOMBIE && last->autoreap)
		rq->dead_thread = last;
	else if (last->state == TASK_RUNNABLE && last->cpu != this_cpu()->id)
		kick_if_idle(last->cpu);
}

/* Out of sched_lock, after a switch: free the dead thread the switch left, if any. */
static void release_dead_thread(void)
{
	struct task *dead = __atomic_exchange_n(&this_rq()->dead_thread, NULL, __ATOMIC_RELAXED);
	if (dead)
		task_put(dead);
}

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

/* This CPU's run queue and idle task, on the stack it runs on now (KSTACK_SIZE bytes at
 * stack). */
static void cpu_init(void *stack)
{
	struct run_queue *rq = this_rq();
	list_init(&rq->queue);
	struct task *idle = &rq->idle;
	idle->pid = 0;
	task_set_name(idle, "idle");
	idle->state = TASK_RUNNING;
	idle->on_cpu = true;
	idle->cpu = this_cpu()->id;
	idle->cpus_allowed = 1UL << idle->cpu;
	idle->kstack = stack;
	list_init(&idle->run_node);
	list_init(&idle->timer_node);
	list_init(&idle->threads);
	idle->group_leader = idle; /* every task leads its own group or another's */
	idle->account_from = clock_ns();
	this_cpu()->current = idle;
}

void sched_init(void)
{
	cpu_init(init_stack);
}

void sched_init_cpu(void *stack)
{
	cpu_init(stack);
}

/* [sched_lock] Tasks queued or running, on every CPU. */
static unsigned nr_active(void)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_CPUS; i++)
		n += run_queues[i].nr_queued + (cpus[i].online && !cpu_idles(i));
	return n;
}

unsigned sched_nr_running(void)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	unsigned n = nr_active();
	spin_unlock_irqrestore(&sched_lock, f);
	return n;
}

/* [sched_lock], interrupts off. */
static void switch_to(struct task *prev, struct task *next)
{
	assert_held(&sched_lock);
	struct run_queue *rq = this_rq();
	uint64_t now = clock_ns();
	prev->stime_ns += now - prev->account_from;
	if (prev != &rq->idle)
		rq->system_ns += now - prev->account_from;
	__atomic_add_fetch(&nr_switches, 1, __ATOMIC_RELAXED);
	next->account_from = now;
	next->state = TASK_RUNNING;
	next->switches++;
	next->slice_ticks = slice_of(next);
	next->cpu = this_cpu()->id;
	rq->need_resched = false;
	if (prev == next)
		return;
	switch_user_state(prev, next); /* FPU registers, FS base */
	if (next->mm != prev->mm)
		mm_activate(next->mm);
	tss_set_rsp0(kstack_top(next));
	this_cpu()->kernel_rsp = kstack_top(next);
	this_cpu()->current = next;
	next->on_cpu = true;
	rq->switched_from = prev;
	switch_context(&prev->saved_rsp, next->saved_rsp);
	/* Back in prev, later, maybe on another CPU: whoever switched to us left its own task
	 * in its switched_from. */
	note_switched_from();
}

/* [sched_lock] The first task of cpu's queue that this CPU may take (its running task, or
 * one off every CPU, allowed here), taken off the queue; NULL if none. */
static struct task *take_from(int cpu)
{
	int me = this_cpu()->id;
	struct list_head *pos;
	list_for_each(pos, &run_queues[cpu].queue) {
		struct task *t = list_entry(pos, struct task, run_node);
		if ((t->on_cpu && t != current()) || !cpu_allowed(t, me))
			continue;
		dequeue(t);
		return t;
	}
	return NULL;
}

/* [sched_lock] The other CPU with the most tasks queued, -1 if none has any. */
static int busiest_cpu(void)
{
	int best = -1;
	for (int i = 0; i < MAX_CPUS; i++)
		if (i != this_cpu()->id && run_queues[i].nr_queued &&
		    (best < 0 || run_queues[i].nr_queued > run_queues[best].nr_queued))
			best = i;
	return best;
}

/* [sched_lock] Move one task from CPU from's queue (-1: none) to this CPU's: true if one
 * came. */
static bool pull_task(int from)
{
	struct task *t = from < 0 ? NULL : take_from(from);
	if (!t)
		return false;
	enqueue_on(t, this_cpu()->id);
	return true;
}

/* [sched_lock] */
static struct task *pick_next(void)
{
	assert_held(&sched_lock);
	int me = this_cpu()->id;
	/* A task whose affinity no longer has this CPU goes where it may run. */
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &run_queues[me].queue) {
		struct task *t = list_entry(pos, struct task, run_node);
		if (!cpu_allowed(t, me)) {
			dequeue(t);
			enqueue(t);
		}
	}
	struct task *t = take_from(me);
	if (!t && pull_task(busiest_cpu()))
		t = take_from(me);
	return t ? t : idle_task();
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
	/* New work goes to the least loaded CPU, wherever its parent runs. */
	enqueue_on(t, least_loaded_cpu(t, -1));
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_wake(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	if (t->state == TASK_SLEEPING) {
		list_del(&t->timer_node);
		enqueue(t);
	}
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_kick(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&sched_lock);
	if (t->state == TASK_RUNNING && t->on_cpu && t->cpu != this_cpu()->id)
		smp_send_resched(t->cpu);
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
	if (t->state == TASK_RUNNABLE) /* woken but not switched out yet: leave the queue */
		dequeue(t);
	t->state = TASK_RUNNING;
	t->cpu = this_cpu()->id;
	spin_unlock_irqrestore(&sched_lock, f);
}

void sched_timer_sleep(uint64_t ns)
{
	struct task *t = current();
	uint64_t f = spin_lock_irqsave(&sched_lock);
	if (t->state == TASK_RUNNABLE) { /* a wait queue woke it before it slept: don't */
		dequeue(t);
		t->state = TASK_RUNNING;
		t->cpu = this_cpu()->id;
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

/* [sched_lock] The boot CPU's part of the tick: expired sleeps and the load averages. */
static void timekeeper_tick(void)
{
	uint64_t now = clock_ns();
	while (!list_empty(&sleep_timers)) {
		struct task *t = list_first_entry(&sleep_timers, struct task, timer_node);
		if (t->wake_at_ns > now)
			break;
		list_del(&t->timer_node);
		if (t->state == TASK_SLEEPING)
			enqueue(t);
	}
	if (++load_ticks % LOAD_PERIOD_TICKS == 0) {
		uint64_t active = nr_active();
		for (int i = 0; i < 3; i++)
			load_avg[i] = (load_avg[i] * load_decay[i] + active * LOAD_ONE * (LOAD_ONE - load_decay[i])) >> LOAD_SHIFT;
	}
}

void sched_tick(void)
{
	int me = this_cpu()->id;
	if (me == 0)
		timer_tick(); /* kernel timers first: they may wake or signal tasks */
	timers_cpu_tick(current());
	spin_lock(&sched_lock); /* interrupts are off in the handler */
	if (me == 0)
		timekeeper_tick();
	struct run_queue *rq = this_rq();
	struct task *cur = current();
	if (cur == idle_task()) {
		/* Idle with work queued elsewhere (a safety net: enqueue() prefers idle CPUs). */
		rq->need_resched = rq->nr_queued || busiest_cpu() >= 0;
	} else if (cur->slice_ticks <= 1) {
		/* Quantum over: balance, then give way if anyone waits, else start a new one, so
		 * that a task queued later waits one quantum at most. */
		int from = busiest_cpu();
		if (from >= 0 && cpu_load(from) >= cpu_load(me) + 2)
			pull_task(from);
		if (rq->nr_queued)
			rq->need_resched = true;
		else
			cur->slice_ticks = slice_of(cur);
	} else {
		cur->slice_ticks--;
	}
	spin_unlock(&sched_lock);
}

void sched_preempt_if_needed(void)
{
	if (!READ_ONCE(this_rq()->need_resched))
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
	struct run_queue *rq = this_rq();
	for (;;) {
		irq_disable();
		if (READ_ONCE(rq->need_resched) || READ_ONCE(rq->nr_queued)) {
			irq_enable();
			schedule();
			continue;
		}
		irq_enable_and_halt(); /* an IPI from enqueue_on() or the tick wakes it */
	}
}

long sched_set_affinity(struct task *t, uint64_t mask)
{
	if (!(mask & smp_online_mask()))
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&sched_lock);
	t->cpus_allowed = mask;
	bool move_self = false;
	if (t->state == TASK_RUNNABLE && !t->on_cpu && !cpu_allowed(t, t->cpu)) {
		dequeue(t);
		enqueue(t);
	} else if (t->on_cpu && !cpu_allowed(t, t->cpu)) {
		/* Running where it may no longer: its next schedule() queues it elsewhere. */
		if (t == current()) {
			move_self = true;
		} else {
			run_queues[t->cpu].need_resched = true;
			smp_send_resched(t->cpu);
		}
	}
	spin_unlock_irqrestore(&sched_lock, f);
	if (move_self)
		schedule();
	return 0;
}

void account_user_to_kernel(void)
{
	struct task *t = current();
	uint64_t now = clock_ns();
	t->utime_ns += now - t->account_from;
	this_rq()->user_ns += now - t->account_from;
	t->account_from = now;
}

void account_kernel_to_user(void)
{
	struct task *t = current();
	uint64_t now = clock_ns();
	t->stime_ns += now - t->account_from;
	this_rq()->system_ns += now - t->account_from;
	t->account_from = now;
}

uint64_t sched_idle_ns(void)
{
	uint64_t ns = 0;
	for (int i = 0; i < MAX_CPUS; i++)
		ns += READ_ONCE(run_queues[i].idle.stime_ns);
	return ns;
}

void sched_cpu_times(int cpu, struct cpu_times *ct)
{
	*ct = (struct cpu_times){ 0 };
	for (int i = 0; i < MAX_CPUS; i++) {
		if (cpu >= 0 && i != cpu)
			continue;
		ct->user_ns += READ_ONCE(run_queues[i].user_ns);
		ct->system_ns += READ_ONCE(run_queues[i].system_ns);
		ct->idle_ns += READ_ONCE(run_queues[i].idle.stime_ns);
	}
	ct->switches = __atomic_load_n(&nr_switches, __ATOMIC_RELAXED);
	uint64_t f = spin_lock_irqsave(&sched_lock);
	for (int i = 0; i < 3; i++)
		ct->load_avg[i] = load_avg[i] * 100 >> LOAD_SHIFT;
	spin_unlock_irqrestore(&sched_lock, f);
}
