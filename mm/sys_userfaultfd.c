/* userfaultfd(2) and its descriptor: an anonymous file (as a pipe's) whose read() returns
 * fault messages, poll() says POLLIN while one is unread, and ioctl() carries the UFFDIO_*
 * requests, decoded here from Linux's structures and passed to mm/userfaultfd.c. */
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "fs/file.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "mm/userfaultfd.h"
#include "fs/poll.h"
#include "lib/errno.h"

/* Linux's _IOC encoding of the requests: direction, size, type 0xAA, number. */
#define UFFD_IOC(dir, nr, size) (((uint64_t)(dir) << 30) | ((uint64_t)(size) << 16) | \
				 (UFFD_API << 8) | (nr))
#define IOC_READ_WRITE 3
#define IOC_READ       2

#define UFFDIO_API_REQ		UFFD_IOC(IOC_READ_WRITE, _UFFDIO_API, sizeof(struct uffdio_api))
#define UFFDIO_REGISTER_REQ	UFFD_IOC(IOC_READ_WRITE, _UFFDIO_REGISTER, sizeof(struct uffdio_register))
#define UFFDIO_UNREGISTER_REQ	UFFD_IOC(IOC_READ, _UFFDIO_UNREGISTER, sizeof(struct uffdio_range))
#define UFFDIO_WAKE_REQ		UFFD_IOC(IOC_READ, _UFFDIO_WAKE, sizeof(struct uffdio_range))
#define UFFDIO_COPY_REQ		UFFD_IOC(IOC_READ_WRITE, _UFFDIO_COPY, sizeof(struct uffdio_copy))
#define UFFDIO_ZEROPAGE_REQ	UFFD_IOC(IOC_READ_WRITE, _UFFDIO_ZEROPAGE, sizeof(struct uffdio_zeropage))
#define UFFDIO_WRITEPROTECT_REQ	UFFD_IOC(IOC_READ_WRITE, _UFFDIO_WRITEPROTECT, \
					 sizeof(struct uffdio_writeprotect))

/* The ioctls UFFDIO_API reports. */
#define UFFD_API_IOCTLS (1UL << _UFFDIO_REGISTER | 1UL << _UFFDIO_UNREGISTER | 1UL << _UFFDIO_API)

static struct uffd_ctx *ctx_of(struct file *f) { return f->priv; }

/* Whole messages only, as many as fit; only the first may wait. */
static long uffd_file_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	(void)pos;
	if (len < sizeof(struct uffd_msg))
		return -EINVAL;
	size_t done = 0;
	while (len - done >= sizeof(struct uffd_msg)) {
		bool nonblock = done || (f->flags & O_NONBLOCK);
		int rc = uffd_read_msg(ctx_of(f), (struct uffd_msg *)((char *)buf + done), nonblock);
		if (rc)
			return done ? (long)done : rc;
		done += sizeof(struct uffd_msg);
	}
	return done;
}

static unsigned uffd_file_poll(struct file *f)
{
	return uffd_msg_pending(ctx_of(f)) ? POLLIN : 0;
}

static void uffd_file_release(struct file *f)
{
	if (ctx_of(f)) /* sys_userfaultfd() may fail before it set it */
		uffd_ctx_release(ctx_of(f));
}

static long ioctl_api(struct uffd_ctx *ctx, void *uarg)
{
	struct uffdio_api a;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	struct uffdio_api out = { .api = 0 }; /* Linux zeroes it all on failure */
	int rc = uffd_api(ctx, a.api, a.features, &out.features);
	if (!rc) {
		out.api = a.api;
		out.ioctls = UFFD_API_IOCTLS;
	}
	if (copy_to_user(uarg, &out, sizeof(out)))
		return -EFAULT;
	return rc;
}

static long ioctl_register(struct uffd_ctx *ctx, void *uarg)
{
	struct uffdio_register r;
	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	int rc = uffd_register(ctx, r.range.start, r.range.len, r.mode, &r.ioctls);
	if (!rc && copy_to_user(&((struct uffdio_register *)uarg)->ioctls, &r.ioctls,
				sizeof(r.ioctls)))
		return -EFAULT;
	return rc;
}

static long ioctl_copy(struct uffd_ctx *ctx, void *uarg)
{
	struct uffdio_copy c;
	if (copy_from_user(&c, uarg, sizeof(c) - sizeof(c.copy)))
		return -EFAULT;
	long done = uffd_copy(ctx, c.dst, c.src, c.len, c.mode);
	c.copy = done;
	if (copy_to_user(&((struct uffdio_copy *)uarg)->copy, &c.copy, sizeof(c.copy)))
		return -EFAULT;
	if (done < 0)
		return done;
	return (uint64_t)done == c.len ? 0 : -EAGAIN; /* part done: Linux's answer */
}

static long ioctl_zeropage(struct uffd_ctx *ctx, void *uarg)
{
	struct uffdio_zeropage z;
	if (copy_from_user(&z, uarg, sizeof(z) - sizeof(z.zeropage)))
		return -EFAULT;
	long done = uffd_zeropage(ctx, z.range.start, z.range.len, z.mode);
	z.zeropage = done;
	if (copy_to_user(&((struct uffdio_zeropage *)uarg)->zeropage, &z.zeropage,
			 sizeof(z.zeropage)))
		return -EFAULT;
	if (done < 0)
		return done;
	return (uint64_t)done == z.range.len ? 0 : -EAGAIN;
}

static long uffd_file_ioctl(struct file *f, unsigned long cmd, unsigned long arg)
{
	uint32_t req = (uint32_t)cmd; /* 32 bits, as Linux's: libc may sign-extend _IOWR numbers */
	struct uffd_ctx *ctx = ctx_of(f);
	void *uarg = (void *)arg;
	if (req == UFFDIO_API_REQ)
		return ioctl_api(ctx, uarg);
	if (!uffd_ready(ctx))
		return -EINVAL;
	struct uffdio_range r;
	struct uffdio_writeprotect wp;
	switch (req) {
	case UFFDIO_REGISTER_REQ:
		return ioctl_register(ctx, uarg);
	case UFFDIO_UNREGISTER_REQ:
		return copy_from_user(&r, uarg, sizeof(r)) ? -EFAULT
							   : uffd_unregister(ctx, r.start, r.len);
	case UFFDIO_WAKE_REQ:
		return copy_from_user(&r, uarg, sizeof(r)) ? -EFAULT : uffd_wake(ctx, r.start, r.len);
	case UFFDIO_COPY_REQ:
		return ioctl_copy(ctx, uarg);
	case UFFDIO_ZEROPAGE_REQ:
		return ioctl_zeropage(ctx, uarg);
	case UFFDIO_WRITEPROTECT_REQ:
		if (copy_from_user(&wp, uarg, sizeof(wp)))
			return -EFAULT;
		return uffd_writeprotect(ctx, wp.range.start, wp.range.len, wp.mode);
	default:
		return -EINVAL; /* Linux: unknown requests on a userfaultfd are -EINVAL */
	}
}

static const struct vnode_ops uffd_ops = {
	.read = uffd_file_read,
	.poll = uffd_file_poll,
	.release = uffd_file_release,
	.ioctl = uffd_file_ioctl,
};

long sys_userfaultfd(int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY))
		return -EINVAL;
	struct mm *mm = current()->mm;
	if (!mm)
		return -EINVAL;
	int err = -ENOMEM;
	struct uffd_ctx *ctx = uffd_ctx_create(mm, flags & UFFD_USER_MODE_ONLY);
	struct vnode *vn = vfs_new_dynamic(vfs_root, "[userfaultfd]", 0600, &uffd_ops, 0);
	struct file *f = NULL;
	if (!ctx || !vn || !(f = file_open(vn, O_RDWR | (flags & O_NONBLOCK), &err)))
		goto fail;
	vnode_put(vn); /* the file holds it now */
	f->priv = ctx; /* the file owns the context from here on */
	int fd = fd_install(current()->files, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
fail:
	if (vn)
		vnode_put(vn);
	if (ctx)
		uffd_ctx_release(ctx);
	return err;
}
