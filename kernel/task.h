/* Tasks: kernel threads and user processes, each with its own kernel stack. */
#ifndef TASK_H
#define TASK_H

#include "lib/compiler.h"
#include "lib/list.h"
#include "arch-x86_64/percpu.h"
#include "kernel/wait.h"
#include "kernel/siginfo.h"

#define TASK_NAME_LEN  16
#define KSTACK_SIZE    (16 * 1024)
#define MAX_TASKS      256	/* fork gives -EAGAIN beyond this */

enum task_state {
	TASK_RUNNING,	/* on a CPU */
	TASK_RUNNABLE,	/* in the run queue */
	TASK_SLEEPING,	/* waiting on a wait queue or a timer */
	TASK_ZOMBIE,	/* exited, waiting for its parent's wait4 */
};

struct mm;
struct files;
struct sighand;
struct task_timers;

/* FXSAVE image of the user's x87/SSE state (512 bytes, 16-byte aligned). */
struct fpu_state {
	uint8_t bytes[512];
} __aligned(16);

/* One task. Fields marked [sched] are guarded by the scheduler lock; [self] are touched
 * only by the task itself (or before it first runs); [tree] by the task-tree lock. */
struct task {
	int pid;				/* [const] */
	int refcount;				/* atomic: the tree's + task_find()'s */
	char name[TASK_NAME_LEN];		/* [self] comm, NUL-terminated */
	enum task_state state;			/* [sched] */
	uint64_t saved_rsp;			/* [sched] kernel rsp while switched out */
	void *kstack;				/* [const] KSTACK_SIZE bytes */
	struct list_head run_node;		/* [sched] run queue */
	struct list_head all_node;		/* [tree] task list */

	struct mm *mm;				/* NULL for kernel threads */
	struct files *files;			/* open file table, NULL for kernel threads;
						 * cleared at exit under task_lock */
	struct fpu_state *fpu;			/* user FPU state, NULL for kernel threads */
	uint64_t fs_base;			/* [self] user FS base (TLS) */
	uint64_t clear_child_tid;		/* [self] set_tid_address */
	uint64_t robust_list;			/* [self] set_robust_list's head; walked at exit and
						 * exec (futex_exit_robust_list); 0 after fork */
	int mempolicy;				/* [self] set_mempolicy's mode | flags (numa.c) */
	char cwd[64];				/* [self] written under task_lock too: a thread's
						 * chdir sets it in every thread (task_set_cwd) */

	struct task *parent;			/* [tree] (a thread's: its leader's at clone) */
	struct list_head children;		/* [tree] */
	struct list_head sibling;		/* [tree] in parent->children (leaders only) */
	/* Threads (clone with CLONE_THREAD, kernel/sys_proc.c): the tasks of a thread group
	 * share mm, files and sighand, and its leader's pid is the group's (getpid). Only the
	 * leader is its parent's child; another thread is reaped by the scheduler when it
	 * exits (autoreap), and the leader's zombie is reported once the last one is gone. */
	int tgid;				/* [tree] the leader's pid */
	struct task *group_leader;		/* [tree] itself, or the leader (a reference) */
	struct list_head threads;		/* [tree] a leader's other threads */
	struct list_head thread_node;		/* [tree] in the leader's threads */
	bool autoreap;				/* [tree] a thread that exited: the scheduler frees it */
	bool group_exiting;			/* [tree] leader: exit_group, a fatal signal, or an
						 * execve ending the other threads */
	struct task *exec_thread;		/* [tree] leader: that execve's thread, spared */
	int group_exit_status;			/* [tree] leader: the process's wait status then */
	uint64_t dead_utime_ns, dead_stime_ns;	/* [tree] leader: CPU time of threads gone */
	/* Job control (kernel/signal.c), the leader's for its group: a stop signal stops every
	 * thread until a SIGCONT. */
	int stop_sig;				/* atomic: what stopped the group, 0 if running */
	bool cont_notify;			/* atomic: resumed, and the parent not told yet */
	int stop_parked;			/* [tree] its threads parked in the stop: the parent
						 * is told once all are */
	int wait_stop_report;			/* [tree] (set by a SIGCONT atomically, too) a stop a
						 * WUNTRACED wait may report */
	bool wait_cont_report;			/* [tree] (idem) a continue WCONTINUED may report */
	struct wait_queue stop_wait;		/* its stopped threads sleep here */
	struct wait_queue child_exit;		/* woken when a child becomes a zombie */
	int exit_status;			/* [tree] wait4 status once a zombie */
	/* Process group and session (kernel/sys_pgrp.c): inherited on fork; 0 for kernel
	 * threads, which belong to none. */
	int pgid, sid;				/* [tree] */
	bool did_exec;				/* [tree] has execve'd: setpgid by the parent fails */
	int pdeath_signal;			/* [tree] PR_SET_PDEATHSIG: sent when the parent exits */
	/* prctl flags with no effect beyond being read back (no credentials to guard here):
	 * PR_SET_DUMPABLE 0 (reset by execve) and PR_SET_NO_NEW_PRIVS (for good). Inherited. */
	bool undumpable, no_new_privs;		/* [self] */
	uint64_t serial;			/* [const] unique for ever (pids are reused): pidfds */
	volatile int pending_kill;		/* signal that will end the task, 0 if none */
	/* Signals (sets with signal n at bit n - 1; kernel/signal.h has the rules). */
	uint64_t sig_blocked, sig_pending;	/* atomic; sig_pending written under sig_lock */
	bool sig_work;				/* atomic: signal_deliver may have work (set by
						 * whoever makes some; it clears and re-checks) */
	uint64_t real_blocked;			/* atomic: rt_sigtimedwait's mask while it unblocks
						 * its set (such a signal never kills), else 0 */
	spinlock_t sig_lock;
	struct ksiginfo sig_info[NSIG - 1];	/* [sig_lock] of each pending signal, by sig - 1 */
	/* [sig_lock] the instances of pending real-time signals after the first (whose
	 * siginfo is in sig_info), oldest first, as Linux queues them */
	struct queued_signal rt_queue[SIGQUEUE_MAX];
	int rt_queued;
	struct sighand *sighand;		/* [self] the actions (kernel/signal.h); NULL: all
						 * SIG_DFL */
	uint64_t sas_sp, sas_size;		/* [self] sigaltstack (size 0: none) */
	int sas_flags;				/* [self] its flags as set (SS_AUTODISARM) */
	/* rt_sigsuspend: the mask to restore once a handler's frame has saved the
	 * temporary one (or at once if none runs). */
	bool restore_blocked;			/* [self] */
	uint64_t saved_blocked;			/* [self] */
	/* alarm, interval and POSIX timers (kernel/sys_timer.c): made at first use, freed at
	 * exit; set and cleared by the task itself under timer_lock, which the tick reads
	 * it under. */
	struct task_timers *timers;
	/* vfork: the child holds its parent (a reference), which sleeps on vfork_done until
	 * the child execs or exits. */
	struct task *vfork_parent;		/* [self] of the child */
	bool vfork_pending;			/* the parent's: its vfork child has not let go */
	bool clone_logged;			/* [self] an unsupported clone was reported */
	struct wait_queue vfork_done;

	/* CPU time accounting, ns. */
	uint64_t utime_ns, stime_ns;		/* [self] */
	uint64_t syscalls;			/* [self] system calls made (/proc/PID/status:
						 * what shows that the vDSO makes none) */
	uint64_t cutime_ns, cstime_ns;		/* [self] of the children it reaped (and theirs) */
	unsigned umask;				/* [self] */
	uint64_t account_from;			/* [self] clock when the current slice began */
	uint64_t start_ns;			/* [const] creation time */
	uint64_t switches;			/* [sched] times scheduled in */
	bool on_cpu;				/* [sched] its stack is in use by a CPU */
	unsigned slice_ticks;			/* [sched] timer ticks left in its quantum */
	int nice;				/* [sched] -20..19: its quantum's weight */
	int cpu;				/* [sched] the CPU it runs on, or whose queue holds it,
						 * or it last ran on */
	uint64_t cpus_allowed;			/* [sched] affinity: bit n for CPU n */

	/* Timed sleep: the timer list the scheduler checks every tick. */
	uint64_t wake_at_ns;			/* [sched] */
	struct list_head timer_node;		/* [sched] */

	void (*kthread_fn)(void *);		/* kernel threads: body and argument */
	void *kthread_arg;
#ifdef LOCK_DEBUG
	struct lockdep_task lockdep;		/* [self] the mutexes it holds (kernel/lockdep.c) */
#endif
};

/* The task running on this CPU. */
static inline struct task *current(void) { return this_cpu()->current; }

/* Create a kernel thread running fn(arg) and make it runnable. Returns it, or NULL when
 * out of memory or tasks. A kernel thread ends by returning from fn. */
struct task *kthread_create(const char *name, void (*fn)(void *), void *arg);

/* Look a task up by pid and take a reference (task_put() it); NULL if none (or reaped).
 * Takes the task-tree lock. */
struct task *task_find(int pid);
/* [task_lock] execve from a thread: t takes old's pid and place in the task list, and old
 * leaves the list (as task_unhash). */
void task_take_pid(struct task *t, struct task *old);
/* [task_lock] Reaping: take t out of the task list, so no lookup finds it again although
 * references to it may live on a little. */
void task_unhash(struct task *t);
void task_get(struct task *t);
/* Drop a reference; the last one frees the task (its kernel stack and struct). */
void task_put(struct task *t);
/* A new task named name with a pid and a kernel stack, not yet runnable; NULL when out of
 * memory or at MAX_TASKS. Takes the task-tree lock. */
struct task *task_alloc(const char *name);
/* Prepare t's first switch: switch_context() will "return" to entry with rsp = stack_top. */
void task_set_first_frame(struct task *t, void (*entry)(void), uint64_t stack_top);
uint64_t task_kstack_top(struct task *t);
/* Guards the task list and every parent/child link. */
extern spinlock_t task_lock;
/* Iterate all tasks in pid order with the task-tree lock held (fn must not sleep). */
void task_for_each(void (*fn)(struct task *t, void *ctx), void *ctx);
/* [task_lock] The same, for a caller that holds the lock already. */
void task_for_each_locked(void (*fn)(struct task *t, void *ctx), void *ctx);
/* [task_lock] The task with that pid (no reference: valid while the lock is held), or
 * NULL. */
struct task *task_find_locked(int pid);
/* Task numbers for /proc: tasks now, created since boot, the last pid given out. */
struct task_counts {
	unsigned tasks;
	uint64_t created;
	int last_pid;
};
void task_counts(struct task_counts *c);
/* Set the name (comm) shown by ps and /proc. */
void task_set_name(struct task *t, const char *name);

#endif
