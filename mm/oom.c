/* The OOM killer: the victim is the user task whose address space holds the most pages,
 * resident or swapped out, the one whose death frees the most. Kernel threads are never chosen, nor a task already
 * dying. */
#include "oom.h"
#include "process.h"
#include "sched.h"
#include "addrspace.h"
#include "printk.h"
#include "mutex.h"

struct victim {
	int pid;
	uint64_t rss, swap; /* pages */
	int dying;	    /* a task killed already that still holds its memory, or 0 */
};

/* One OOM decision at a time: tasks that run out together would each kill another. */
static struct mutex oom_lock = MUTEX_INIT(oom_lock, "oom");

/* [task_lock]: t->mm stays while we look (task_set_mm changes it under the lock). */
static void consider(struct task *t, void *ctx)
{
	struct victim *v = ctx;
	struct mm *mm = t->mm;
	if (!mm || t->state == TASK_ZOMBIE)
		return;
	if (READ_ONCE(t->pending_kill) == SIGKILL) {
		if (t != current())
			v->dying = t->pid;
		return;
	}
	uint64_t rss = READ_ONCE(mm->rss_anon) + READ_ONCE(mm->rss_file) + READ_ONCE(mm->rss_shmem);
	uint64_t swap = READ_ONCE(mm->swap_ents);
	if (rss + swap > v->rss + v->swap || !v->pid) {
		v->pid = t->pid;
		v->rss = rss;
		v->swap = swap;
	}
}

/* Wait (up to a second) until t has let go of its memory, unless it is the caller. */
static void wait_for_exit(struct task *t)
{
	for (int ms = 0; t != current() && READ_ONCE(t->state) != TASK_ZOMBIE && ms < 1000; ms += 5)
		sleep_ms(5);
}

bool out_of_memory(void)
{
	mutex_lock(&oom_lock);
	struct victim v = { 0, 0, 0, 0 };
	task_for_each(consider, &v);
	/* A task killed for memory (by another caller, a moment ago) is still dying: its
	 * memory is on its way back, so wait for it rather than kill another one. */
	int pid = v.dying ? v.dying : v.pid;
	struct task *t = pid ? task_find(pid) : NULL;
	if (t && !v.dying) {
		printk("out of memory: killed pid %d (%s), rss %lu KiB, swap %lu KiB\n", t->pid,
		       t->name, v.rss * (PAGE_SIZE / 1024), v.swap * (PAGE_SIZE / 1024));
		task_kill(t, SIGKILL);
	}
	if (t) {
		wait_for_exit(t);
		task_put(t);
	}
	mutex_unlock(&oom_lock);
	return t != NULL;
}
