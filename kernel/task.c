/* Task creation, lookup and naming. The task list and the parent/child links are guarded
 * by task_lock; a task's scheduling state by the scheduler (sched.c). */
#include "kernel/task.h"
#include "kernel/sched.h"
#include "arch-x86_64/context.h"
#include "kernel/clock.h"
#include "mm/kmalloc.h"
#include "kernel/signal.h"
#include "mm/page_alloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "kernel/lock.h"

#define KSTACK_ORDER 2 /* KSTACK_SIZE = 4 pages */
_Static_assert(KSTACK_SIZE == PAGE_SIZE << KSTACK_ORDER, "kernel stack size");

spinlock_t task_lock = SPINLOCK_INIT("tasks");
static struct list_head all_tasks = LIST_HEAD_INIT(all_tasks); /* [task_lock] by pid */
static unsigned nr_tasks;					/* [task_lock] */
static int last_pid;						/* [task_lock] */
static uint64_t nr_created;					/* [task_lock] */

void task_set_name(struct task *t, const char *name)
{
	strlcpy(t->name, name, sizeof(t->name));
}

/* [task_lock] A free pid above the last one handed out (wrapping below 32768, like Linux's
 * default pid_max), and the list position that keeps all_tasks in pid order. */
static int alloc_pid(struct list_head **pos)
{
	assert_held(&task_lock);
	for (;;) {
		int pid = last_pid + 1 >= 32768 ? 1 : last_pid + 1;
		struct list_head *p;
		last_pid = pid;
		bool taken = false;
		list_for_each(p, &all_tasks) {
			struct task *t = list_entry(p, struct task, all_node);
			if (t->pid == pid)
				taken = true;
			if (t->pid >= pid)
				break;
		}
		if (!taken) {
			*pos = p;
			return pid;
		}
	}
}

struct task *task_alloc(const char *name)
{
	struct task *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	struct page *stack = alloc_kernel_pages(KSTACK_ORDER);
	if (!stack) {
		kfree(t);
		return NULL;
	}
	t->kstack = page_address(stack);
	task_set_name(t, name);
	list_init(&t->run_node);
	list_init(&t->timer_node);
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->threads);
	list_init(&t->thread_node);
	t->group_leader = t;
	wait_queue_init(&t->child_exit);
	wait_queue_init(&t->vfork_done);
	wait_queue_init(&t->stop_wait);
	spin_lock_init(&t->sig_lock, "signal");
	strlcpy(t->cwd, "/", sizeof(t->cwd));
	t->umask = 022;
	t->cpus_allowed = ~0UL; /* every CPU */
	t->start_ns = clock_ns();
	t->refcount = 1; /* the task tree's: dropped when the task is reaped */

	uint64_t f = spin_lock_irqsave(&task_lock);
	if (nr_tasks >= MAX_TASKS) {
		spin_unlock_irqrestore(&task_lock, f);
		free_pages(stack, KSTACK_ORDER);
		kfree(t);
		return NULL;
	}
	struct list_head *pos;
	t->pid = t->tgid = alloc_pid(&pos);
	list_add_tail(&t->all_node, pos);
	nr_tasks++;
	t->serial = ++nr_created;
	spin_unlock_irqrestore(&task_lock, f);
	return t;
}

static void task_free(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	if (!list_empty(&t->all_node))
		list_del(&t->all_node);
	nr_tasks--;
	spin_unlock_irqrestore(&task_lock, f);
	BUG_ON(t->on_cpu);
	sighand_put(t->sighand);
	if (t->group_leader != t)
		task_put(t->group_leader);
	free_pages(virt_to_page(t->kstack), KSTACK_ORDER);
	kfree(t);
}

void task_get(struct task *t)
{
	__atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
}

void task_put(struct task *t)
{
	if (__atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		task_free(t);
}

void task_set_first_frame(struct task *t, void (*entry)(void), uint64_t stack_top)
{
	t->saved_rsp = switch_frame_init(stack_top, entry);
}

uint64_t task_kstack_top(struct task *t)
{
	return (uint64_t)t->kstack + KSTACK_SIZE;
}

void kthread_entry(void)
{
	struct task *t = current();
	t->kthread_fn(t->kthread_arg);
	panic("kernel thread %s returned", t->name);
}

struct task *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	t->kthread_fn = fn;
	t->kthread_arg = arg;
	task_set_first_frame(t, kthread_start, task_kstack_top(t));
	sched_start(t);
	return t;
}

void task_counts(struct task_counts *c)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	c->tasks = nr_tasks;
	c->created = nr_created;
	c->last_pid = last_pid;
	spin_unlock_irqrestore(&task_lock, f);
}

void task_unhash(struct task *t)
{
	assert_held(&task_lock);
	list_del(&t->all_node); /* leaves it empty: task_free sees it is gone */
}

void task_take_pid(struct task *t, struct task *old)
{
	assert_held(&task_lock);
	int pid = old->pid; /* the list is sorted by pid: t moves to old's place */
	old->pid = t->pid;
	t->pid = pid;
	list_del(&t->all_node);
	list_add(&t->all_node, &old->all_node);
	list_del(&old->all_node);
	list_init(&old->all_node);
}

struct task *task_find_locked(int pid)
{
	struct list_head *p;
	assert_held(&task_lock);
	list_for_each(p, &all_tasks) {
		struct task *t = list_entry(p, struct task, all_node);
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

struct task *task_find(int pid)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *found = task_find_locked(pid);
	if (found)
		task_get(found);
	spin_unlock_irqrestore(&task_lock, f);
	return found;
}

void task_for_each_locked(void (*fn)(struct task *t, void *ctx), void *ctx)
{
	struct list_head *p;
	assert_held(&task_lock);
	list_for_each(p, &all_tasks)
		fn(list_entry(p, struct task, all_node), ctx);
}

void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	task_for_each_locked(fn, ctx);
	spin_unlock_irqrestore(&task_lock, f);
}
