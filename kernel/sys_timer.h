/* A process's timers (kernel/sys_timer.c: alarm, setitimer/getitimer, the POSIX timer
 * calls): the hooks of the process life cycle and of the tick. A forked child starts with
 * none (its task struct starts zeroed), as on Linux. */
#ifndef KERNEL_SYS_TIMER_H
#define KERNEL_SYS_TIMER_H

struct task;

/* execve of t (current), past the point of no return: its POSIX timers are deleted; the
 * interval timers (alarm among them) go on, as on Linux. */
void timers_exec(struct task *t);
/* The end of t's process (t its leader, after its last thread): every timer deleted and
 * freed; none fires into t afterwards. Takes timer_lock: not under task_lock. */
void timers_exit(struct task *t);
/* execve from a thread: the process's timers go from its old leader to the new one. */
void timers_move(struct task *from, struct task *to);
/* The tick (interrupts off, no lock held) found t running: fire its CPU-time timers
 * (ITIMER_VIRTUAL, ITIMER_PROF, POSIX timers on its CPU clocks) that are due. */
void timers_cpu_tick(struct task *t);

#endif
