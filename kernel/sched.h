/* The scheduler: preemptive weighted round-robin, one run queue per CPU (sched.c). */
#ifndef SCHED_H
#define SCHED_H

#include "kernel/task.h"

#define SCHED_SLICE_MS 10	/* a task's quantum before the timer preempts it */

struct trap_frame; /* the arch's (arch-x86_64/trap.h): only passed on */

/* Turn the boot context into CPU 0's idle task; tasks can be created afterwards. */
void sched_init(void);
/* An application processor's idle task, on the stack it runs on (KSTACK_SIZE bytes at
 * stack): its scheduling starts. Once per AP, interrupts off. */
void sched_init_cpu(void *stack);
/* The idle loop of this CPU (the boot context ends here). */
__noreturn void sched_idle_loop(void);
/* Give up the CPU. A running task stays runnable; one marked sleeping stays off the run
 * queue until sched_wake(). Must not be called with a spinlock held. */
void schedule(void);
/* Make a new task runnable for the first time. */
void sched_start(struct task *t);
/* Wake t if it is sleeping (from a wait queue or a timer); no-op otherwise. IRQ-safe. */
void sched_wake(struct task *t);
/* If t runs on another CPU, interrupt it (an IPI) so that it looks at its signals on its
 * way back to user mode now rather than at its next tick. IRQ-safe. */
void sched_kick(struct task *t);
/* Let t run only on the CPUs of mask (bit n: CPU n; offline ones ignored): -EINVAL if
 * none is online, else 0 once t is queued where it may run (if t is current, once it
 * runs there; another running task moves at its next switch). Takes sched_lock; no
 * spinlock held. */
long sched_set_affinity(struct task *t, uint64_t mask);
/* t's nice level (clamped to -20..19), which weighs its quantum. Takes sched_lock. */
void sched_set_nice(struct task *t, int nice);
/* Mark current sleeping (under the scheduler lock); schedule() then switches away. */
void sched_prepare_sleep(void);
/* Mark current running again after a wait that ended without switching away. */
void sched_set_running(void);
/* Sleep for at least ms milliseconds; returns -EINTR early if the task is being killed. */
int sleep_ms(uint64_t ms);
/* Sleep until the monotonic clock reaches ns (or a kill): 0 or -EINTR. */
int sleep_until_ns(uint64_t ns);
/* The same, ended early by any signal to take (signal_pending): 0 or -EINTR. */
int sleep_until_ns_interruptible(uint64_t ns);
/* Sleep once until ns or until someone wakes the task (sched_wake, a wait queue it is on);
 * not at all if it is being killed: the building block of timed waits. */
void sched_timer_sleep(uint64_t ns);
/* Timer interrupt hook: CPU-time sampling, expired sleeps, quantum. */
void sched_tick(void);
/* Switch away now if the quantum is over or a task with a better claim woke (called on the
 * way out of an interrupt when interrupts were on in the interrupted code, and by kernel
 * loops that run on between batches, like Linux's cond_resched). No spinlock held. */
void sched_preempt_if_needed(void);
/* Remove a task that has become a zombie from the run queue bookkeeping and switch away
 * for good. */
__noreturn void sched_exit_current(void);
/* What /proc/stat and /proc/loadavg show: CPU time by kind (ns, all CPUs), context
 * switches, and the 1, 5 and 15-minute load averages in hundredths. */
struct cpu_times {
	uint64_t user_ns, system_ns, idle_ns, switches;
	uint64_t load_avg[3];
};
void sched_cpu_times(int cpu, struct cpu_times *ct); /* cpu -1: all CPUs; lock-free but the averages */
/* Time the CPUs spent idle, ns (/proc/uptime). */
uint64_t sched_idle_ns(void);
/* Tasks running or queued on every CPU (/proc/loadavg, /proc/stat). Takes sched_lock. */
unsigned sched_nr_running(void);

/* CPU-time accounting at the kernel/user boundary (trap and syscall entry and exit). */
void account_user_to_kernel(void);
void account_kernel_to_user(void);

#endif
