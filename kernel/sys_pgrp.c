/* Process groups and sessions: setpgid, getpgid, getpgrp, setsid, getsid, with Linux's
 * rules. Each task keeps its group and session ids (task->pgid, task->sid, under
 * task_lock); fork inherits them; a program the shell starts leads its own session and
 * group. A group or session exists while a task (a zombie too) is in it. kill() of a
 * group is in sys_signal.c. */
#include "kernel/syscall_table.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "lib/errno.h"
#include "kernel/lock.h"

struct group_probe {
	int pgid, sid;
	bool found;
};

/* [task_lock] */
static void probe_group(struct task *t, void *ctx)
{
	struct group_probe *g = ctx;
	if (t->pgid == g->pgid && (!g->sid || t->sid == g->sid))
		g->found = true;
}

/* [task_lock] Whether a task is in group pgid (and, unless sid is 0, in session sid). */
static bool group_exists(int pgid, int sid)
{
	assert_held(&task_lock);
	struct group_probe g = { pgid, sid, false };
	task_for_each_locked(probe_group, &g);
	return g.found;
}

/* Move pid (0: the caller) into group pgid (0: its own pid): the caller itself or a child
 * of it in the same session that has not exec'd (-EACCES if it has), never a session
 * leader (-EPERM); the group must be the mover's own or exist in the caller's session
 * (-EPERM); -ESRCH if pid is neither the caller nor its child; -EINVAL for pgid < 0. */
long sys_setpgid(int pid, int pgid)
{
	struct task *self = current();
	if (!pid)
		pid = self->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	long rc;
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *p = task_find_locked(pid);
	if (!p || (p != self && p->parent != self)) {
		rc = -ESRCH;
		goto out;
	}
	if (p != self && p->sid != self->sid) {
		rc = -EPERM;
		goto out;
	}
	if (p != self && p->did_exec) {
		rc = -EACCES;
		goto out;
	}
	if (p->sid == p->pid || (pgid != pid && !group_exists(pgid, self->sid))) {
		rc = -EPERM;
		goto out;
	}
	p->pgid = pgid;
	rc = 0;
out:
	spin_unlock_irqrestore(&task_lock, f);
	return rc;
}

/* The group (sid: the session) of pid, 0 meaning the caller; -ESRCH if there is none. */
static long pgrp_or_session_of(int pid, bool sid)
{
	if (!pid)
		pid = current()->pid;
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *p = task_find_locked(pid);
	long rc = !p ? -ESRCH : sid ? p->sid : p->pgid;
	spin_unlock_irqrestore(&task_lock, f);
	return rc;
}

long sys_getpgid(int pid) { return pgrp_or_session_of(pid, false); }
long sys_getsid(int pid) { return pgrp_or_session_of(pid, true); }
long sys_getpgrp(void) { return pgrp_or_session_of(0, false); }

/* A new session and group led by the caller: its id, or -EPERM if a group with the
 * caller's pid exists (it leads one already). */
long sys_setsid(void)
{
	struct task *self = current();
	long rc = -EPERM;
	uint64_t f = spin_lock_irqsave(&task_lock);
	if (!group_exists(self->pid, 0)) {
		self->pgid = self->sid = self->pid;
		rc = self->pid;
	}
	spin_unlock_irqrestore(&task_lock, f);
	return rc;
}
