/* The OOM killer: the victim is the user task whose address space holds the most pages,
 * resident or swapped out, the one whose death frees the most. Kernel threads are never chosen, nor a task already
 * dying. */
#include "oom.h"
#include "process.h"
#include "sched.h"
#include "addrspace.h"
#include "printk.h"

struct victim {
	int pid;
	uint64_t rss, swap; /* pages */
};

/* [task_lock]: t->mm stays while we look (task_set_mm changes it under the lock). */
static void consider(struct task *t, void *ctx)
{
	struct victim *v = ctx;
	struct mm *mm = t->mm;
	if (!mm || t->state == TASK_ZOMBIE || READ_ONCE(t->pending_kill) == SIGKILL)
		return;
	uint64_t rss = READ_ONCE(mm->rss_anon) + READ_ONCE(mm->rss_file) + READ_ONCE(mm->rss_shmem);
	uint64_t swap = READ_ONCE(mm->swap_ents);
	if (rss + swap > v->rss + v->swap || !v->pid) {
		v->pid = t->pid;
		v->rss = rss;
		v->swap = swap;
	}
}

bool out_of_memory(void)
{
	struct victim v = { 0, 0, 0 };
	task_for_each(consider, &v);
	struct task *t = v.pid ? task_find(v.pid) : NULL;
	if (!t)
		return false;
	printk("out of memory: killed pid %d (%s), rss %lu KiB, swap %lu KiB\n", t->pid, t->name,
	       v.rss * (PAGE_SIZE / 1024), v.swap * (PAGE_SIZE / 1024));
	task_kill(t, SIGKILL);
	for (int ms = 0; t != current() && READ_ONCE(t->state) != TASK_ZOMBIE && ms < 1000; ms += 5)
		sleep_ms(5);
	task_put(t);
	return true;
}
