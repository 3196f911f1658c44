/* Process system calls: identity, exit, fork and vfork (clone), execve, wait4, waitid, prctl,
 * uname. Signals are in sys_signal.c, arch_prctl in arch-x86_64/sys_arch.c. */
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "kernel/process.h"
#include "kernel/signal.h"
#include "kernel/futex.h"
#include "kernel/sched.h"
#include "kernel/exec.h"
#include "kernel/sys_timer.h"
#include "kernel/clock.h"
#include "fs/file.h"
#include "arch-x86_64/fpu.h"
#include "kernel/pidfd.h"
#include "arch-x86_64/processor.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

long sys_getpid(void) { return current()->tgid; }
long sys_gettid(void) { return current()->pid; }
long sys_getuid(void) { return 0; }
long sys_geteuid(void) { return 0; }
long sys_getgid(void) { return 0; }
long sys_getegid(void) { return 0; }

long sys_getppid(void)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *p = current()->group_leader->parent;
	int ppid = p ? p->pid : 0; /* the shell, pid 1, is every orphan's parent, like init */
	spin_unlock_irqrestore(&task_lock, f);
	return ppid;
}

long sys_sched_yield(void)
{
	schedule();
	return 0;
}

long sys_exit(int code)
{
	task_exit(W_EXITCODE(code));
}

long sys_exit_group(int code)
{
	task_exit_group(W_EXITCODE(code));
}

#define CSIGNAL              0xff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_VFORK          0x00004000
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000
/* What pthread_create passes (musl and glibc alike), and what may come with it. */
#define CLONE_THREAD_FLAGS   (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_THREAD_OPTIONS (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			      CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED)

/* The *_TID flags of clone, for the new task child with id pid in mm (fork's and a
 * thread's alike). A bad pointer is ignored, as on Linux: the task exists anyway. */
static void clone_tids(uint64_t flags, struct task *child, struct mm *mm, int *ptid, int *ctid)
{
	int pid = child->pid;
	if (flags & CLONE_CHILD_SETTID)
		mm_write(mm, (uint64_t)ctid, &pid, sizeof(pid));
	if (flags & CLONE_CHILD_CLEARTID)
		child->clear_child_tid = (uint64_t)ctid;
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(ptid, &pid, sizeof(pid));
}

/* What a new task takes over from the one that made it, beyond memory, files and
 * signals. */
static void inherit_task_state(struct task *child, const struct task *self)
{
	child->nice = READ_ONCE(self->nice);
	child->cpus_allowed = READ_ONCE(self->cpus_allowed);
	child->mempolicy = self->mempolicy;
	child->umask = self->umask;
	child->undumpable = self->undumpable;
	child->no_new_privs = self->no_new_privs;
	memcpy(child->cwd, self->cwd, sizeof(child->cwd));
}

/* pthread_create: a new thread in current's group, sharing its address space, files and
 * signal actions, starting on stack newsp with FS base tls (CLONE_SETTLS). Its tid. */
static long do_clone_thread(uint64_t flags, uint64_t newsp, int *ptid, int *ctid, uint64_t tls)
{
	struct task *self = current();
	/* The TLS pointer is the thread's FS base, as arch_prctl(ARCH_SET_FS) sets it: refuse
	 * one past the end of user space as that does, and as Linux's clone does (EPERM).
	 * Taken as it was, a non-canonical one made the context switch's wrmsr to the FS base
	 * MSR take a #GP in ring 0 on hardware (QEMU's TCG does not check it: sysfuzz found
	 * the thread created, not a panic). */
	if ((flags & CLONE_SETTLS) && tls >= USER_END)
		return -EPERM;
	struct sighand *sh = sighand_of_current();
	if (!sh)
		return -ENOMEM;
	sighand_get(sh);
	mm_get(self->mm);
	files_get(self->files);
	fpu_save(self->fpu);
	struct task *child = thread_create(self->name, self->group_leader, self->mm, self->files,
					   self->fpu);
	if (!child) {
		files_put(self->files);
		mm_put(self->mm);
		sighand_put(sh);
		return -EAGAIN;
	}
	copy_thread_frame(task_user_frame(child), task_user_frame(self), newsp);
	signals_inherit(child, self, sh);
	child->sas_sp = child->sas_size = 0; /* the creator's alternate stack is not its */
	child->sas_flags = 0;
	child->fs_base = flags & CLONE_SETTLS ? tls : self->fs_base;
	inherit_task_state(child, self);
	clone_tids(flags, child, self->mm, ptid, ctid);
	int tid = child->pid;
	sched_start(child);
	return tid;
}

/* fork, or with CLONE_VM|CLONE_VFORK vfork: the child shares the address space and the
 * parent sleeps until the child execs or exits. newsp: the child's stack (0: the
 * parent's). The *_TID flags are glibc's fork and thread-exit protocol. */
static long do_fork(uint64_t flags, uint64_t newsp, int *ptid, int *ctid)
{
	struct task *self = current();
	bool vfork = flags & CLONE_VFORK;
	struct sighand *sh = NULL;
	if (self->sighand && !(sh = sighand_copy(self->sighand)))
		return -ENOMEM;
	struct mm *mm = self->mm;
	if (vfork)
		mm_get(mm);
	else if (!(mm = mm_fork(self->mm)))
		goto fail_mm;
	struct files *files = files_dup(self->files);
	if (!files)
		goto fail_files;
	fpu_save(self->fpu); /* the live registers are what the child inherits */
	struct task *child = process_create(self->name, self, mm, files, self->fpu);
	if (!child) {
		files_put(files);
		mm_put(mm);
		sighand_put(sh);
		return -EAGAIN;
	}
	copy_thread_frame(task_user_frame(child), task_user_frame(self), newsp);
	signals_inherit(child, self, sh);
	child->fs_base = self->fs_base;
	inherit_task_state(child, self);
	clone_tids(flags, child, mm, ptid, ctid);
	int pid = child->pid;
	if (vfork) {
		task_get(self);
		child->vfork_parent = self;
		self->vfork_pending = true;
	}
	sched_start(child);
	if (vfork) /* a kill ends the wait; the child goes on */
		wait_event_killable(self->vfork_done, !READ_ONCE(self->vfork_pending));
	return pid;
fail_files:
	mm_put(mm);
fail_mm:
	sighand_put(sh);
	return -ENOMEM;
}

long sys_fork(void)
{
	return do_fork(0, 0, NULL, NULL);
}

long sys_vfork(void)
{
	return do_fork(CLONE_VM | CLONE_VFORK, 0, NULL, NULL);
}

/* fork, vfork and pthread_create's forms; Linux's -EINVAL for the combinations it
 * refuses (a thread without shared signal actions, shared actions without shared memory);
 * other forms (a process sharing memory or files without being a thread) are not here. */
long sys_clone(uint64_t flags, uint64_t newsp, int *ptid, int *ctid, uint64_t tls)
{
	uint64_t sig = flags & CSIGNAL, rest = flags & ~CSIGNAL;
	bool forkish = !(rest & ~(CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID));
	bool vforkish = rest == (CLONE_VM | CLONE_VFORK);
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) ||
	    ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if ((rest & CLONE_THREAD_FLAGS) == CLONE_THREAD_FLAGS &&
	    !(rest & ~(CLONE_THREAD_FLAGS | CLONE_THREAD_OPTIONS)) && !sig)
		return do_clone_thread(rest, newsp, ptid, ctid, tls);
	if (sig == SIGCHLD && (forkish || vforkish))
		return do_fork(rest, newsp, ptid, ctid);
	struct task *t = current();
	if (!t->clone_logged) { /* one line per process: a fuzzer must not flood the console */
		t->clone_logged = true;
		printk("pid %d (%s): clone flags %#lx are not supported (fork and vfork are), "
		       "returning -EINVAL\n", t->pid, t->name, flags);
	}
	return -EINVAL;
}

/* Copy a NULL-terminated user array of strings into args. */
static int copy_strings(struct exec_args *args, const char *const *uarr, bool env)
{
	for (size_t i = 0; uarr; i++) {
		const char *s;
		int rc = copy_from_user(&s, &uarr[i], sizeof(s));
		if (rc)
			return rc;
		if (!s)
			return 0;
		if ((rc = exec_args_push_user(args, s, env)))
			return rc;
	}
	return 0;
}

long sys_execve(const char *upath, const char *const *uargv, const char *const *uenvp)
{
	struct task *t = current();
	struct exec_args args;
	struct exec_image img;
	const char *why;
	char *path;
	int rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	rc = exec_check(t->cwd, path);
	if (rc) {
		kfree(path);
		return rc;
	}
	rc = exec_args_init(&args);
	rc = rc ? rc : copy_strings(&args, uargv, false);
	rc = rc ? rc : copy_strings(&args, uenvp, true);
	rc = rc ? rc : exec_load(t->cwd, path, &args, &img, &why);
	exec_args_free(&args);
	kfree(path);
	if (rc)
		return rc;
	img.mm->ksm_domain = READ_ONCE(t->mm->ksm_domain); /* the KSM merge domain stays */
	/* PR_SET_MEMORY_MERGE survives execve, as on Linux. */
	if ((READ_ONCE(t->mm->merge_any) && (rc = mm_set_merge_any(img.mm, true))) ||
	    (rc = exec_end_other_threads())) {
		mm_put(img.mm);
		return rc;
	}
	/* The point of no return: the old image goes, its robust locks released first. */
	futex_exit_robust_list();
	task_set_mm(img.mm);
	vfork_release(t); /* the parent may run again: this task has its own memory now */
	uint64_t f = spin_lock_irqsave(&task_lock);
	t->did_exec = true;
	spin_unlock_irqrestore(&task_lock, f);
	t->undumpable = false;
	signals_exec(t);
	timers_exec(t); /* POSIX timers go; alarm and the interval timers stay */
	files_close_on_exec(t->files);
	flush_thread(t);
	t->clear_child_tid = 0;
	t->robust_list = 0;
	task_set_name(t, img.comm);
	start_thread(task_user_frame(t), img.entry, img.sp);
	return 0;
}

struct rusage {
	struct { int64_t sec, usec; } utime, stime;
	int64_t rest[14];
};

static void ns_to_timeval(uint64_t ns, int64_t *sec, int64_t *usec)
{
	*sec = ns / NSEC_PER_SEC;
	*usec = ns % NSEC_PER_SEC / 1000;
}

/* The rusage of a reaped child: its CPU times (and its reaped children's), the rest 0. */
static int put_rusage(struct rusage *uru, const struct wait_result *r)
{
	struct rusage ru = { 0 };
	ns_to_timeval(r->utime_ns, &ru.utime.sec, &ru.utime.usec);
	ns_to_timeval(r->stime_ns, &ru.stime.sec, &ru.stime.usec);
	return uru && copy_to_user(uru, &ru, sizeof(ru)) ? -EFAULT : 0;
}

#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000

/* pid > 0: that child; -1: any; 0: any in the caller's group; < -1: any in group -pid. */
long sys_wait4(int pid, int *ustatus, int options, struct rusage *uru)
{
	if (options & ~(WNOHANG | WSTOPPED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
		return -EINVAL;
	if (pid == -__INT_MAX__ - 1) /* -INT_MIN is no group, as on Linux */
		return -ESRCH;
	struct wait_query q = { WAIT_ANY, 0, (options & (WNOHANG | WSTOPPED | WCONTINUED)) | WEXITED };
	if (pid > 0)
		q.target = WAIT_PID, q.id = pid;
	else if (pid == 0)
		q.target = WAIT_PGID, q.id = current()->pgid;
	else if (pid < -1)
		q.target = WAIT_PGID, q.id = -pid;
	struct wait_result r;
	int rc = task_wait(&q, &r, NULL);
	if (rc <= 0)
		return rc;
	if (ustatus && copy_to_user(ustatus, &r.status, sizeof(r.status)))
		return -EFAULT;
	return put_rusage(uru, &r) ?: rc;
}

#define P_ALL   0
#define P_PID   1
#define P_PGID  2
#define P_PIDFD 3

/* The siginfo_t fields waitid sets, in their places (x86-64): si_signo, si_errno, si_code
 * at 0, then si_pid, si_uid, si_status at 16. Linux writes exactly these. */
struct waitid_head { int signo, errnum, code; };
struct waitid_child { int pid, uid, status; };
#define WAITID_CHILD_OFFSET 16

/* waitid: like wait4 with the child chosen by idtype (P_PIDFD: the process of a pidfd) and
 * the outcome in a siginfo_t. With WNOHANG and nothing ready it returns 0 with the fields
 * zeroed (si_pid 0); they are written whatever the result, as Linux does. */
long sys_waitid(int idtype, int id, void *uinfo, int options, struct rusage *uru)
{
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WALL | __WCLONE) ||
	    !(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	struct wait_query q = { WAIT_ANY, 0, options & (WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED) };
	bool nonblocking_pidfd = false;
	switch (idtype) {
	case P_ALL:
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		q.target = WAIT_PID, q.id = id;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		q.target = WAIT_PGID, q.id = id ? id : current()->pgid;
		break;
	case P_PIDFD: {
		if (id < 0)
			return -EINVAL;
		int rc = pidfd_pid(id, &nonblocking_pidfd);
		if (rc < 0)
			return rc;
		q.target = WAIT_PID, q.id = rc; /* a reaped process is nobody's child: ECHILD */
		if (nonblocking_pidfd)
			q.options |= WNOHANG;
		break;
	}
	default:
		return -EINVAL;
	}
	struct wait_result r;
	long rc = task_wait(&q, &r, NULL);
	if (rc == 0 && nonblocking_pidfd && !(options & WNOHANG))
		rc = -EAGAIN;
	struct waitid_head head = { 0, 0, 0 };
	struct waitid_child child = { 0, 0, 0 };
	if (rc > 0) {
		int code = r.status == 0xffff ? CLD_CONTINUED : (r.status & 0xff) == 0x7f ? CLD_STOPPED
			   : r.status & 0x7f ? CLD_KILLED : CLD_EXITED;
		int what = code == CLD_CONTINUED ? SIGCONT : code == CLD_KILLED ? r.status & 0x7f
			   : (r.status >> 8) & 0xff;
		head = (struct waitid_head){ SIGCHLD, 0, code };
		child = (struct waitid_child){ r.pid, 0, what };
		if (put_rusage(uru, &r))
			return -EFAULT;
		rc = 0;
	}
	if (uinfo && (copy_to_user(uinfo, &head, sizeof(head)) ||
		      copy_to_user((char *)uinfo + WAITID_CHILD_OFFSET, &child, sizeof(child))))
		return -EFAULT;
	return rc;
}

struct utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

/* "Linux" with a recent release: programs (glibc's start-up among them) check the kernel
 * they run on by these, and this kernel speaks Linux's system-call ABI. */
long sys_uname(struct utsname *uts)
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "ksm", sizeof(u.nodename));
	strlcpy(u.release, "6.1.0-ksm-kernel", sizeof(u.release));
	strlcpy(u.version, "#1 ksm-kernel (a small kernel speaking Linux's ABI)", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(uts, &u, sizeof(u));
}

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68

long sys_prctl(int option, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct task *t = current();
	char name[TASK_NAME_LEN];
	switch (option) {
	case PR_SET_PDEATHSIG: {
		if (a2 >= NSIG)
			return -EINVAL;
		uint64_t f = spin_lock_irqsave(&task_lock);
		t->pdeath_signal = (int)a2;
		spin_unlock_irqrestore(&task_lock, f);
		return 0;
	}
	case PR_GET_PDEATHSIG: {
		int sig = READ_ONCE(t->pdeath_signal);
		return copy_to_user((void *)a2, &sig, sizeof(sig));
	}
	case PR_GET_DUMPABLE:
		return !t->undumpable;
	case PR_SET_DUMPABLE:
		if (a2 > 1)
			return -EINVAL;
		t->undumpable = !a2;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (a2 != 1 || a3 || a4 || a5)
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return t->no_new_privs;
	case PR_SET_NAME: {
		long n = strncpy_from_user(name, (const char *)a2, sizeof(name));
		if (n == -EFAULT)
			return n;
		name[sizeof(name) - 1] = 0; /* longer names are cut, as on Linux */
		task_set_name(t, name);
		return 0;
	}
	case PR_GET_NAME:
		memcpy(name, t->name, sizeof(name));
		return copy_to_user((void *)a2, name, sizeof(name));
	case PR_SET_MEMORY_MERGE:
		if (a2 > 1 || a3 || a4 || a5)
			return -EINVAL;
		return mm_set_merge_any(t->mm, a2);
	case PR_GET_MEMORY_MERGE:
		if (a2 || a3 || a4 || a5)
			return -EINVAL;
		return READ_ONCE(t->mm->merge_any);
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(int *tidptr)
{
	current()->clear_child_tid = (uint64_t)tidptr;
	return current()->pid;
}

/* struct robust_list_head of x86-64 Linux: list, futex_offset, list_op_pending. */
#define ROBUST_LIST_HEAD_SIZE 24

long sys_set_robust_list(uint64_t head, size_t len)
{
	if (len != ROBUST_LIST_HEAD_SIZE)
		return -EINVAL;
	current()->robust_list = head;
	return 0;
}

long sys_get_robust_list(int pid, uint64_t *uhead, size_t *ulen)
{
	struct task *t = pid ? task_find(pid) : current();
	if (!t)
		return -ESRCH;
	uint64_t head = READ_ONCE(t->robust_list);
	size_t len = ROBUST_LIST_HEAD_SIZE;
	if (pid)
		task_put(t);
	if (copy_to_user(ulen, &len, sizeof(len)) || copy_to_user(uhead, &head, sizeof(head)))
		return -EFAULT;
	return 0;
}
