/* Sending signals and running their actions (the rules are in kernel/signal.h). */
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "kernel/clock.h"
#include "kernel/lock.h"
#include "arch-x86_64/signal.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "fs/poll.h"
#include "lib/errno.h"

struct sighand *sighand_of_current(void)
{
	struct task *t = current();
	if (!t->sighand && (t->sighand = kzalloc(sizeof(*t->sighand)))) {
		t->sighand->refs = 1;
		spin_lock_init(&t->sighand->lock, "sighand");
	}
	return t->sighand;
}

struct sighand *sighand_copy(struct sighand *sh)
{
	struct sighand *copy = kmalloc(sizeof(*copy));
	if (!copy)
		return NULL;
	uint64_t f = spin_lock_irqsave(&sh->lock);
	*copy = *sh;
	spin_unlock_irqrestore(&sh->lock, f);
	copy->refs = 1;
	spin_lock_init(&copy->lock, "sighand");
	return copy;
}

void sighand_get(struct sighand *sh)
{
	__atomic_add_fetch(&sh->refs, 1, __ATOMIC_RELAXED);
}

void sighand_put(struct sighand *sh)
{
	if (sh && !__atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL))
		kfree(sh);
}

struct k_sigaction signal_action(const struct task *t, int sig)
{
	struct sighand *sh = t->sighand;
	if (!sh)
		return (struct k_sigaction){ SIG_DFL, 0, 0, 0 };
	uint64_t f = spin_lock_irqsave(&sh->lock);
	struct k_sigaction act = sh->action[sig];
	spin_unlock_irqrestore(&sh->lock, f);
	return act;
}

void signal_set_action(struct sighand *sh, int sig, const struct k_sigaction *act,
			struct k_sigaction *old)
{
	uint64_t bit = sig_bit(sig);
	uint64_t f = spin_lock_irqsave(&sh->lock);
	if (old)
		*old = sh->action[sig];
	sh->action[sig] = *act;
	sh->action[sig].mask &= ~UNBLOCKABLE;
	WRITE_ONCE(sh->ignored, act->handler == SIG_IGN ? sh->ignored | bit : sh->ignored & ~bit);
	WRITE_ONCE(sh->caught, act->handler > SIG_IGN ? sh->caught | bit : sh->caught & ~bit);
	spin_unlock_irqrestore(&sh->lock, f);
}

void signal_reset_action(struct sighand *sh, int sig)
{
	struct k_sigaction dfl = { SIG_DFL, 0, 0, 0 };
	signal_set_action(sh, sig, &dfl, NULL);
}

static uint64_t caught_set(const struct task *t)
{
	return t->sighand ? READ_ONCE(t->sighand->caught) : 0;
}

static bool ignores(const struct task *t, uint64_t bit, int sig)
{
	uint64_t ignored = t->sighand ? READ_ONCE(t->sighand->ignored) : 0;
	return (ignored & bit) || (!(caught_set(t) & bit) && sig_default_ignored(sig));
}

#define STOP_SIGNALS (sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) | sig_bit(SIGTTOU))

/* SIGCONT resumes a stopped group, whatever its action (Linux's prepare_signal): the
 * threads wake in group_stop_wait, and one of them tells the parent. Any context. */
static void group_continue(struct task *leader)
{
	if (__atomic_exchange_n(&leader->stop_sig, 0, __ATOMIC_ACQ_REL)) {
		/* a wait sees the continue at once; SIGCHLD follows from the child (Linux too) */
		WRITE_ONCE(leader->wait_stop_report, 0);
		WRITE_ONCE(leader->wait_cont_report, true);
		__atomic_store_n(&leader->cont_notify, true, __ATOMIC_RELEASE);
		wake_up_all(&leader->stop_wait);
	}
}

int signal_send(struct task *t, int sig, const struct ksiginfo *info)
{
	if (t->kthread_fn || !t->parent)
		return -EPERM; /* kernel threads (and the idle task) take no signals */
	if (READ_ONCE(t->state) == TASK_ZOMBIE)
		return 0;
	uint64_t bit = sig_bit(sig);
	int rc = 0;
	bool queued = false;
	if (sig == SIGCONT)
		group_continue(t->group_leader);
	uint64_t f = spin_lock_irqsave(&t->sig_lock);
	/* A continue cancels a pending stop and a stop a pending continue (Linux's
	 * prepare_signal) */
	if (sig == SIGCONT || sig_default_stops(sig))
		__atomic_and_fetch(&t->sig_pending, sig == SIGCONT ? ~STOP_SIGNALS : ~sig_bit(SIGCONT),
				   __ATOMIC_RELAXED);
	bool blocked = __atomic_load_n(&t->sig_blocked, __ATOMIC_RELAXED) & bit;
	bool waited = READ_ONCE(t->real_blocked) & bit; /* by rt_sigtimedwait: it takes it */
	bool caught = caught_set(t) & bit;
	if (sig == SIGKILL ||
	    (!blocked && !waited && !caught && !ignores(t, bit, sig) && !sig_default_stops(sig))) {
		if (!t->pending_kill) /* its action ends the task: sleeps and loops stop now */
			t->pending_kill = sig;
	} else if (!blocked && !waited && ignores(t, bit, sig)) {
		; /* gone */
	} else if (!(t->sig_pending & bit)) {
		t->sig_info[sig - 1] = *info;
		__atomic_or_fetch(&t->sig_pending, bit, __ATOMIC_RELEASE);
		__atomic_store_n(&t->sig_work, true, __ATOMIC_RELEASE);
		queued = true;
	} else if (sig >= SIGRTMIN) { /* another instance: queued (a standard one is dropped) */
		if (t->rt_queued == SIGQUEUE_MAX)
			rc = -EAGAIN; /* as Linux over RLIMIT_SIGPENDING */
		else
			t->rt_queue[t->rt_queued++] = (struct queued_signal){ sig, *info };
	}
	spin_unlock_irqrestore(&t->sig_lock, f);
	sched_wake(t); /* an interruptible sleep, or rt_sigtimedwait, looks again */
	sched_kick(t); /* user code on another CPU takes it now, not at its next tick */
	if (queued)
		poll_notify(); /* a signalfd may be readable now */
	return rc;
}

/* [sig_lock] Take the first queued instance of real-time signal sig into its sig_info
 * slot: true if there was one (sig stays pending). */
static bool next_queued(struct task *t, int sig)
{
	assert_held(&t->sig_lock);
	for (int i = 0; i < t->rt_queued; i++) {
		if (t->rt_queue[i].sig != sig)
			continue;
		t->sig_info[sig - 1] = t->rt_queue[i].info;
		memmove(&t->rt_queue[i], &t->rt_queue[i + 1], (t->rt_queued - i - 1) * sizeof(t->rt_queue[0]));
		t->rt_queued--;
		return true;
	}
	return false;
}

/* [sig_lock] Drop sig's pending instances, queued ones too. */
static void drop_pending(struct task *t, int sig)
{
	assert_held(&t->sig_lock);
	while (next_queued(t, sig))
		;
	__atomic_and_fetch(&t->sig_pending, ~sig_bit(sig), __ATOMIC_RELAXED);
}

int signal_send_process_locked(struct task *t, int sig, const struct ksiginfo *info)
{
	assert_held(&task_lock);
	struct task *leader = t->group_leader, *to = NULL;
	uint64_t bit = sig_bit(sig);
	/* As Linux's complete_signal: a thread that does not block it takes it, the leader
	 * first; if all block it, it waits on the leader, or, once the leader has exited, on
	 * the first thread (the threads list holds live ones only). */
	if (leader->state != TASK_ZOMBIE && !(__atomic_load_n(&leader->sig_blocked, __ATOMIC_RELAXED) & bit))
		to = leader;
	struct list_head *p;
	list_for_each(p, &leader->threads) {
		struct task *th = list_entry(p, struct task, thread_node);
		if (!to && !(__atomic_load_n(&th->sig_blocked, __ATOMIC_RELAXED) & bit))
			to = th;
	}
	if (!to)
		to = leader->state != TASK_ZOMBIE || list_empty(&leader->threads)
			     ? leader : list_first_entry(&leader->threads, struct task, thread_node);
	return signal_send(to, sig, info);
}

int signal_send_process(struct task *t, int sig, const struct ksiginfo *info)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	int rc = signal_send_process_locked(t, sig, info);
	spin_unlock_irqrestore(&task_lock, f);
	return rc;
}

int task_kill(struct task *t, int sig)
{
	struct ksiginfo info = { .code = SI_KERNEL };
	return signal_send(t, sig, &info);
}

bool signal_pending(void)
{
	struct task *t = current();
	return READ_ONCE(t->pending_kill) || READ_ONCE(t->group_leader->stop_sig) ||
	       (__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) &
		~__atomic_load_n(&t->sig_blocked, __ATOMIC_RELAXED));
}

void signal_wait(uint64_t set, uint64_t deadline)
{
	struct task *t = current();
	for (;;) {
		sched_prepare_sleep();
		if ((__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) & set) || signal_pending() ||
		    clock_ns() >= deadline)
			break;
		sched_timer_sleep(deadline);
	}
	sched_set_running();
}

int signal_dequeue(uint64_t set, struct ksiginfo *info)
{
	struct task *t = current();
	uint64_t f = spin_lock_irqsave(&t->sig_lock);
	uint64_t ready = t->sig_pending & set;
	int sig = ready ? __builtin_ctzll(ready) + 1 : 0;
	if (sig) {
		*info = t->sig_info[sig - 1];
		if (!next_queued(t, sig))
			__atomic_and_fetch(&t->sig_pending, ~sig_bit(sig), __ATOMIC_RELAXED);
	}
	spin_unlock_irqrestore(&t->sig_lock, f);
	return sig;
}

void signal_set_blocked(uint64_t mask)
{
	struct task *t = current();
	__atomic_store_n(&t->sig_blocked, mask & ~UNBLOCKABLE, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t->sig_pending, __ATOMIC_SEQ_CST) & ~mask) /* unblocked: deliver */
		__atomic_store_n(&t->sig_work, true, __ATOMIC_RELEASE);
}

void signal_mask_for_wait(uint64_t mask)
{
	struct task *t = current();
	t->saved_blocked = t->sig_blocked;
	t->restore_blocked = true;
	__atomic_store_n(&t->sig_work, true, __ATOMIC_RELEASE);
	signal_set_blocked(mask);
}

void signal_mask_after_wait(bool interrupted)
{
	struct task *t = current();
	if (interrupted)
		return; /* signal_deliver restores it */
	t->restore_blocked = false;
	signal_set_blocked(t->saved_blocked);
}

void signal_flush_ignored(int sig)
{
	struct task *t = current();
	if (!ignores(t, sig_bit(sig), sig))
		return;
	uint64_t f = spin_lock_irqsave(&t->sig_lock);
	drop_pending(t, sig);
	spin_unlock_irqrestore(&t->sig_lock, f);
}

bool on_signal_stack(uint64_t sp)
{
	struct task *t = current();
	return t->sas_size && sp > t->sas_sp && sp - t->sas_sp <= t->sas_size;
}

int signal_altstack_set(uint64_t sp, int flags, uint64_t size, uint64_t cur_sp)
{
	struct task *t = current();
	int mode = flags & ~SS_AUTODISARM;
	if (on_signal_stack(cur_sp))
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE)
		sp = size = 0;
	else if (size < MINSIGSTKSZ)
		return -ENOMEM;
	t->sas_sp = sp;
	t->sas_size = size;
	t->sas_flags = flags;
	return 0;
}

void signal_altstack_get(uint64_t cur_sp, uint64_t *sp, int *flags, uint64_t *size)
{
	struct task *t = current();
	*sp = t->sas_sp;
	*size = t->sas_size;
	*flags = (t->sas_flags & SS_AUTODISARM) |
		 (!t->sas_size ? SS_DISABLE : on_signal_stack(cur_sp) ? SS_ONSTACK : 0);
}

void signal_fault(int sig, int code, const char *what, uint64_t addr, uint64_t ip)
{
	struct task *t = current();
	uint64_t bit = sig_bit(sig);
	/* As Linux's force_sig: a blocked or ignored fault signal cannot be put off, so it
	 * kills; a caught one runs its handler. */
	if ((caught_set(t) & bit) && !(t->sig_blocked & bit)) {
		struct ksiginfo info = { .code = code, .addr = addr };
		signal_send(t, sig, &info);
		return;
	}
	task_fault_kill(sig, what, addr, ip);
}

/* The handler's frame could not be written (a bad stack): current dies of SIGSEGV. */
static __noreturn void bad_frame(uint64_t sp, uint64_t ip)
{
	task_fault_kill(SIGSEGV, "cannot write a signal frame", sp, ip);
}

/* [task_lock] Tell leader's parent that its process stopped (code CLD_STOPPED, which a
 * WUNTRACED wait may report from now) or continued (CLD_CONTINUED: group_continue made
 * it reportable) with signal sig: a SIGCHLD unless its action has SA_NOCLDSTOP, and a
 * wake-up for a waiting parent (the shell too). */
static void tell_parent_stop(struct task *leader, int code, int sig)
{
	assert_held(&task_lock);
	struct task *parent = leader->parent;
	if (code == CLD_STOPPED) {
		WRITE_ONCE(leader->wait_stop_report, sig);
		WRITE_ONCE(leader->wait_cont_report, false);
	}
	if (!parent)
		return;
	struct ksiginfo info = { .code = code, .pid = leader->pid, .status = sig };
	if (!parent->kthread_fn && !(signal_action(parent, SIGCHLD).flags & SA_NOCLDSTOP))
		signal_send_process_locked(parent, SIGCHLD, &info);
	wake_up_all(&parent->child_exit);
}

/* [task_lock] Make th look at its signal work: woken if it sleeps, interrupted if it runs
 * on another CPU. */
static void nudge(struct task *th)
{
	__atomic_store_n(&th->sig_work, true, __ATOMIC_RELEASE);
	sched_wake(th);
	sched_kick(th);
}

/* A stop signal's default action: the whole group stops (the other threads on their way
 * back to user mode, woken or interrupted for it); current then parks in
 * group_stop_wait(), where the last thread to park tells the parent. */
static void group_stop(struct task *t, int sig)
{
	struct task *leader = t->group_leader;
	uint64_t f = spin_lock_irqsave(&task_lock);
	if (!leader->stop_sig && !leader->group_exiting) {
		__atomic_store_n(&leader->stop_sig, sig, __ATOMIC_RELEASE);
		if (leader != t)
			nudge(leader);
		struct list_head *p;
		list_for_each(p, &leader->threads) {
			struct task *th = list_entry(p, struct task, thread_node);
			if (th != t)
				nudge(th);
		}
	}
	spin_unlock_irqrestore(&task_lock, f);
}

/* While current's group is stopped, sleep (a kill ends it). The parent learns of the
 * stop when the last live thread parks, as on Linux: then none runs user code any more.
 * The first thread out after a SIGCONT tells the parent of that. */
static void group_stop_wait(struct task *t)
{
	struct task *leader = t->group_leader;
	if (READ_ONCE(leader->stop_sig)) {
		uint64_t f = spin_lock_irqsave(&task_lock);
		int sig = leader->stop_sig;
		if (sig && ++leader->stop_parked == task_nr_threads_locked(t))
			tell_parent_stop(leader, CLD_STOPPED, sig);
		spin_unlock_irqrestore(&task_lock, f);
		wait_event_unless(leader->stop_wait, !READ_ONCE(leader->stop_sig),
				  READ_ONCE(t->pending_kill), 0);
		f = spin_lock_irqsave(&task_lock);
		leader->stop_parked--;
		spin_unlock_irqrestore(&task_lock, f);
	}
	if (READ_ONCE(leader->cont_notify) &&
	    __atomic_exchange_n(&leader->cont_notify, false, __ATOMIC_ACQ_REL)) {
		uint64_t f = spin_lock_irqsave(&task_lock);
		tell_parent_stop(leader, CLD_CONTINUED, SIGCONT);
		spin_unlock_irqrestore(&task_lock, f);
	}
}

/* Whether current still has something for signal_deliver: a signal to take, its group
 * stopped or continued, a mask to restore. */
static bool work_left(struct task *t)
{
	struct task *leader = t->group_leader;
	return (__atomic_load_n(&t->sig_pending, __ATOMIC_ACQUIRE) &
		~__atomic_load_n(&t->sig_blocked, __ATOMIC_RELAXED)) ||
	       READ_ONCE(leader->stop_sig) || READ_ONCE(leader->cont_notify) || t->restore_blocked;
}

/* signal_deliver's end: clear the flag, then look again (a sender sets it after making
 * work, so work made meanwhile leaves it set). */
static void refresh_work(struct task *t)
{
	__atomic_store_n(&t->sig_work, false, __ATOMIC_SEQ_CST);
	if (work_left(t))
		__atomic_store_n(&t->sig_work, true, __ATOMIC_RELEASE);
}

void signal_deliver(struct trap_frame *tf)
{
	struct task *t = current();
	struct ksiginfo info;
	int sig;
	group_stop_wait(t);
	while ((sig = signal_dequeue(t->pending_kill ? 0 : ~t->sig_blocked, &info))) {
		struct k_sigaction act = signal_action(t, sig);
		if (act.handler == SIG_IGN || (act.handler == SIG_DFL && sig_default_ignored(sig)))
			continue;
		if (act.handler == SIG_DFL && sig_default_stops(sig)) {
			group_stop(t, sig);
			group_stop_wait(t);
			continue;
		}
		if (act.handler == SIG_DFL)
			task_exit_group(W_SIGNALED(sig));
		uint64_t old = t->restore_blocked ? t->saved_blocked : t->sig_blocked;
		t->restore_blocked = false;
		arch_syscall_restart(tf, &act);
		if (arch_signal_frame(tf, sig, &info, &act, old))
			bad_frame(arch_user_sp(tf), arch_user_ip(tf));
		signal_set_blocked(old | act.mask | (act.flags & SA_NODEFER ? 0 : sig_bit(sig)));
		if (act.flags & SA_RESETHAND)
			signal_reset_action(t->sighand, sig);
		refresh_work(t); /* another signal: on the next return */
		return;
	}
	if (t->pending_kill)
		task_exit_group(W_SIGNALED(t->pending_kill));
	arch_syscall_restart(tf, NULL);
	if (t->restore_blocked) {
		t->restore_blocked = false;
		signal_set_blocked(t->saved_blocked);
	}
	refresh_work(t);
}

void signal_parent_exit(struct task *t, int status)
{
	assert_held(&task_lock);
	bool killed = status & 0x7f;
	struct ksiginfo info = {
		.code = killed ? CLD_KILLED : CLD_EXITED, .pid = t->pid,
		.status = killed ? status & 0x7f : (status >> 8) & 0xff,
		.utime = t->utime_ns / NS_PER_USER_TICK, .stime = t->stime_ns / NS_PER_USER_TICK,
	};
	if (t->parent && !t->parent->kthread_fn)
		signal_send_process_locked(t->parent, SIGCHLD, &info);
}
