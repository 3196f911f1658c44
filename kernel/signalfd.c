/* signalfd(2): a descriptor that reads signals instead of having them delivered. Its mask
 * names the signals it takes (the program blocks them, as it must for them to stay
 * pending); a read takes pending ones of the reading task off its queue, lowest first, as
 * struct signalfd_siginfo records, and sleeps (unless O_NONBLOCK) while there are none; poll
 * says readable while one is pending. Linux's rules: the reader's own pending signals,
 * never the creator's; SIGKILL and SIGSTOP never taken. */
#include "kernel/syscall_table.h"
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "fs/file.h"
#include "fs/sys_path.h"
#include "fs/poll.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"

#define SFD_CLOEXEC  O_CLOEXEC
#define SFD_NONBLOCK O_NONBLOCK

/* struct signalfd_siginfo: 128 bytes. */
struct signalfd_siginfo {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	uint8_t pad[46];
};
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "struct signalfd_siginfo");

static const struct vnode_ops signalfd_ops;

/* An open signalfd's mask is its f->priv, as a number (one word: nothing to free). */
static uint64_t mask_of(const struct file *f) { return (uintptr_t)READ_ONCE(f->priv); }

static void to_record(struct signalfd_siginfo *r, int sig, const struct ksiginfo *k)
{
	memset(r, 0, sizeof(*r));
	r->signo = sig;
	r->code = k->code;
	r->pid = k->pid;
	r->uid = k->uid;
	r->tid = k->timerid;
	r->overrun = k->overrun;
	r->status = k->status;
	r->int_ = (int32_t)k->value;
	r->ptr = k->value;
	r->utime = k->utime;
	r->stime = k->stime;
	r->addr = k->addr;
}

static long signalfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (len < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	size_t done = 0;
	while (done + sizeof(struct signalfd_siginfo) <= len) {
		struct ksiginfo info;
		int sig = signal_dequeue(mask_of(f), &info);
		if (!sig && done)
			break;
		if (!sig && (f->flags & O_NONBLOCK))
			return -EAGAIN;
		if (!sig && signal_pending())
			return -ERESTARTSYS;
		if (!sig) {
			signal_wait(mask_of(f), UINT64_MAX);
			continue;
		}
		to_record((struct signalfd_siginfo *)((char *)buf + done), sig, &info);
		done += sizeof(struct signalfd_siginfo);
	}
	return done;
}

static unsigned signalfd_poll(struct file *f)
{
	return (__atomic_load_n(&current()->sig_pending, __ATOMIC_ACQUIRE) & mask_of(f)) ? POLLIN : 0;
}

static const struct vnode_ops signalfd_ops = {
	.read = signalfd_read,
	.poll = signalfd_poll,
};

/* signalfd4: fd -1 makes a new descriptor (flags SFD_CLOEXEC, SFD_NONBLOCK); an existing
 * signalfd gets the new mask. -EINVAL for a bad size, bad flags or an fd that is no
 * signalfd; -EBADF, -EFAULT, -EMFILE, -ENOMEM. */
long sys_signalfd4(int fd, const uint64_t *umask, size_t size, int flags)
{
	uint64_t mask;
	if (size != sizeof(mask) || (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK)))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~UNBLOCKABLE;
	if (fd != -1) {
		struct file *f = fget(fd);
		if (!f)
			return -EBADF;
		long rc = f->vn->ops == &signalfd_ops ? fd : -EINVAL;
		if (rc >= 0)
			WRITE_ONCE(f->priv, (void *)(uintptr_t)mask);
		file_put(f);
		return rc;
	}
	struct vnode *vn = vfs_new_dynamic(vfs_root, "[signalfd]", S_IFREG | 0600, &signalfd_ops, 0);
	if (!vn)
		return -ENOMEM;
	int err;
	struct file *f = file_open(vn, O_RDWR | (flags & SFD_NONBLOCK), &err);
	vnode_put(vn); /* the file holds it, if any */
	if (!f)
		return err;
	f->priv = (void *)(uintptr_t)mask;
	err = fd_install(current()->files, f, 0, flags & SFD_CLOEXEC);
	if (err < 0)
		file_put(f);
	return err;
}

long sys_signalfd(int fd, const uint64_t *umask, size_t size)
{
	return sys_signalfd4(fd, umask, size, 0);
}
