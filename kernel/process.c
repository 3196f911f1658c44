/* Process life cycle: exit, wait, kill. A task becomes a zombie when it exits and is freed
 * when its parent reaps it with wait4 or waitid; orphans are adopted by the reaper (the shell). */
#include "kernel/process.h"
#include "kernel/sched.h"
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
		[SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
	};
	return sig > 0 && sig < (int)ARRAY_SIZE(names) ? names[sig] : NULL;
}

struct task *process_create(const char *name, struct task *parent, struct mm *mm,
			    struct files *files, const struct fpu_state *fpu)
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

void task_exit(int status)
{
	struct task *t = current();
	BUG_ON(!t->parent && t->mm);

	irq_enable();
	timers_exit(t); /* before anything else: none may fire into the task as it goes */
	if (t->clear_child_tid && t->mm) { /* glibc's and musl's thread exit protocol */
		int zero = 0;
		copy_to_user((void *)t->clear_child_tid, &zero, sizeof(zero));
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

	f = spin_lock_irqsave(&task_lock);
	struct list_head *p, *tmp;
	list_for_each_safe(p, tmp, &t->children) {
		struct task *c = list_entry(p, struct task, sibling);
		list_del(&c->sibling);
		c->parent = reaper;
		list_add_tail(&c->sibling, &reaper->children);
		if (c->pdeath_signal)
			task_kill(c, c->pdeath_signal);
	}
	t->exit_status = status;
	t->state = TASK_ZOMBIE; /* under task_lock: wait4 sees it with the status set */
	struct task *parent = t->parent;
	spin_unlock_irqrestore(&task_lock, f);
	if (!list_empty(&reaper->children))
		wake_up_all(&reaper->child_exit);
	wake_up_all(&parent->child_exit);
	poll_notify(); /* pidfds on t are readable now */
	sched_exit_current();
}

void task_fault_kill(int sig, const char *what, uint64_t addr, uint64_t ip)
{
	struct task *t = current();
	printk("pid %d (%s): %s at 0x%lx ip 0x%lx\n", t->pid, t->name, what, addr, ip);
	task_exit(W_SIGNALED(sig));
}

bool sig_default_ignored(int sig)
{
	return sig == SIGCHLD || (sig >= 18 && sig <= 23) || sig == 28;
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

int task_kill(struct task *t, int sig)
{
	if (t->kthread_fn || !t->parent)
		return -EPERM; /* kernel threads (and the idle task) take no signals */
	if (READ_ONCE(t->state) == TASK_ZOMBIE)
		return 0;
	uint64_t bit = sig_bit(sig);
	if (sig != SIGKILL) {
		if (__atomic_load_n(&t->sig_blocked, __ATOMIC_RELAXED) & bit) {
			__atomic_or_fetch(&t->sig_pending, bit, __ATOMIC_RELAXED);
			return 0; /* delivered when unblocked (rt_sigprocmask) */
		}
		if (sig_default_ignored(sig) || ((READ_ONCE(t->sig_ignored) | READ_ONCE(t->sig_caught)) & bit))
			return 0;
	}
	if (!t->pending_kill)
		t->pending_kill = sig;
	sched_wake(t);
	return 0;
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
 * all. Stops and continues are never reported (there is no job control here). */
static struct task *find_waitable(struct task *parent, const struct wait_query *q, bool *any)
{
	struct list_head *p;
	assert_held(&task_lock);
	*any = false;
	list_for_each(p, &parent->children) {
		struct task *c = list_entry(p, struct task, sibling);
		if (!wait_matches(q, c))
			continue;
		*any = true;
		if (c->state == TASK_ZOMBIE && (q->options & WEXITED))
			return c;
	}
	return NULL;
}

int task_wait(const struct wait_query *q, struct wait_result *res, struct task **reaped)
{
	struct task *self = current();
	bool reap = !(q->options & WNOWAIT);
	for (;;) {
		bool any;
		uint64_t f = spin_lock_irqsave(&task_lock);
		struct task *z = find_waitable(self, q, &any);
		if (z && reap) { /* the tree's reference is ours now */
			list_del(&z->sibling);
			task_unhash(z);
		} else if (z) {
			task_get(z);
		}
		spin_unlock_irqrestore(&task_lock, f);
		if (z) {
			/* It may still be switching away on another CPU: its times and stack are
			 * final once it is off (a few instructions, with interrupts off there). */
			while (READ_ONCE(z->on_cpu))
				cpu_relax();
			res->pid = z->pid;
			res->status = z->exit_status;
			res->utime_ns = z->utime_ns + z->cutime_ns;
			res->stime_ns = z->stime_ns + z->cstime_ns;
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
		int rc = wait_event_killable(self->child_exit, ({
			bool a;
			uint64_t g = spin_lock_irqsave(&task_lock);
			bool ready = find_waitable(self, q, &a) || !a;
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
		task_exit(W_SIGNALED(t->pending_kill));
	sched_preempt_if_needed();
	if (t->pending_kill)
		task_exit(W_SIGNALED(t->pending_kill));
	irq_disable();
	account_kernel_to_user();
}
