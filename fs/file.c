#include "fs/file.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "kernel/printk.h"

struct file *file_open(struct vnode *vn, uint32_t flags, int *err)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	f->refs = 1;
	f->vn = vn;
	f->flags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_LARGEFILE);
	vnode_get(vn);
	if (vn->ops && vn->ops->open) {
		int rc = vn->ops->open(vn, f);
		if (rc) {
			vnode_put(vn);
			kfree(f);
			*err = rc;
			return NULL;
		}
	}
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->vn->ops && f->vn->ops->release)
		f->vn->ops->release(f);
	vnode_put(f->vn);
	kfree(f);
}

bool file_readable(const struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
bool file_writable(const struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

struct files *files_create(void)
{
	struct files *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	spin_lock_init(&fs->lock, "files");
	return fs;
}

struct files *files_dup(struct files *src)
{
	struct files *fs = files_create();
	if (!fs)
		return NULL;
	uint64_t f = spin_lock_irqsave(&src->lock);
	for (int i = 0; i < MAX_FDS; i++) {
		if (src->fd[i]) {
			fs->fd[i] = src->fd[i];
			fs->cloexec[i] = src->cloexec[i];
			file_get(fs->fd[i]);
		}
	}
	spin_unlock_irqrestore(&src->lock, f);
	return fs;
}

void files_get(struct files *fs)
{
	__atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
}

void files_put(struct files *fs)
{
	if (__atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (int i = 0; i < MAX_FDS; i++)
		if (fs->fd[i])
			file_put(fs->fd[i]);
	kfree(fs);
}

uint64_t files_kernel_bytes(struct files *fs)
{
	uint64_t bytes = sizeof(*fs);
	uint64_t flags = spin_lock_irqsave(&fs->lock);
	for (int i = 0; i < MAX_FDS; i++) {
		const struct file *f = fs->fd[i];
		if (f)
			bytes += (sizeof(*f) + READ_ONCE(f->held)) / MAX(READ_ONCE(f->refs), 1);
	}
	spin_unlock_irqrestore(&fs->lock, flags);
	return bytes;
}

int fd_install(struct files *fs, struct file *f, int min, bool cloexec)
{
	int fd = -EMFILE;
	uint64_t flags = spin_lock_irqsave(&fs->lock);
	for (int i = MAX(min, 0); i < MAX_FDS; i++) {
		if (!fs->fd[i]) {
			fs->fd[i] = f;
			fs->cloexec[i] = cloexec;
			fd = i;
			break;
		}
	}
	spin_unlock_irqrestore(&fs->lock, flags);
	return fd;
}

int fd_install_at(struct files *fs, int fd, struct file *f, bool cloexec)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	uint64_t flags = spin_lock_irqsave(&fs->lock);
	struct file *old = fs->fd[fd];
	fs->fd[fd] = f;
	fs->cloexec[fd] = cloexec;
	spin_unlock_irqrestore(&fs->lock, flags);
	if (old)
		file_put(old);
	return fd;
}

struct file *fd_get(struct files *fs, int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	uint64_t flags = spin_lock_irqsave(&fs->lock);
	struct file *f = fs->fd[fd];
	if (f)
		file_get(f);
	spin_unlock_irqrestore(&fs->lock, flags);
	return f;
}

int fd_close(struct files *fs, int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	uint64_t flags = spin_lock_irqsave(&fs->lock);
	struct file *f = fs->fd[fd];
	fs->fd[fd] = NULL;
	spin_unlock_irqrestore(&fs->lock, flags);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

void files_close_on_exec(struct files *fs)
{
	for (int i = 0; i < MAX_FDS; i++)
		if (fs->cloexec[i])
			fd_close(fs, i);
}

int fd_get_cloexec(struct files *fs, int fd)
{
	if (fd < 0 || fd >= MAX_FDS || !fs->fd[fd])
		return -EBADF;
	return fs->cloexec[fd];
}

int fd_set_cloexec(struct files *fs, int fd, bool on)
{
	if (fd < 0 || fd >= MAX_FDS || !fs->fd[fd])
		return -EBADF;
	fs->cloexec[fd] = on;
	return 0;
}

/* Plain initramfs files: the bytes are in memory. */
static long data_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (*pos >= f->vn->size)
		return 0;
	size_t n = MIN(len, f->vn->size - *pos);
	memcpy(buf, f->vn->data + *pos, n);
	*pos += n;
	return n;
}

static long read_at(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (!file_readable(f))
		return -EBADF;
	if (vnode_is_dir(f->vn))
		return -EISDIR;
	if (f->vn->ops && f->vn->ops->read)
		return f->vn->ops->read(f, buf, len, pos);
	if ((f->vn->mode & S_IFMT) == S_IFREG && !f->vn->ops)
		return data_read(f, buf, len, pos);
	return -EINVAL;
}

long file_read(struct file *f, void *buf, size_t len)
{
	return read_at(f, buf, len, &f->pos);
}

long file_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	if (file_is_stream(f))
		return -ESPIPE;
	return read_at(f, buf, len, &off);
}

bool file_is_stream(const struct file *f)
{
	uint32_t type = f->vn->mode & S_IFMT;
	/* a character device is a stream unless it has a seek rule (/dev/null has one) */
	return type == S_IFIFO || (type == S_IFCHR && !(f->vn->ops && f->vn->ops->lseek));
}

static long write_at(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	if (!file_writable(f))
		return -EBADF;
	if (f->vn->ops && f->vn->ops->write)
		return f->vn->ops->write(f, buf, len, pos);
	return -EROFS;
}

long file_write(struct file *f, const void *buf, size_t len)
{
	return write_at(f, buf, len, &f->pos);
}

long file_pwrite(struct file *f, const void *buf, size_t len, uint64_t off)
{
	if (file_is_stream(f))
		return -ESPIPE;
	return write_at(f, buf, len, &off);
}
