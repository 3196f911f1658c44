/* Signal system calls: rt_sigaction, rt_sigprocmask, kill (of a process, a group, or all),
 * tkill, tgkill. This kernel runs no signal handlers: a signal whose disposition is its default action ends the task (or
 * does nothing, for those Linux ignores by default), and a caught or ignored one is
 * discarded; a blocked one waits until it is unblocked. That keeps libc's uses working
 * (abort, raise, system's SIG_IGN, shells that catch SIGINT) without user-mode delivery. */
#include "kernel/syscall_table.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"

#define SIGSET_SIZE 8
#define SIG_DFL 0
#define SIG_IGN 1
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGSTOP 19
#define UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))

/* struct sigaction as the kernel reads it (x86-64). */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static bool valid_signal(int sig) { return sig >= 1 && sig < NSIG; }

static void set_disposition_bits(struct task *t, int sig, uint64_t handler)
{
	uint64_t bit = sig_bit(sig);
	t->sig_ignored = handler == SIG_IGN ? t->sig_ignored | bit : t->sig_ignored & ~bit;
	t->sig_caught = handler > SIG_IGN ? t->sig_caught | bit : t->sig_caught & ~bit;
}

long sys_rt_sigaction(int sig, const struct k_sigaction *uact, struct k_sigaction *uoact,
		      size_t setsize)
{
	struct task *t = current();
	if (setsize != SIGSET_SIZE || !valid_signal(sig))
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct k_sigaction act, old = { 0, 0, 0, 0 };
	if (uact && copy_from_user(&act, uact, sizeof(act)))
		return -EFAULT;
	if (t->sigactions)
		old = t->sigactions[sig];
	if (uoact && copy_to_user(uoact, &old, sizeof(old)))
		return -EFAULT;
	if (!uact)
		return 0;
	if (!t->sigactions && !(t->sigactions = kzalloc(NSIG * sizeof(struct k_sigaction))))
		return -ENOMEM;
	t->sigactions[sig] = act;
	set_disposition_bits(t, sig, act.handler);
	return 0;
}

/* Deliver what unblocking released. */
static void deliver_unblocked(struct task *t)
{
	uint64_t ready = __atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED) & ~t->sig_blocked;
	__atomic_and_fetch(&t->sig_pending, ~ready, __ATOMIC_RELAXED);
	for (int sig = 1; sig < NSIG; sig++)
		if (ready & sig_bit(sig))
			task_kill(t, sig);
}

long sys_rt_sigprocmask(int how, const uint64_t *uset, uint64_t *uoset, size_t setsize)
{
	struct task *t = current();
	if (setsize != SIGSET_SIZE)
		return -EINVAL;
	uint64_t old = t->sig_blocked, set;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: set = old | set; break;
		case SIG_UNBLOCK: set = old & ~set; break;
		case SIG_SETMASK: break;
		default: return -EINVAL;
		}
	}
	if (uoset && copy_to_user(uoset, &old, sizeof(old)))
		return -EFAULT;
	if (uset) {
		__atomic_store_n(&t->sig_blocked, set & ~UNBLOCKABLE, __ATOMIC_RELAXED);
		deliver_unblocked(t);
	}
	return 0;
}

struct k_sigaction *sigactions_copy(const struct task *parent)
{
	if (!parent->sigactions)
		return NULL;
	struct k_sigaction *acts = kmalloc(NSIG * sizeof(struct k_sigaction));
	if (acts)
		memcpy(acts, parent->sigactions, NSIG * sizeof(struct k_sigaction));
	return acts;
}

void signals_inherit(struct task *child, const struct task *parent, struct k_sigaction *acts)
{
	child->sigactions = acts;
	child->sig_ignored = parent->sig_ignored;
	child->sig_caught = parent->sig_caught;
	child->sig_blocked = parent->sig_blocked;
}

void signals_exec(struct task *t)
{
	for (int sig = 1; t->sigactions && sig < NSIG; sig++)
		if (t->sigactions[sig].handler > SIG_IGN)
			memset(&t->sigactions[sig], 0, sizeof(struct k_sigaction));
	t->sig_caught = 0;
}

/* Send sig to the task pid: -ESRCH if there is none, -EPERM for kernel threads; sig 0
 * only checks. */
static long send_signal(int pid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (pid <= 0)
		return -ESRCH;
	struct task *t = task_find(pid);
	if (!t)
		return -ESRCH;
	int rc = t->kthread_fn ? -EPERM : sig ? task_kill(t, sig) : 0;
	task_put(t);
	return rc;
}

/* Which tasks a kill of many signals: one group, or (pgid 0) all but the sender. */
struct kill_many {
	int pgid, sig;
	struct task *sender;
	int sent, rc;
};

/* [task_lock] Kernel threads are never signalled, nor counted. */
static void kill_one_of_many(struct task *t, void *ctx)
{
	struct kill_many *k = ctx;
	if (t->kthread_fn || (k->pgid ? t->pgid != k->pgid : t == k->sender))
		return;
	int rc = k->sig ? task_kill(t, k->sig) : 0;
	if (!rc || !k->sent)
		k->rc = rc;
	k->sent++;
}

/* Send sig to every process of group pgid (pgid 0: every user process but the caller):
 * 0 if it reached one, -ESRCH if there is none; sig 0 only checks. */
static long send_signal_many(int pgid, int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	struct kill_many k = { pgid, sig, current(), 0, -ESRCH };
	task_for_each(kill_one_of_many, &k);
	return k.rc;
}

long signal_process_group(int pgid, int sig)
{
	return pgid > 0 ? send_signal_many(pgid, sig) : -ESRCH;
}

/* pid > 0: that process; 0: the caller's group; -1: every process but the caller (and
 * kernel threads, the shell among them, as init is spared on Linux); < -1: group -pid. */
long sys_kill(int pid, int sig)
{
	if (pid > 0)
		return send_signal(pid, sig);
	if (pid == 0)
		return signal_process_group(current()->pgid, sig);
	if (pid == -1)
		return send_signal_many(0, sig);
	if (pid == -__INT_MAX__ - 1) /* -INT_MIN is no group, as on Linux */
		return -ESRCH;
	return signal_process_group(-pid, sig);
}

/* One thread per process here, so a thread id is a process id. */
long sys_tkill(int tid, int sig) { return tid <= 0 ? -EINVAL : send_signal(tid, sig); }
long sys_tgkill(int tgid, int tid, int sig)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return tgid != tid ? -ESRCH : send_signal(tid, sig);
}
