/* User processes: exit, wait, kill, and the work done on every return to user mode. */
#ifndef PROCESS_H
#define PROCESS_H

#include "kernel/task.h"

/* Linux signal numbers (NSIG: kernel/siginfo.h). */
#define SIGHUP   1
#define SIGINT   2
#define SIGQUIT  3
#define SIGILL   4
#define SIGTRAP  5
#define SIGABRT  6
#define SIGBUS   7
#define SIGFPE   8
#define SIGKILL  9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG  23
#define SIGWINCH 28

/* wait4 status words, as Linux builds them. */
#define W_EXITCODE(code) (((code) & 0xff) << 8)
#define W_SIGNALED(sig)  ((sig) & 0x7f)

/* A signal's bit in a signal set (Linux's layout: signal n is bit n - 1). */
static inline uint64_t sig_bit(int sig) { return 1UL << (sig - 1); }

/* Signal name ("SIGSEGV") or NULL. */
const char *signal_name(int sig);

/* End the current thread (exit): drop its address space and files, hand its children to
 * the reaper; if it was its process's last thread, the process ends with wait status
 * `status` (W_EXITCODE or W_SIGNALED; the group's, if it is ending), and its parent is
 * told (SIGCHLD, a wake-up). */
__noreturn void task_exit(int status);
/* End current's whole process with status (exit_group, a fatal signal): every other
 * thread is killed, and the first status given wins. */
__noreturn void task_exit_group(int status);
/* execve in a threaded process (Linux's de_thread): every other thread ends, and if
 * current is not the leader it takes the leader's place (pid, parent) so that the process
 * keeps its pid. 0, or -EINTR if the process is being ended meanwhile. Takes task_lock;
 * sleeps. */
int exec_end_other_threads(void);
/* Kill current for a fault in user mode that no handler takes (signal_fault decides):
 * prints "pid N (name): what at ADDR ip RIP" and ends it with signal sig. */
__noreturn void task_fault_kill(int sig, const char *what, uint64_t addr, uint64_t ip);
/* Send signal sig to task t from the kernel (si_code SI_KERNEL): signal_send's rules
 * (kernel/signal.h). 0, or -EPERM for kernel threads. */
int task_kill(struct task *t, int sig);
/* Send sig to every process of group pgid (kernel threads are in none): 0 if that reached
 * one, -ESRCH if the group is empty or pgid <= 0, -EINVAL for a bad signal; sig 0 only
 * checks. Takes task_lock. */
long signal_process_group(int pgid, int sig);
/* Whether sig's default action leaves the task alone (SIGCHLD, SIGCONT, SIGURG,
 * SIGWINCH), or stops its process (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU). */
bool sig_default_ignored(int sig);
bool sig_default_stops(int sig);
/* fork and clone: sh (parent's sighand copied, or shared; NULL: none) becomes the child's,
 * with parent's mask and alternate stack (pending signals stay the parent's). */
struct sighand;
void signals_inherit(struct task *child, const struct task *parent, struct sighand *sh);
/* execve: caught signals go back to their default action (ignored ones stay ignored),
 * and the alternate stack is gone. */
void signals_exec(struct task *t);
/* A vfork child lets its parent go on (at execve or exit). */
void vfork_release(struct task *child);

/* wait options (Linux's values). */
#define WNOHANG    0x00000001
#define WSTOPPED   0x00000002	/* = WUNTRACED */
#define WEXITED    0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT    0x01000000

/* Which children a wait looks at (wait4's pid, waitid's idtype and id). */
enum wait_target { WAIT_ANY, WAIT_PID, WAIT_PGID };
struct wait_query {
	enum wait_target target;
	int id;		/* the pid or the process group */
	int options;	/* WNOHANG, WNOWAIT, WEXITED, WSTOPPED, WCONTINUED */
};
/* What a wait found. */
struct wait_result {
	int pid, status;		/* status: a wait4 status word */
	uint64_t utime_ns, stime_ns;	/* the child's and its reaped children's */
};
/* wait4 and waitid: wait for a child of current that q matches to be a zombie (WEXITED)
 * and reap it, or with WNOWAIT leave it waitable; or (WSTOPPED, WCONTINUED) to have
 * stopped or continued since last reported. Its pid (*res filled, res->status Linux's
 * status word); 0 if WNOHANG and none is ready yet; -ECHILD if no child matches;
 * -ERESTARTSYS if a signal came while waiting. reaped (may be NULL): the reaped task, for
 * the caller to look at and task_put(), or NULL if none was reaped. Takes task_lock. */
int task_wait(const struct wait_query *q, struct wait_result *res, struct task **reaped);

struct mm;
struct files;
struct trap_frame; /* the arch's (arch-x86_64/trap.h): generic code only passes it on */

/* A new user task named name, child of parent, that will enter ring 3 with the FPU state
 * fpu (NULL: the initial state) and the registers of its task_user_frame(), which the
 * caller fills (start_thread or copy_thread_frame, arch-x86_64/processor.h) before
 * sched_start() makes it runnable. It takes over the caller's references to mm and files.
 * NULL when out of memory or tasks; mm and files are then still the caller's. Takes the
 * task-tree lock. */
struct task *process_create(const char *name, struct task *parent, struct mm *mm,
			    struct files *files, const struct fpu_state *fpu);
/* A new thread of leader's group (clone with CLONE_THREAD), as process_create makes a
 * process: the caller's mm and files references move in. It is nobody's child; its tgid
 * is the leader's pid. NULL when out of memory or tasks. Takes the task-tree lock. */
struct task *thread_create(const char *name, struct task *leader, struct mm *mm,
			   struct files *files, const struct fpu_state *fpu);
/* chdir: path is the working directory of every thread of current's process (threads
 * share it, as CLONE_FS has them do). Takes the task-tree lock. */
void task_set_cwd(const char *path);
/* The live threads of t's process (/proc status's Threads). Takes the task-tree lock. */
int task_nr_threads(struct task *t);
/* The same with task_lock held. */
int task_nr_threads_locked(struct task *t);
/* The tid of thread number index of process tgid (its live leader first), or 0 past the
 * last (or no such process). Takes the task-tree lock. */
int task_nth_thread(int tgid, uint64_t index);
/* t's address space with a reference (mm_put it), or NULL (kernel thread, or exiting). */
struct mm *task_mm_get(struct task *t);
/* Whether t is anc or one of its descendants (who may open t's /proc/PID/mem). Takes the
 * task-tree lock. */
bool task_descends_from(struct task *t, struct task *anc);
/* Replace current's address space with mm (exec), dropping the old one. */
void task_set_mm(struct mm *mm);

/* Whether current is being killed: long loops in system calls stop early for it, so a kill
 * never waits on a huge read or write. */
static inline bool fatal_signal_pending(void) { return READ_ONCE(current()->pending_kill) != 0; }

/* The task that adopts orphans (the shell); set once at boot. */
void process_set_reaper(struct task *t);

/* Before every return to ring 3, interrupts off: pending kill, preemption, signals (a
 * handler's frame, kernel/signal.c), accounting. Returns with interrupts off (or does not
 * return if the task dies). */
void return_to_user_work(struct trap_frame *tf);

#endif
