/* The OOM killer. When reclaim can free nothing more, it kills the user task whose death
 * frees the most memory: the pages only its address space maps, resident or swapped out
 * (mm_exclusive_pages), and the kernel memory it makes the kernel hold (kernel_pages: page
 * tables, VMAs, KSM rmap items, its share of pipe buffers and rendered /proc text), so
 * that a task cannot hide a hoard in kernel memory. A page that several address spaces
 * map (a KSM page, a page shared copy-on-write since a fork, shared memory) counts for
 * none of them, since killing one sharer frees nothing of it. (Linux's badness counts
 * every mapped page for every mapper, which with merged memory picks tasks whose death
 * frees little, and of kernel memory only page tables.) Kernel threads are never chosen.
 * A process is one candidate however many threads it has; its kill ends them all.
 *
 * A victim's memory comes back when its address space is torn down: once it has exited
 * and every other holder (ksmd, reclaim, a /proc reader) has let go. Until then nobody
 * else is killed: callers wait for it, up to a second a call, and retry their allocation.
 * A task killed with SIGKILL by somebody else is waited for the same way. A victim whose
 * memory is not back after VICTIM_PATIENCE_NS is given up on, so that a stuck holder
 * cannot stop every allocation for good. */
#include "mm/oom.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "mm/addrspace.h"
#include "mm/smaps.h"
#include "mm/ksm.h"
#include "fs/file.h"
#include "kernel/printk.h"
#include "kernel/mutex.h"

#define VICTIM_PATIENCE_NS (10 * NSEC_PER_SEC)

/* One OOM decision at a time: tasks that run out together would each kill another. */
static struct mutex oom_lock = MUTEX_INIT(oom_lock, "oom");

/* The last victim's address space until its teardown: set under oom_lock, cleared by the
 * teardown (oom_mm_torn_down, atomic) or when given up on. Never dereferenced: the
 * teardown clears it before the struct is freed. */
static struct mm *victim_mm;
static uint64_t victim_since;

/* The user tasks alive at the decision, each with a task, an mm and a files reference.
 * [oom_lock] */
struct candidate {
	struct task *task;
	struct mm *mm;
	struct files *files;	/* NULL if it had none */
};
static struct candidate candidates[MAX_TASKS];
static int nr_candidates;

/* [task_lock] Whether t stands for its process: its leader, or, once the leader has
 * exited, its first thread (a process is one candidate, however many threads). */
static bool stands_for_process(struct task *t)
{
	struct task *leader = t->group_leader;
	if (leader->state != TASK_ZOMBIE)
		return t == leader;
	return !list_empty(&leader->threads) &&
	       t == list_first_entry(&leader->threads, struct task, thread_node);
}

/* [task_lock] Take t's process as a candidate, or, when it is dying of SIGKILL already,
 * as the victim to wait for (*dying, the first such). The caller's own is added apart. */
static void collect(struct task *t, void *ctx)
{
	struct candidate *dying = ctx;
	if (!t->mm || t->kthread_fn || t->state == TASK_ZOMBIE || !stands_for_process(t) ||
	    t->group_leader == current()->group_leader || nr_candidates == MAX_TASKS ||
	    !mm_tryget(t->mm))
		return;
	bool killed = READ_ONCE(t->pending_kill) == SIGKILL;
	struct candidate *c = killed ? dying : &candidates[nr_candidates++];
	if (killed && dying->mm) {
		mm_put(t->mm); /* not the last: t holds its own */
		return;
	}
	task_get(t);
	c->task = t;
	c->mm = t->mm;
	c->files = t->files;
	if (c->files)
		files_get(c->files);
}

static void candidate_release(struct candidate *c)
{
	mm_put(c->mm); /* the teardown, if the task exited meanwhile */
	if (c->files)
		files_put(c->files);
	task_put(c->task);
}

/* The kernel memory c's death gives back, in pages: its page tables, VMAs and KSM rmap
 * items, and its share of its open files (pipe buffers, rendered /proc text). */
static uint64_t kernel_pages(const struct candidate *c)
{
	struct mm_stats st;
	struct ksm_mm_stat ks;
	mm_get_stats(c->mm, &st);
	ksm_get_mm_stat(c->mm, &ks);
	uint64_t bytes = (st.pte_kb + st.vma_kb) * 1024 + ks.items_bytes +
			 (c->files ? files_kernel_bytes(c->files) : 0);
	return DIV_ROUND_UP(bytes, PAGE_SIZE);
}

void oom_mm_torn_down(struct mm *mm)
{
	__atomic_compare_exchange_n(&victim_mm, &mm, NULL, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* [oom_lock] Wait up to a second for victim_mm's teardown. true once it is over (or given
 * up on: see the top). */
static bool victim_memory_back(void)
{
	for (int ms = 0; __atomic_load_n(&victim_mm, __ATOMIC_ACQUIRE) && ms < 1000; ms += 5)
		sleep_ms(5);
	if (!__atomic_load_n(&victim_mm, __ATOMIC_ACQUIRE))
		return true;
	if (clock_ns() - victim_since < VICTIM_PATIENCE_NS)
		return false;
	printk("out of memory: the victim's memory is not back after %lu s; choosing again\n",
	       VICTIM_PATIENCE_NS / NSEC_PER_SEC);
	__atomic_store_n(&victim_mm, NULL, __ATOMIC_RELAXED);
	return true;
}

/* [oom_lock] Kill the candidate whose death frees the most (or adopt a dying task) and
 * make its address space victim_mm. false if there is none. Releases the candidates. */
static bool choose_victim(void)
{
	struct candidate dying = { NULL, NULL, NULL };
	struct candidate self = { current(), NULL, NULL };
	nr_candidates = 0;
	task_for_each(collect, &dying);
	/* The caller is a candidate too, last: its own reference is taken outside task_lock
	 * (it is running, so its mm cannot go). */
	if (self.task->mm && !self.task->kthread_fn && nr_candidates < MAX_TASKS) {
		task_get(self.task);
		mm_get(self.task->mm);
		self.mm = self.task->mm;
		if ((self.files = self.task->files))
			files_get(self.files);
		candidates[nr_candidates++] = self;
	}
	struct candidate *best = NULL;
	uint64_t best_pages = 0, best_kernel = 0;
	for (int i = 0; i < nr_candidates && !dying.mm; i++) {
		uint64_t kernel = kernel_pages(&candidates[i]);
		uint64_t pages = mm_exclusive_pages(candidates[i].mm) + kernel;
		if (!best || pages > best_pages) {
			best = &candidates[i];
			best_pages = pages;
			best_kernel = kernel;
		}
	}
	struct candidate chosen = dying.mm ? dying : best ? *best : (struct candidate){ NULL, NULL, NULL };
	if (chosen.task && !dying.mm) {
		struct mm *mm = chosen.mm;
		/* The process's pid (tgid), as Linux's "Killed process N": the task that stands
		 * for it may be another thread (the caller itself, or the first thread once the
		 * leader has exited), whose tid would name no process. */
		printk("out of memory: killed pid %d (%s), rss %lu KiB, swap %lu KiB, frees %lu KiB "
		       "(kernel %lu KiB)\n", chosen.task->tgid, chosen.task->name,
		       (READ_ONCE(mm->rss_anon) + READ_ONCE(mm->rss_file) + READ_ONCE(mm->rss_shmem)) *
			       (PAGE_SIZE / 1024),
		       READ_ONCE(mm->swap_ents) * (PAGE_SIZE / 1024), best_pages * (PAGE_SIZE / 1024),
		       best_kernel * (PAGE_SIZE / 1024));
		task_kill(chosen.task, SIGKILL);
	}
	if (chosen.task) { /* before the candidates' references go, which may tear it down */
		__atomic_store_n(&victim_mm, chosen.mm, __ATOMIC_RELAXED);
		victim_since = clock_ns();
	}
	for (int i = 0; i < nr_candidates; i++)
		candidate_release(&candidates[i]);
	if (dying.mm)
		candidate_release(&dying);
	return chosen.task != NULL;
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
	bool chosen = true;
	if (current()->pending_kill) /* chosen while waiting: it is on its way out */
		chosen = false;
	else if (__atomic_load_n(&victim_mm, __ATOMIC_ACQUIRE)) /* on its way: nobody else dies */
		victim_memory_back();
	else if ((chosen = choose_victim()) && !current()->pending_kill)
		victim_memory_back();
	mutex_unlock(&oom_lock);
	return chosen;
}
