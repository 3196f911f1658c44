/* Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigsuspend, pause,
 * rt_sigtimedwait, sigaltstack, kill (of a process, a group, or all), tkill, tgkill,
 * rt_sigqueueinfo; and what fork and execve do to signal state. Sending and delivery are
 * kernel/signal.c; rt_sigreturn is the arch's (arch-x86_64/signal.c). */
#include "kernel/syscall_table.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "arch-x86_64/signal.h"
#include "arch-x86_64/processor.h"
#include "lib/string.h"
#include "lib/errno.h"

#define SIGSET_SIZE 8
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

static bool valid_signal(int sig) { return sig >= 1 && sig < NSIG; }

long sys_rt_sigaction(int sig, const struct k_sigaction *uact, struct k_sigaction *uoact,
		      size_t setsize)
{
	if (setsize != SIGSET_SIZE || !valid_signal(sig))
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	struct k_sigaction act, old = signal_action(current(), sig);
	if (uact && copy_from_user(&act, uact, sizeof(act)))
		return -EFAULT;
	if (uoact && copy_to_user(uoact, &old, sizeof(old)))
		return -EFAULT;
	if (!uact)
		return 0;
	struct sighand *sh = sighand_of_current();
	if (!sh)
		return -ENOMEM;
	signal_set_action(sh, sig, &act, NULL);
	signal_flush_ignored(sig); /* as Linux: a pending signal now ignored is gone */
	return 0;
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
	if (uset)
		signal_set_blocked(set); /* what it unblocks is delivered on the way out */
	return 0;
}

long sys_rt_sigpending(uint64_t *uset, size_t setsize)
{
	if (setsize > SIGSET_SIZE)
		return -EINVAL;
	struct task *t = current();
	uint64_t set = __atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) & t->sig_blocked;
	return copy_to_user(uset, &set, setsize);
}

/* Sleep until a signal is to be taken; then -ERESTARTNOHAND: -EINTR once its handler has
 * run (or the call again if none ran). */
static long wait_for_signal(void)
{
	signal_wait(0, UINT64_MAX);
	return -ERESTARTNOHAND;
}

long sys_pause(void) { return wait_for_signal(); }

/* The mask during the sleep is *umask; the old one comes back after the handler (its
 * frame saves the old one: kernel/signal.c). */
long sys_rt_sigsuspend(const uint64_t *umask, size_t setsize)
{
	uint64_t mask;
	if (setsize != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	signal_mask_for_wait(mask);
	return wait_for_signal();
}

/* Wait for a signal of *uset (blocked ones, usually) and take it off the queue without its
 * handler: the signal number, with its siginfo to *uinfo (NULL: none). -EAGAIN when uts's
 * time passes first, -EINTR when another signal is to be taken. */
long sys_rt_sigtimedwait(const uint64_t *uset, void *uinfo, const void *uts, size_t setsize)
{
	uint64_t set;
	if (setsize != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	uint64_t deadline;
	int rc = user_timeout_deadline(uts, &deadline);
	if (rc)
		return rc;
	struct ksiginfo info;
	int sig;
	/* While it waits, the set is unblocked (Linux's real_blocked): a signal sent to the
	 * process comes to this thread, and one whose action would kill stays for it. */
	struct task *t = current();
	t->real_blocked = t->sig_blocked;
	signal_set_blocked(t->sig_blocked & ~set);
	while (!(sig = signal_dequeue(set, &info))) {
		rc = signal_pending() ? -EINTR : clock_ns() >= deadline ? -EAGAIN : 0;
		if (rc)
			break;
		signal_wait(set, deadline);
	}
	signal_set_blocked(t->real_blocked);
	t->real_blocked = 0;
	if (rc)
		return rc;
	if (uinfo && arch_copy_siginfo_to_user(uinfo, sig, &info))
		return -EFAULT;
	return sig;
}

long sys_sigaltstack(const struct user_stack *uss, struct user_stack *uoss)
{
	uint64_t sp = arch_user_sp(task_user_frame(current()));
	struct user_stack old = { 0, 0, 0, 0 }, ss;
	signal_altstack_get(sp, &old.sp, &old.flags, &old.size);
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		int rc = signal_altstack_set(ss.sp, ss.flags, ss.size, sp);
		if (rc)
			return rc;
	}
	return uoss ? copy_to_user(uoss, &old, sizeof(old)) : 0;
}

void signals_inherit(struct task *child, const struct task *parent, struct sighand *sh)
{
	child->sighand = sh;
	child->sig_blocked = parent->sig_blocked;
	child->sas_sp = parent->sas_sp;
	child->sas_size = parent->sas_size;
	child->sas_flags = parent->sas_flags;
}

void signals_exec(struct task *t)
{
	for (int sig = 1; t->sighand && sig < NSIG; sig++)
		if (signal_action(t, sig).handler > SIG_IGN)
			signal_reset_action(t->sighand, sig);
	t->sas_sp = t->sas_size = 0; /* the old program's stack is gone */
	t->sas_flags = 0;
}

/* The siginfo of a signal current sends with kill (code SI_USER) or tkill (SI_TKILL). */
static struct ksiginfo from_me(int code)
{
	return (struct ksiginfo){ .code = code, .pid = current()->tgid };
}

/* Send sig with info to the process of task pid (thread: to that thread alone; tgid, if
 * not 0: the thread must be of that process): -ESRCH if there is none, -EPERM for kernel
 * threads; sig 0 only checks. */
static long send_signal(int pid, int tgid, bool thread, int sig, const struct ksiginfo *info)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (pid <= 0)
		return -ESRCH;
	struct task *t = task_find(pid);
	if (!t)
		return -ESRCH;
	int rc = t->kthread_fn ? -EPERM : tgid && t->tgid != tgid ? -ESRCH : 0;
	if (!rc && sig)
		rc = thread ? signal_send(t, sig, info) : signal_send_process(t, sig, info);
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
	if (t->kthread_fn || t->group_leader != t || t->state == TASK_ZOMBIE ||
	    (k->pgid ? t->pgid != k->pgid : t == k->sender->group_leader))
		return; /* (a process once, through its leader) */
	struct ksiginfo info = { .code = SI_USER, .pid = k->sender->tgid };
	int rc = k->sig ? signal_send_process_locked(t, k->sig, &info) : 0;
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
	struct ksiginfo info = from_me(SI_USER);
	if (pid > 0)
		return send_signal(pid, 0, false, sig, &info);
	if (pid == 0)
		return signal_process_group(current()->pgid, sig);
	if (pid == -1)
		return send_signal_many(0, sig);
	if (pid == -__INT_MAX__ - 1) /* -INT_MIN is no group, as on Linux */
		return -ESRCH;
	return signal_process_group(-pid, sig);
}

long sys_tkill(int tid, int sig)
{
	struct ksiginfo info = from_me(SI_TKILL);
	return tid <= 0 ? -EINVAL : send_signal(tid, 0, true, sig, &info);
}

long sys_tgkill(int tgid, int tid, int sig)
{
	struct ksiginfo info = from_me(SI_TKILL);
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return send_signal(tid, tgid, true, sig, &info);
}

/* sigqueue: the caller's siginfo goes along (its code, pid and value); a code a process
 * could use to pose as the kernel or kill (>= 0, or SI_TKILL) only to itself (-EPERM). */
long sys_rt_sigqueueinfo(int pid, int sig, const void *uinfo)
{
	struct ksiginfo info;
	int rc = arch_copy_siginfo_from_user(&info, uinfo);
	if (rc)
		return rc;
	if ((info.code >= 0 || info.code == SI_TKILL) && pid != current()->tgid)
		return -EPERM;
	return send_signal(pid, 0, false, sig, &info);
}
