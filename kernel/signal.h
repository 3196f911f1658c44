/* Signals, Linux's semantics for tasks of one thread: what a signal carries, sending it,
 * and running its action on the way back to user mode (kernel/signal.c). The x86-64
 * frame a handler runs on and rt_sigreturn are the arch's (arch-x86_64/signal.c); the
 * system calls are in kernel/sys_signal.c.
 *
 * A task's signal state, all in struct task:
 *   sig_blocked   the mask; SIGKILL and SIGSTOP are never in it (atomic: read by senders)
 *   sig_pending   one bit per signal sent and not yet taken (atomic, written under
 *                 sig_lock), with its siginfo in sig_info: a second instance of a standard
 *                 signal already pending is dropped, of a real-time one queued (rt_queue)
 *   sighand      the actions, shared by the threads of a process (struct sighand)
 *   pending_kill  the signal that ends the task (set at once for an unblocked signal
 *                 whose action is to terminate, so that sleeps and long loops stop)
 * A signal sent to a process goes to one of its threads (signal_send_process); a fatal
 * one ends them all (task_exit_group). A sender takes t->sig_lock; the task takes it to
 * dequeue. Delivery happens in
 * signal_deliver(), from return_to_user_work(): one handler a return, a frame on the user
 * stack (or the alternate one), the handler's mask added to the blocked set. */
#ifndef KERNEL_SIGNAL_H
#define KERNEL_SIGNAL_H

#include "kernel/process.h"
#include "lib/errno.h"

#define UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))

#define SIG_DFL 0
#define SIG_IGN 1

/* sa_flags (Linux's values). */
#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO   0x00000004
#define SA_RESTORER  0x04000000
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000

/* struct sigaction as the x86-64 kernel reads it. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* The signal actions of a task, shared by the threads of a process (CLONE_SIGHAND), copied
 * by fork. A task without one (t->sighand NULL) has every action at SIG_DFL. */
struct sighand {
	int refs;			/* atomic: the tasks using it */
	spinlock_t lock;		/* action[] and the sets below */
	uint64_t ignored, caught;	/* from action[]: written under lock, read without it */
	struct k_sigaction action[NSIG];
};
/* current's sighand, made (all SIG_DFL) if it has none: NULL when out of memory. */
struct sighand *sighand_of_current(void);
/* A new sighand with sh's actions (fork): NULL when out of memory. */
struct sighand *sighand_copy(struct sighand *sh);
void sighand_get(struct sighand *sh);
void sighand_put(struct sighand *sh);
/* The action t has for sig now. Takes t's sighand lock. */
struct k_sigaction signal_action(const struct task *t, int sig);
/* Make act sh's action for sig (the old one to *old unless NULL). Takes sh->lock. */
void signal_set_action(struct sighand *sh, int sig, const struct k_sigaction *act,
		       struct k_sigaction *old);
/* sh's action for sig back to SIG_DFL (SA_RESETHAND, execve). Takes sh->lock. */
void signal_reset_action(struct sighand *sh, int sig);

/* si_code values (Linux's). */
#define SI_USER     0
#define SI_KERNEL   0x80
#define SI_QUEUE    (-1)
#define SI_TIMER    (-2)
#define SI_TKILL    (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN  1
#define BUS_ADRERR  2
#define ILL_ILLOPN  2
#define FPE_INTDIV  1
#define CLD_EXITED  1
#define CLD_KILLED  2
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* -ERESTART* (lib/errno.h), an interrupted system call's result: restarted when no
 * handler runs; with a handler, ERESTARTSYS restarts under SA_RESTART, ERESTARTNOINTR
 * always, the others become -EINTR. */

/* Send sig with info to t: discarded if t ignores it (and does not block it), ends t if
 * its action is the default one to terminate, else pending until t takes it (a standard
 * signal once, a real-time one once per send, up to SIGQUEUE_MAX queued). 0, -EAGAIN when
 * the real-time queue is full, or -EPERM for kernel threads. Any context (interrupts
 * too); takes t->sig_lock. */
int signal_send(struct task *t, int sig, const struct ksiginfo *info);
/* Send sig to t's process (kill): to the first of its threads that does not block it,
 * by signal_send's rules. The _locked form under task_lock; the other takes it. */
int signal_send_process(struct task *t, int sig, const struct ksiginfo *info);
int signal_send_process_locked(struct task *t, int sig, const struct ksiginfo *info);
/* Whether current has a signal to take (or is being killed): interruptible sleeps end. */
bool signal_pending(void);
/* A fault in user mode that the arch or mm could not resolve: if current catches sig
 * (and does not block it), its handler runs with si_code code and si_addr addr;
 * otherwise current ends with it after the line "pid N (name): what at ADDR ip RIP". */
void signal_fault(int sig, int code, const char *what, uint64_t addr, uint64_t ip);
/* Whether signal_deliver has anything to do for current returning to user mode (the fast
 * path skips it): one flag (task->sig_work), set by whoever gives it work (a signal to
 * take, a group stop, a mask to restore) and re-checked by signal_deliver. An
 * interrupted system call (-ERESTART*) always came with one. Lock-free. */
static inline bool signal_work(void) { return __atomic_load_n(&current()->sig_work, __ATOMIC_ACQUIRE); }
/* On the way back to user mode, interrupts on: run the action of current's first
 * deliverable signal (ending current, or building a handler's frame over tf), and settle
 * an interrupted system call's restart. */
void signal_deliver(struct trap_frame *tf);
/* Sleep until current has a signal of set pending (blocked ones too) or one to take
 * (signal_pending), or the monotonic clock passes deadline (UINT64_MAX: never). A sender's
 * sched_wake between the look and the sleep makes the sleep return at once. */
void signal_wait(uint64_t set, uint64_t deadline);
/* Take the lowest pending signal of set off current's queue into *info: the signal, or 0. */
int signal_dequeue(uint64_t set, struct ksiginfo *info);
/* Change current's blocked mask to mask (SIGKILL and SIGSTOP stay unblocked). */
void signal_set_blocked(uint64_t mask);
/* rt_sigsuspend's and ppoll's mask: mask in force while current waits; then
 * signal_mask_after_wait(interrupted) puts the old one back now, or (interrupted by a
 * signal) once that signal's handler frame has saved it. */
void signal_mask_for_wait(uint64_t mask);
void signal_mask_after_wait(bool interrupted);
/* Drop a pending sig that current now ignores (rt_sigaction to SIG_IGN, or to SIG_DFL
 * of a signal ignored by default). */
void signal_flush_ignored(int sig);
/* Whether sp lies on current's alternate signal stack. */
bool on_signal_stack(uint64_t sp);
/* stack_t */
struct user_stack {
	uint64_t sp;
	int32_t flags, pad;
	uint64_t size;
};
#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1U << 31)
#define MINSIGSTKSZ   2048
/* sigaltstack's change, Linux's rules, with cur_sp the user stack pointer: -EPERM while on
 * the alternate stack, -EINVAL for a bad mode, -ENOMEM below MINSIGSTKSZ; else 0. */
int signal_altstack_set(uint64_t sp, int flags, uint64_t size, uint64_t cur_sp);
/* The alternate stack as sigaltstack reports it (flags SS_ONSTACK or SS_DISABLE as they
 * apply, with SS_AUTODISARM as set). */
void signal_altstack_get(uint64_t cur_sp, uint64_t *sp, int *flags, uint64_t *size);
/* [task_lock] Notify t's parent that t ended with wait status `status`: SIGCHLD
 * (CLD_EXITED or CLD_KILLED), in the step that makes t a zombie. */
void signal_parent_exit(struct task *t, int status);

#endif
