/* Scheduling system calls: getcpu, sched_setaffinity and sched_getaffinity (a thread id;
 * 0: the caller), and getpriority and setpriority (the nice level that
 * weighs a task's quantum, kernel/sched.c), with Linux's rules: PRIO_PROCESS names one task (a
 * thread id; 0: the caller), PRIO_PGRP a process group (0: the caller's), PRIO_USER a user
 * (every task belongs to root here). */
#include "kernel/syscall_table.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "lib/errno.h"
#include "arch-x86_64/smp_call.h"

#define PRIO_PROCESS 0
#define PRIO_PGRP    1
#define PRIO_USER    2

/* Which tasks a priority call is about, and what it found or sets. */
struct prio_walk {
	int which, who;
	int nice;		/* setpriority: the new level */
	bool set;
	int found;		/* tasks matched */
	int best;		/* getpriority: the lowest nice level matched */
};

/* [task_lock] */
static void prio_one(struct task *t, void *ctx)
{
	struct prio_walk *w = ctx;
	bool match = w->which == PRIO_PROCESS ? t->pid == w->who
		     : w->which == PRIO_PGRP ? t->pgid == w->who && !t->kthread_fn
		     : !t->kthread_fn; /* PRIO_USER: every user task is root's */
	if (!match || t->state == TASK_ZOMBIE)
		return;
	w->found++;
	if (w->set)
		sched_set_nice(t, w->nice);
	else if (READ_ONCE(t->nice) < w->best)
		w->best = READ_ONCE(t->nice);
}

/* -EINVAL for a bad which, -ESRCH when nothing matched; else 0 with w filled. */
static long prio_walk(struct prio_walk *w)
{
	if (w->which < PRIO_PROCESS || w->which > PRIO_USER)
		return -EINVAL;
	if (!w->who)
		w->who = w->which == PRIO_PROCESS ? current()->pid
			 : w->which == PRIO_PGRP ? current()->pgid : 0;
	task_for_each(prio_one, w);
	return w->found ? 0 : -ESRCH;
}

/* The raw system call's value: 20 - nice (1..40), of the highest priority matched. */
long sys_getpriority(int which, int who)
{
	struct prio_walk w = { which, who, 0, false, 0, 20 };
	long rc = prio_walk(&w);
	return rc ? rc : 20 - w.best;
}

/* nice is clamped to -20..19, as on Linux (root may raise priority too). */
long sys_setpriority(int which, int who, int nice)
{
	struct prio_walk w = { which, who, MAX(-20, MIN(nice, 19)), true, 0, 20 };
	return prio_walk(&w);
}

/* The CPU the caller runs on and its NUMA node (always 0 here); the vDSO answers the same
 * without a system call. Either pointer may be NULL. */
long sys_getcpu(unsigned *ucpu, unsigned *unode, void *unused)
{
	unsigned cpu = this_cpu()->id, node = 0;
	if (ucpu && copy_to_user(ucpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (unode && copy_to_user(unode, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* The task pid names (0: the caller), with a reference: NULL if there is none. */
static struct task *affinity_target(int pid)
{
	if (pid < 0)
		return NULL;
	if (!pid) {
		task_get(current());
		return current();
	}
	return task_find(pid);
}

/* Linux's cpumask is one 64-bit word here (MAX_CPUS <= 64): a shorter len must still hold
 * every CPU's bit. The mask's size is returned. */
long sys_sched_getaffinity(int pid, size_t len, uint64_t *umask)
{
	if (len < sizeof(uint64_t) || len % sizeof(uint64_t))
		return -EINVAL;
	struct task *t = affinity_target(pid);
	if (!t)
		return -ESRCH;
	uint64_t mask = READ_ONCE(t->cpus_allowed) & smp_online_mask();
	task_put(t);
	return copy_to_user(umask, &mask, sizeof(mask)) ? -EFAULT : (long)sizeof(mask);
}

/* Bits past len bytes count as 0 and bits past the word are ignored, as Linux reads a
 * user mask of another size; a mask with no online CPU gives -EINVAL. */
long sys_sched_setaffinity(int pid, size_t len, const uint64_t *umask)
{
	uint64_t mask = 0;
	if (copy_from_user(&mask, umask, MIN(len, sizeof(mask))))
		return -EFAULT;
	struct task *t = affinity_target(pid);
	if (!t)
		return -ESRCH;
	long rc = sched_set_affinity(t, mask);
	task_put(t);
	return rc;
}
