/* Process life cycle: exit, wait, kill. A task becomes a zombie when it exits and is freed
 * when its parent reaps it with wait4 or waitid; orphans are adopted by the reaper (the shell). */
#include "kernel/process.h"
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "kernel/futex.h"
#include "kernel/sys_timer.h"
#include "mm/addrspace.h"
#include "fs/file.h"
#include "fs/poll.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "arch-x86_64/context.h"
#include "arch-x86_64/processor.h"
#include "arch-x86_64/fpu.h"
#include "arch-x86_64/cpu.h"
#include "kernel/lock.h"

static struct task *reaper;

void process_set_reaper(struct task *t)
{
	reaper = t;
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
		[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",
		[SIGUSR2] = "SIGUSR2", [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [16] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",
		[SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [24] = "SIGXCPU",
		[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
		[29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
	};
	return sig > 0 && sig < (int)ARRAY_SIZE(names) ? names[sig] : NULL;
}

/* A new user task that will enter ring 3 with fpu (NULL: the initial state), in mm with
 * files (the caller's references move in), linked into no tree yet. NULL when out of
 * memory or tasks. */
static struct task *user_task_alloc(const char *name, struct mm *mm, struct files *files,
				    const struct fpu_state *fpu)
{
	struct fpu_state *state = kmalloc(sizeof(*state));
	if (!state)
		return NULL;
	struct task *t = task_alloc(name);
	if (!t) {
		kfree(state);
		return NULL;
	}
	if (fpu)
		memcpy(state, fpu, sizeof(*state));
	else
		fpu_init_state(state);
	t->fpu = state;
	t->mm = mm;
	t->files = files;
	task_set_first_frame(t, user_task_start, (uint64_t)task_user_frame(t));
	return t;
}

struct task *process_create(const char *name, struct task *parent, struct mm *mm,
			    struct files *files, const struct fpu_state *fpu)
{
	struct task *t = user_task_alloc(name, mm, files, fpu);
	if (!t)
		return NULL;
	uint64_t f = spin_lock_irqsave(&task_lock);
	t->parent = parent;
	list_add_tail(&t->sibling, &parent->children);
	/* A program the shell (a kernel thread) starts leads its own session and group, as
	 * a job-control shell's would; a forked child joins its parent's. */
	t->pgid = parent->pgid ? parent->pgid : t->pid;
	t->sid = parent->sid ? parent->sid : t->pid;
	spin_unlock_irqrestore(&task_lock, f);
	return t;
}

struct task *thread_create(const char *name, struct task *leader, struct mm *mm,
			   struct files *files, const struct fpu_state *fpu)
{
	struct task *t = user_task_alloc(name, mm, files, fpu);
	if (!t)
		return NULL;
	uint64_t f = spin_lock_irqsave(&task_lock);
	task_get(leader);
	t->group_leader = leader;
	t->tgid = leader->pid;
	t->parent = leader->parent;
	t->pgid = leader->pgid;
	t->sid = leader->sid;
	list_add_tail(&t->thread_node, &leader->threads);
	if (leader->group_exiting) /* too late: it ends with the others */
		t->pending_kill = SIGKILL;
	spin_unlock_irqrestore(&task_lock, f);
	return t;
}

void task_set_cwd(const char *path)
{
	struct task *leader = current()->group_leader;
	uint64_t f = spin_lock_irqsave(&task_lock);
	strlcpy(leader->cwd, path, sizeof(leader->cwd));
	struct list_head *p;
	list_for_each(p, &leader->threads) {
		struct task *th = list_entry(p, struct task, thread_node);
		strlcpy(th->cwd, path, sizeof(th->cwd));
	}
	spin_unlock_irqrestore(&task_lock, f);
}

int task_nr_threads_locked(struct task *t)
{
	assert_held(&task_lock);
	struct task *leader = t->group_leader;
	int n = leader->state != TASK_ZOMBIE;
	struct list_head *p;
	list_for_each(p, &leader->threads)
		n++;
	return n;
}

int task_nr_threads(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	int n = task_nr_threads_locked(t);
	spin_unlock_irqrestore(&task_lock, f);
	return n;
}

int task_nth_thread(int tgid, uint64_t index)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *leader = task_find_locked(tgid);
	int tid = 0;
	if (leader && leader->group_leader == leader) {
		if (leader->state != TASK_ZOMBIE && index-- == 0)
			tid = leader->pid;
		struct list_head *p;
		list_for_each(p, &leader->threads)
			if (!tid && index-- == 0)
				tid = list_entry(p, struct task, thread_node)->pid;
	}
	spin_unlock_irqrestore(&task_lock, f);
	return tid;
}

struct mm *task_mm_get(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct mm *mm = t->mm;
	if (mm)
		mm_get(mm);
	spin_unlock_irqrestore(&task_lock, f);
	return mm;
}

bool task_descends_from(struct task *t, struct task *anc)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	while (t && t != anc)
		t = t->parent;
	spin_unlock_irqrestore(&task_lock, f);
	return t != NULL;
}

void task_set_mm(struct mm *mm)
{
	struct task *t = current();
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct mm *old = t->mm;
	t->mm = mm;
	mm_activate(mm); /* off the old page tables before they can go */
	spin_unlock_irqrestore(&task_lock, f);
	if (old)
		mm_put(old);
}

/* Linux's orphaned process groups: a group is orphaned when no member's parent is in
 * another group of the same session (the reaper, like init, connects nothing). When an
 * exit orphans a group that has stopped members, nobody could continue them: each member
 * gets SIGHUP, then SIGCONT (by default the hangup ends it). */
struct pgrp_look {
	int pgid;
	struct task *ignored;	/* the exiting process, no member any more */
	bool connected, stopped;
};

/* [task_lock] */
static void look_at_member(struct task *t, void *ctx)
{
	struct pgrp_look *l = ctx;
	if (t->pgid != l->pgid || t->kthread_fn || t->group_leader != t || t == l->ignored)
		return;
	struct task *p = t->parent;
	if (t->state != TASK_ZOMBIE && p && p != reaper && p->pgid != l->pgid && p->sid == t->sid)
		l->connected = true;
	l->stopped |= READ_ONCE(t->stop_sig) != 0;
}

/* [task_lock] */
static void hangup_member(struct task *t, void *ctx)
{
	struct ksiginfo info = { .code = SI_KERNEL };
	if (t->pgid != *(int *)ctx || t->kthread_fn || t->group_leader != t || t->state == TASK_ZOMBIE)
		return;
	signal_send_process_locked(t, SIGHUP, &info);
	signal_send_process_locked(t, SIGCONT, &info);
}

/* [task_lock] Linux's kill_orphaned_pgrp: t's group, if the exit of t (parent NULL: t's
 * own; else of t's parent) leaves it orphaned with stopped members. The link that goes
 * must have been the group's one to the outside: a parent in another group of the same
 * session. */
static void hangup_orphaned_pgrp(struct task *t, struct task *parent)
{
	assert_held(&task_lock);
	struct task *link = parent ? parent : t->parent;
	if (!link || link == reaper || link->pgid == t->pgid || link->sid != t->sid)
		return;
	struct pgrp_look l = { t->pgid, parent ? NULL : t, false, false };
	task_for_each_locked(look_at_member, &l);
	if (!l.connected && l.stopped)
		task_for_each_locked(hangup_member, &l.pgid);
}

void task_exit(int status)
{
	struct task *t = current();
	BUG_ON(!t->parent && t->mm);

	irq_enable();
	futex_exit_robust_list();
	/* glibc's and musl's thread exit protocol, as Linux's mm_release: only while another
	 * task shares the address space (a thread, a vfork parent) */
	if (t->clear_child_tid && t->mm && __atomic_load_n(&t->mm->users, __ATOMIC_ACQUIRE) > 1) {
		int zero = 0;
		copy_to_user((void *)t->clear_child_tid, &zero, sizeof(zero));
		futex_wake(t->clear_child_tid, true, 1, FUTEX_BITSET_MATCH_ANY); /* pthread_join */
	}
	vfork_release(t);
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct files *files = t->files;
	t->files = NULL; /* under task_lock: the OOM killer looks at other tasks' tables */
	spin_unlock_irqrestore(&task_lock, f);
	if (files)
		files_put(files);
	if (t->mm)
		task_set_mm(NULL);
	/* NULL first: a preemption in between would save the registers into freed memory */
	struct fpu_state *fpu = t->fpu;
	WRITE_ONCE(t->fpu, NULL);
	kfree(fpu);

	/* Interrupts stay off to the end: a zombie preempted before its wake-ups below would
	 * never run again (the scheduler requeues only running and sleeping tasks), and its
	 * parent would wait for ever. */
	irq_disable();
	f = spin_lock_irqsave(&task_lock);
	struct list_head *p, *tmp;
	list_for_each_safe(p, tmp, &t->children) {
		struct task *c = list_entry(p, struct task, sibling);
		list_del(&c->sibling);
		c->parent = reaper;
		list_add_tail(&c->sibling, &reaper->children);
		if (c->pdeath_signal)
			task_kill(c, c->pdeath_signal);
		hangup_orphaned_pgrp(c, t);
	}
	/* The process ends with its last thread: then its leader, a zombie by now, is what
	 * the parent reaps (under task_lock: wait4 sees it with the status set). */
	struct task *leader = t->group_leader, *ended = NULL;
	if (t != leader) {
		list_del(&t->thread_node);
		list_init(&t->thread_node);
		leader->dead_utime_ns += t->utime_ns;
		leader->dead_stime_ns += t->stime_ns;
		task_unhash(t);
		t->autoreap = true; /* the scheduler drops the tree's reference once off the CPU */
		if (leader->state == TASK_ZOMBIE && list_empty(&leader->threads))
			ended = leader;
	} else {
		t->exit_status = t->group_exiting ? t->group_exit_status : status;
		if (list_empty(&t->threads))
			ended = t;
	}
	t->state = TASK_ZOMBIE;
	struct task *parent = ended ? ended->parent : NULL;
	if (parent) /* out of task_lock, it may exit and be reaped on another CPU meanwhile */
		task_get(parent);
	if (ended && ended->group_exiting)
		ended->exit_status = ended->group_exit_status;
	if (ended) { /* in the same step: a SIGCHLD handler finds the zombie */
		signal_parent_exit(ended, ended->exit_status);
		hangup_orphaned_pgrp(ended, NULL);
	}
	if (ended && ended != t)
		task_get(ended); /* for its timers, past the lock (t itself lasts: it is on the
				  * CPU, and a reaper waits for it to be off) */
	spin_unlock_irqrestore(&task_lock, f);
	if (ended)
		timers_exit(ended); /* the process is over: no timer of it fires any more */
	if (ended && ended != t)
		task_put(ended);
	if (!list_empty(&reaper->children))
		wake_up_all(&reaper->child_exit);
	if (parent) {
		wake_up_all(&parent->child_exit);
		task_put(parent);
	}
	poll_notify(); /* pidfds on t are readable now */
	sched_exit_current();
}

/* [task_lock] th, another thread of a group that is ending, dies too (but not the thread
 * of an execve that ends the others). */
static void end_thread(struct task *th, struct task *self)
{
	if (th == self || th->state == TASK_ZOMBIE || th == th->group_leader->exec_thread)
		return;
	if (!th->pending_kill)
		th->pending_kill = SIGKILL;
	sched_wake(th);
}

/* [task_lock] Every thread of self's process but self dies (end_thread). */
static void end_other_threads(struct task *self)
{
	struct task *leader = self->group_leader;
	end_thread(leader, self);
	struct list_head *p;
	list_for_each(p, &leader->threads)
		end_thread(list_entry(p, struct task, thread_node), self);
}

void task_exit_group(int status)
{
	struct task *t = current(), *leader = t->group_leader;
	uint64_t f = spin_lock_irqsave(&task_lock);
	if (!leader->group_exiting) { /* the first reason to end wins, as on Linux */
		leader->group_exiting = true;
		leader->group_exit_status = status;
	}
	end_other_threads(t);
	spin_unlock_irqrestore(&task_lock, f);
	task_exit(status);
}

/* [task_lock] Whether current is the last thread of its process. */
static bool last_thread(struct task *t)
{
	struct task *leader = t->group_leader;
	struct list_head *p;
	list_for_each(p, &leader->threads)
		if (p != &t->thread_node)
			return false;
	return t == leader || leader->state == TASK_ZOMBIE;
}

/* [task_lock] t, the last thread, takes the place of its group's leader old (a zombie):
 * its pid, its parent; old goes. The caller drops old's two references (the tree's, and
 * t's as its thread). */
static void take_leaders_place(struct task *t, struct task *old)
{
	list_del(&t->thread_node);
	list_init(&t->thread_node);
	list_add(&t->sibling, &old->sibling);
	list_del(&old->sibling);
	list_init(&old->sibling);
	t->parent = old->parent;
	t->dead_utime_ns = old->dead_utime_ns + old->utime_ns;
	t->dead_stime_ns = old->dead_stime_ns + old->stime_ns;
	task_take_pid(t, old);
	t->tgid = t->pid;
	t->group_leader = t;
}

int exec_end_other_threads(void)
{
	struct task *t = current(), *leader = t->group_leader;
	uint64_t f = spin_lock_irqsave(&task_lock);
	if (last_thread(t) && t == leader) {
		spin_unlock_irqrestore(&task_lock, f);
		return 0;
	}
	if (leader->group_exiting) { /* the process is ending anyway */
		spin_unlock_irqrestore(&task_lock, f);
		return -EINTR;
	}
	leader->group_exiting = true;
	leader->exec_thread = t;
	end_other_threads(t);
	while (!last_thread(t)) {
		spin_unlock_irqrestore(&task_lock, f);
		if (t->pending_kill)
			return -EINTR;
		sleep_ms(1);
		f = spin_lock_irqsave(&task_lock);
	}
	leader->group_exiting = false;
	leader->exec_thread = NULL;
	if (t != leader)
		take_leaders_place(t, leader);
	spin_unlock_irqrestore(&task_lock, f);
	if (t != leader) {
		timers_move(leader, t); /* the process's timers (alarm survives execve) */
		while (READ_ONCE(leader->on_cpu))
			cpu_relax();
		task_put(leader);
		task_put(leader);
	}
	return 0;
}

void task_fault_kill(int sig, const char *what, uint64_t addr, uint64_t ip)
{
	struct task *t = current();
	printk("pid %d (%s): %s at 0x%lx ip 0x%lx\n", t->pid, t->name, what, addr, ip);
	task_exit_group(W_SIGNALED(sig));
}

bool sig_default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

bool sig_default_stops(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void vfork_release(struct task *child)
{
	struct task *parent = child->vfork_parent;
	if (!parent)
		return;
	child->vfork_parent = NULL;
	WRITE_ONCE(parent->vfork_pending, false);
	wake_up_all(&parent->vfork_done);
	task_put(parent);
}

/* [task_lock] Whether child c is one q asks about. */
static bool wait_matches(const struct wait_query *q, const struct task *c)
{
	switch (q->target) {
	case WAIT_PID: return c->pid == q->id;
	case WAIT_PGID: return c->pgid == q->id;
	default: return true;
	}
}

/* [task_lock] A child of parent that q may report now, and whether any child matches q at
 * all; *status: what to report (an exit or a kill, a stop (sig << 8 | 0x7f) with
 * WSTOPPED, a continue (0xffff) with WCONTINUED: Linux's wait status words). */
static struct task *find_waitable(struct task *parent, const struct wait_query *q, bool *any,
				  int *status)
{
	struct list_head *p;
	assert_held(&task_lock);
	*any = false;
	list_for_each(p, &parent->children) {
		struct task *c = list_entry(p, struct task, sibling);
		if (!wait_matches(q, c))
			continue;
		*any = true;
		if (c->state == TASK_ZOMBIE && list_empty(&c->threads) && (q->options & WEXITED)) {
			*status = c->exit_status; /* (a leader that exited first waits for its threads) */
			return c;
		}
		if (c->wait_stop_report && (q->options & WSTOPPED)) {
			*status = c->wait_stop_report << 8 | 0x7f;
			return c;
		}
		if (c->wait_cont_report && (q->options & WCONTINUED)) {
			*status = 0xffff;
			return c;
		}
	}
	return NULL;
}

int task_wait(const struct wait_query *q, struct wait_result *res, struct task **reaped)
{
	struct task *self = current();
	if (reaped)
		*reaped = NULL;
	for (;;) {
		bool any;
		int status;
		uint64_t f = spin_lock_irqsave(&task_lock);
		struct task *z = find_waitable(self, q, &any, &status);
		bool ended = z && z->state == TASK_ZOMBIE;
		bool reap = ended && !(q->options & WNOWAIT);
		if (z && !ended && !(q->options & WNOWAIT)) { /* a stop or continue: reported once */
			z->wait_stop_report = 0;
			z->wait_cont_report = false;
		}
		if (z && reap) { /* the tree's reference is ours now */
			list_del(&z->sibling);
			task_unhash(z);
		} else if (z) {
			task_get(z);
		}
		spin_unlock_irqrestore(&task_lock, f);
		if (z && !ended) {
			res->pid = z->pid;
			res->status = status;
			res->utime_ns = z->utime_ns + z->dead_utime_ns;
			res->stime_ns = z->stime_ns + z->dead_stime_ns;
			task_put(z);
			return res->pid;
		}
		if (z) {
			/* It may still be switching away on another CPU: its times and stack are
			 * final once it is off (a few instructions, with interrupts off there). */
			while (READ_ONCE(z->on_cpu))
				cpu_relax();
			res->pid = z->pid;
			res->status = status;
			res->utime_ns = z->utime_ns + z->dead_utime_ns + z->cutime_ns;
			res->stime_ns = z->stime_ns + z->dead_stime_ns + z->cstime_ns;
			if (reap) {
				self->cutime_ns += res->utime_ns;
				self->cstime_ns += res->stime_ns;
			}
			if (reap && reaped)
				*reaped = z; /* caller reads it, then task_put()s */
			else
				task_put(z);
			return res->pid;
		}
		if (!any)
			return -ECHILD;
		if (q->options & WNOHANG)
			return 0;
		int rc = wait_event_interruptible(self->child_exit, ({
			bool a;
			int st;
			uint64_t g = spin_lock_irqsave(&task_lock);
			bool ready = find_waitable(self, q, &a, &st) || !a;
			spin_unlock_irqrestore(&task_lock, g);
			ready;
		}));
		if (rc)
			return rc;
	}
}

void return_to_user_work(struct trap_frame *tf)
{
	struct task *t = current();
	if (t->pending_kill)
		task_exit_group(W_SIGNALED(t->pending_kill));
	sched_preempt_if_needed();
	/* Signals: with interrupts on (a frame is written to user memory), and only when
	 * there is something to do: each interrupt-flag change costs under emulation. One
	 * that comes after the last look waits for the next return (a tick at most). */
	if (signal_work()) {
		irq_enable();
		signal_deliver(tf);
		irq_disable();
	}
	account_kernel_to_user();
}
