/* The OOM killer: the victim is the user task whose address space holds the most pages,
 * resident or swapped out, the one whose death frees the most. Kernel threads are never chosen, nor a task already
 * dying. */
#include "mm/oom.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "mm/addrspace.h"
#include "kernel/printk.h"
#include "kernel/mutex.h"

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

/* Wait (up to a second each) until t has exited and the last other user of its address
 * space mm (a reclaimer, a /proc reader) has let go of it, then drop ours: the memory is
 * back when this returns. Not for the caller's own task. */
static void wait_for_memory(struct task *t, struct mm *mm)
{
	for (int ms = 0; READ_ONCE(t->state) != TASK_ZOMBIE && ms < 1000; ms += 5)
		sleep_ms(5);
	for (int ms = 0; mm && READ_ONCE(mm->users) > 1 && ms < 1000; ms += 5)
		sleep_ms(5);
}

bool out_of_memory(void)
{
	/* A task killed meanwhile (maybe by the holder, for memory) must not wait for the
	 * lock: the holder waits for it to exit. */
	while (!mutex_trylock(&oom_lock)) {
		if (current()->pending_kill)
			return false;
		sleep_ms(1);
	}
	if (current()->pending_kill) { /* chosen while waiting: it is on its way out */
		mutex_unlock(&oom_lock);
		return false;
	}
	struct victim v = { 0, 0, 0, 0 };
	task_for_each(consider, &v);
	/* A task killed for memory (by another caller, a moment ago) is still dying: its
	 * memory is on its way back, so wait for it rather than kill another one. */
	int pid = v.dying ? v.dying : v.pid;
	struct task *t = pid ? task_find(pid) : NULL;
	if (t) {
		struct mm *mm = task_mm_get(t); /* ours may be the last reference: see below */
		if (!v.dying) {
			printk("out of memory: killed pid %d (%s), rss %lu KiB, swap %lu KiB\n", t->pid,
			       t->name, v.rss * (PAGE_SIZE / 1024), v.swap * (PAGE_SIZE / 1024));
			task_kill(t, SIGKILL);
		}
		if (t != current())
			wait_for_memory(t, mm);
		if (mm)
			mm_put(mm); /* the teardown, if nobody else holds it */
		task_put(t);
	}
	mutex_unlock(&oom_lock);
	return t != NULL;
}
