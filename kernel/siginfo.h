/* What a signal carries beyond its number (kernel/signal.h has the rest): in its own
 * header because struct task keeps one for each pending signal. */
#ifndef KERNEL_SIGINFO_H
#define KERNEL_SIGINFO_H

#include "lib/compiler.h"

#define NSIG 65	/* signals 1..64 */

/* The siginfo fields a signal's si_code uses. */
struct ksiginfo {
	int32_t code;
	int32_t pid, uid;		/* kill, tkill, sigqueue, SIGCHLD: the sender or child */
	int32_t status;			/* SIGCHLD: exit code, or the signal that ended it */
	int32_t timerid, overrun;	/* SI_TIMER */
	uint64_t addr;			/* faults: the address */
	uint64_t value;			/* sigqueue, timers: the sigval */
	int64_t utime, stime;		/* SIGCHLD: the child's CPU time, clock ticks */
};

#define SIGRTMIN 32	/* signals from here on are queued, one entry per instance */
#define SIGQUEUE_MAX 32	/* queued instances a task may hold beyond the first of each */

/* A further instance of a pending real-time signal (struct task's rt_queue). */
struct queued_signal {
	int sig;
	struct ksiginfo info;
};

#endif
