/* Pipe semantics as in Linux: a read blocks while the pipe is empty and a writer exists,
 * and returns 0 once every writer is gone; a write blocks while full, and without
 * readers fails with -EPIPE and SIGPIPE. Writes of up to PIPE_BUF bytes are atomic. */
#include "fs/pipe.h"
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "kernel/wait.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "fs/poll.h"
#include "mm/addrspace.h"

#define PIPE_SIZE 4096
#define PIPE_BUF  4096

struct pipe {
	spinlock_t lock;	/* guards everything below */
	char buf[PIPE_SIZE];
	uint64_t head, tail;	/* head - tail bytes are in the pipe */
	int readers, writers;	/* open ends */
	struct wait_queue readable, writable;
};

static struct pipe *pipe_of(struct file *f) { return f->priv; }

static long pipe_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&p->lock);
		size_t avail = p->head - p->tail;
		if (avail || !p->writers || !len) {
			size_t n = MIN(len, avail);
			for (size_t i = 0; i < n; i++)
				((char *)buf)[i] = p->buf[p->tail++ % PIPE_SIZE];
			spin_unlock_irqrestore(&p->lock, fl);
			if (n) {
				wake_up_all(&p->writable);
				poll_notify();
			}
			return n;
		}
		spin_unlock_irqrestore(&p->lock, fl);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int rc = wait_event_interruptible(p->readable, READ_ONCE(p->head) != READ_ONCE(p->tail) ||
						  !READ_ONCE(p->writers));
		if (rc)
			return rc;
	}
}

static long pipe_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct pipe *p = pipe_of(f);
	size_t done = 0;
	while (done < len) {
		uint64_t fl = spin_lock_irqsave(&p->lock);
		if (!p->readers) {
			spin_unlock_irqrestore(&p->lock, fl);
			task_kill(current(), SIGPIPE);
			return done ? (long)done : -EPIPE;
		}
		size_t room = PIPE_SIZE - (p->head - p->tail);
		size_t want = len - done;
		/* small writes go in whole or wait; big ones may be split */
		if (room && (want > PIPE_BUF || room >= want)) {
			size_t n = MIN(room, want);
			for (size_t i = 0; i < n; i++)
				p->buf[p->head++ % PIPE_SIZE] = ((const char *)buf)[done + i];
			done += n;
			spin_unlock_irqrestore(&p->lock, fl);
			wake_up_all(&p->readable);
			poll_notify();
			continue;
		}
		spin_unlock_irqrestore(&p->lock, fl);
		if (f->flags & O_NONBLOCK)
			return done ? (long)done : -EAGAIN;
		int rc = wait_event_interruptible(p->writable,
			PIPE_SIZE - (READ_ONCE(p->head) - READ_ONCE(p->tail)) >= MIN(want, (size_t)PIPE_BUF) ||
			!READ_ONCE(p->readers));
		if (rc)
			return done ? (long)done : rc;
	}
	return done;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = pipe_of(f);
	if (!p) /* pipe_create() failed half-way */
		return;
	uint64_t fl = spin_lock_irqsave(&p->lock);
	if (file_readable(f))
		p->readers--;
	else
		p->writers--;
	bool last = !p->readers && !p->writers;
	spin_unlock_irqrestore(&p->lock, fl);
	wake_up_all(&p->readable);
	wake_up_all(&p->writable);
	poll_notify();
	if (last)
		kfree(p);
}

/* Readable with data or once the writers are gone (end of file: POLLHUP); writable while
 * not full (as Linux), an error once the readers are gone. */
static unsigned pipe_poll(struct file *f)
{
	struct pipe *p = pipe_of(f);
	uint64_t fl = spin_lock_irqsave(&p->lock);
	unsigned mask = 0;
	if (file_readable(f)) {
		if (p->head != p->tail)
			mask |= POLLIN;
		if (!p->writers)
			mask |= POLLHUP;
	} else {
		if (p->head - p->tail < PIPE_SIZE)
			mask |= POLLOUT;
		if (!p->readers)
			mask |= POLLERR;
	}
	spin_unlock_irqrestore(&p->lock, fl);
	return mask;
}

/* FIONREAD: the bytes waiting, at either end (as Linux's pipe_ioctl). */
static long pipe_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	if (req != FIONREAD)
		return -ENOTTY;
	struct pipe *p = pipe_of(f);
	int n = (int)(READ_ONCE(p->head) - READ_ONCE(p->tail));
	return copy_to_user((void *)arg, &n, sizeof(n));
}

static const struct vnode_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
};

int pipe_create(struct file **rd, struct file **wr, uint32_t flags)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct vnode *vn = vfs_new_dynamic(vfs_root, "pipe", S_IFIFO | 0600, &pipe_ops, 0);
	int err = -ENOMEM;
	if (!p || !vn)
		goto fail;
	spin_lock_init(&p->lock, "pipe");
	wait_queue_init(&p->readable);
	wait_queue_init(&p->writable);
	*rd = file_open(vn, O_RDONLY | (flags & O_NONBLOCK), &err);
	if (!*rd)
		goto fail;
	*wr = file_open(vn, O_WRONLY | (flags & O_NONBLOCK), &err);
	if (!*wr) {
		file_put(*rd);
		goto fail;
	}
	(*rd)->priv = (*wr)->priv = p;
	(*rd)->held = (*wr)->held = sizeof(*p) / 2;
	p->readers = p->writers = 1;
	vnode_put(vn); /* the files hold it now */
	return 0;
fail:
	if (vn)
		vnode_put(vn);
	kfree(p);
	return err;
}
