/* pidfds as Linux has them: pidfd_open(pid, flags) gives a close-on-exec descriptor for a
 * process; poll() on it reports POLLIN once the process has exited (a zombie), and
 * POLLIN | POLLHUP once it is reaped; pidfd_send_signal() signals it; waitid(P_PIDFD)
 * waits for it. The descriptor keeps only the process's identity (pid and the task's
 * unique serial), never the task or its memory: the process can be reaped and its pid
 * reused while the pidfd lives, and the pidfd then finds nobody. The exit wake-up is
 * task_exit()'s poll_notify(). */
#include "kernel/pidfd.h"
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "kernel/process.h"
#include "fs/file.h"
#include "fs/poll.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"

#define PIDFD_NONBLOCK O_NONBLOCK
#define PIDFD_THREAD   O_EXCL	/* every task here leads its own thread group */

#define PIDFD_SIGNAL_THREAD        1
#define PIDFD_SIGNAL_THREAD_GROUP  2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

/* What a pidfd's file holds (file->priv). */
struct pidfd {
	int pid;
	uint64_t serial;	/* task->serial: tells the process from a later one with its pid */
};

static const struct vnode_ops pidfd_ops;

static struct pidfd *pidfd_of(struct file *f)
{
	return f->vn->ops == &pidfd_ops ? f->priv : NULL;
}

/* The process p names, with a reference (task_put it), or NULL once it is reaped. */
static struct task *pidfd_task(const struct pidfd *p)
{
	struct task *t = task_find(p->pid);
	if (t && t->serial != p->serial) {
		task_put(t);
		t = NULL;
	}
	return t;
}

static unsigned pidfd_poll(struct file *f)
{
	struct task *t = pidfd_task(pidfd_of(f));
	if (!t)
		return POLLIN | POLLHUP;
	unsigned mask = READ_ONCE(t->state) == TASK_ZOMBIE ? POLLIN : 0;
	task_put(t);
	return mask;
}

static void pidfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct vnode_ops pidfd_ops = {
	.release = pidfd_release,
	.poll = pidfd_poll,
};

/* pidfd_open: a new close-on-exec descriptor for process pid (a zombie too). -EINVAL for
 * flags other than PIDFD_NONBLOCK and PIDFD_THREAD or pid <= 0; -ESRCH if there is no
 * such process; -EMFILE, -ENOMEM. */
long sys_pidfd_open(int pid, unsigned flags)
{
	if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD) || pid <= 0)
		return -EINVAL;
	struct task *t = task_find(pid);
	if (!t)
		return -ESRCH;
	struct pidfd *p = kmalloc(sizeof(*p));
	struct vnode *vn = vfs_new_dynamic(vfs_root, "[pidfd]", S_IFREG | 0600, &pidfd_ops, 0);
	struct file *f = NULL;
	int err = -ENOMEM;
	if (!p || !vn)
		goto fail;
	p->pid = t->pid;
	p->serial = t->serial;
	f = file_open(vn, O_RDWR | (flags & PIDFD_NONBLOCK), &err);
	if (!f)
		goto fail;
	f->priv = p; /* pidfd_release frees it from now on */
	p = NULL;
	vnode_put(vn); /* the file holds it */
	vn = NULL;
	err = fd_install(current()->files, f, 0, true);
	if (err < 0)
		goto fail;
	task_put(t);
	return err;
fail:
	if (f)
		file_put(f);
	if (vn)
		vnode_put(vn);
	kfree(p);
	task_put(t);
	return err;
}

int pidfd_pid(int fd, bool *nonblocking)
{
	struct file *f = fget(fd);
	struct pidfd *p = f ? pidfd_of(f) : NULL;
	int rc = -EBADF;
	if (p) {
		struct task *t = pidfd_task(p);
		rc = t ? p->pid : 0;
		*nonblocking = f->flags & O_NONBLOCK;
		if (t)
			task_put(t);
	}
	if (f)
		file_put(f);
	return rc;
}

#define SI_TKILL (-6)
#define SIGINFO_SIZE 128

/* pidfd_send_signal: sig to the pidfd's process (flags: PIDFD_SIGNAL_PROCESS_GROUP, to the
 * group it leads; the thread flags mean the process here). info, if given, must carry sig
 * in si_signo (-EINVAL), and a process may forge a kernel si_code only towards itself
 * (-EPERM); no handler runs here, so the rest of it goes unused. -EINVAL for bad flags or
 * signal, -EBADF if pidfd is not one, -ESRCH once the process is reaped (a zombie still
 * takes signals, as on Linux), -EPERM for a kernel thread. */
long sys_pidfd_send_signal(int pidfd, int sig, const void *uinfo, unsigned flags)
{
	unsigned scope = flags & (PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP |
				  PIDFD_SIGNAL_PROCESS_GROUP);
	if (flags != scope || (scope & (scope - 1)))
		return -EINVAL;
	struct file *f = fget(pidfd);
	struct pidfd *p = f ? pidfd_of(f) : NULL;
	struct task *t = NULL;
	long rc = -EBADF;
	if (!p)
		goto out;
	rc = -EINVAL;
	if (sig < 0 || sig >= NSIG)
		goto out;
	if (uinfo) {
		int head[SIGINFO_SIZE / sizeof(int)]; /* si_signo, si_errno, si_code, ... */
		rc = -EFAULT;
		if (copy_from_user(head, uinfo, sizeof(head)))
			goto out;
		rc = -EINVAL;
		if (head[0] != sig)
			goto out;
		rc = -EPERM;
		if (p->pid != current()->pid && (head[2] >= 0 || head[2] == SI_TKILL))
			goto out;
	}
	rc = -ESRCH;
	if (!(t = pidfd_task(p)))
		goto out;
	if (scope == PIDFD_SIGNAL_PROCESS_GROUP)
		rc = signal_process_group(p->pid, sig);
	else
		rc = t->kthread_fn ? -EPERM : sig ? task_kill(t, sig) : 0;
out:
	if (t)
		task_put(t);
	if (f)
		file_put(f);
	return rc;
}
