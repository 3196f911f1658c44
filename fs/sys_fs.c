/* File-descriptor system calls: open, close, read and write (and their vector and
 * positional forms), lseek, dup family, pipe, fcntl, ioctl (the terminal's requests are in
 * tty.c). User buffers, single or vectored (iov_iter.h), are bounced through kernel memory
 * in chunks; a buffer is checked before a stream (pipe, console) is read, so bad pointers
 * cost no input. */
#include "kernel/syscall_table.h"
#include "kernel/process.h"
#include "fs/sys_path.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "fs/iov_iter.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"

#define IO_CHUNK (16 * 1024)
#define IOV_MAX 1024
#define MAX_RW_COUNT 0x7ffff000UL	/* Linux's cap on one read or write */

static struct files *my_files(void) { return current()->files; }

/* current's file at fd with a reference, or NULL. */
struct file *fget(int fd)
{
	return my_files() ? fd_get(my_files(), fd) : NULL;
}

/* Linux's access_ok: [p, p + n) lies below the end of user space (whether it is mapped
 * is found out later). */
static bool user_access_ok(const void *p, size_t n)
{
	return n <= USER_END && (uint64_t)p <= USER_END - n;
}

/* Linux's rw_verify_area: a count that does not fit ssize_t, or one that takes the
 * position (*pos, or the file's own when pos is NULL; a stream has none) past INT64_MAX,
 * is -EINVAL. */
static long rw_verify(struct file *f, size_t count, const uint64_t *pos)
{
	uint64_t p = pos ? *pos : file_is_stream(f) ? 0 : f->pos;
	if ((int64_t)count < 0 || count > (uint64_t)INT64_MAX - p)
		return -EINVAL;
	return 0;
}

/* Read into the user memory ahead of it at *pos (NULL: the file position), one file read
 * per chunk whatever the vectors. Bytes read or -errno; the caller checked the file is
 * readable and the buffer against USER_END (Linux's vfs_read order: -EBADF, -EFAULT,
 * then -EINVAL here). As on Linux, a file read into a buffer that faults part way returns
 * what came before the fault; a stream's buffer is checked whole first. */
static long read_to_user(struct file *f, struct iov_iter *it, size_t count, uint64_t *pos)
{
	long err = rw_verify(f, count, pos);
	if (err)
		return err;
	if (!count || (f->vn->ops && f->vn->ops->sink))
		return 0;
	count = MIN(count, MAX_RW_COUNT);
	if (file_is_stream(f) && !iov_iter_range_ok(it, count, true))
		return -EFAULT; /* before taking input the stream cannot take back */
	char *buf = kmalloc(MIN(count, (size_t)IO_CHUNK));
	if (!buf)
		return -ENOMEM;
	size_t done = 0;
	long rc = 0;
	while (done < count && !(done && fatal_signal_pending())) {
		size_t want = MIN(count - done, (size_t)IO_CHUNK);
		long n = pos ? file_pread(f, buf, want, *pos) : file_read(f, buf, want);
		if (n <= 0) {
			rc = n;
			break;
		}
		size_t copied = iov_iter_copy_out(it, buf, n);
		done += copied;
		if (pos)
			*pos += copied;
		if (copied < (size_t)n) { /* a fault: a file is read on from where it stopped */
			if (!pos && !file_is_stream(f))
				f->pos -= n - copied;
			rc = -EFAULT;
			break;
		}
		if ((size_t)n < want || file_is_stream(f))
			break;
	}
	kfree(buf);
	return done ? (long)done : rc;
}

/* Write the user memory ahead of it at *pos (NULL: the file position), one file write per
 * chunk whatever the vectors, so a terminal line or a small pipe write stays whole. Bytes
 * written or -errno; the caller checked as for read_to_user. */
static long write_from_user(struct file *f, struct iov_iter *it, size_t count, uint64_t *pos)
{
	long err = rw_verify(f, count, pos);
	if (err)
		return err;
	if (!count)
		return 0;
	count = MIN(count, MAX_RW_COUNT);
	if (f->vn->ops && f->vn->ops->sink)
		return count;
	char *buf = kmalloc(MIN(count, (size_t)IO_CHUNK));
	if (!buf)
		return -ENOMEM;
	size_t done = 0;
	long rc = 0;
	while (done < count && !(done && fatal_signal_pending())) {
		size_t want = MIN(count - done, (size_t)IO_CHUNK);
		size_t copied = iov_iter_copy_in(it, buf, want);
		if (!copied) {
			rc = -EFAULT;
			break;
		}
		long n = pos ? file_pwrite(f, buf, copied, *pos) : file_write(f, buf, copied);
		if (n <= 0) {
			rc = n;
			break;
		}
		done += n;
		if (pos)
			*pos += n;
		if ((size_t)n < want)
			break; /* a short write, or a fault after the bytes copied */
	}
	kfree(buf);
	return done ? (long)done : rc;
}

/* read, write, pread64, pwrite64: one user buffer, checked as vfs_read and vfs_write do
 * (-EBADF, then -EFAULT for a range past USER_END) before the transfer. */
static long single_io(struct file *f, char *ubuf, size_t count, uint64_t *pos, bool write)
{
	if (!(write ? file_writable(f) : file_readable(f)))
		return -EBADF;
	if (!user_access_ok(ubuf, count))
		return -EFAULT;
	struct iovec v = { ubuf, count };
	struct iov_iter it;
	iov_iter_init(&it, &v, 1);
	return write ? write_from_user(f, &it, count, pos) : read_to_user(f, &it, count, pos);
}

long sys_read(int fd, char *ubuf, size_t count)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long rc = single_io(f, ubuf, count, NULL, false);
	file_put(f);
	return rc;
}

long sys_write(int fd, const char *ubuf, size_t count)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long rc = single_io(f, (char *)ubuf, count, NULL, true);
	file_put(f);
	return rc;
}

long sys_pread64(int fd, char *ubuf, size_t count, int64_t off)
{
	if (off < 0)
		return -EINVAL;
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	uint64_t pos = off;
	long rc = file_is_stream(f) ? -ESPIPE : single_io(f, ubuf, count, &pos, false);
	file_put(f);
	return rc;
}

long sys_pwrite64(int fd, const char *ubuf, size_t count, int64_t off)
{
	if (off < 0)
		return -EINVAL;
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	uint64_t pos = off;
	long rc = file_is_stream(f) ? -ESPIPE : single_io(f, (char *)ubuf, count, &pos, true);
	file_put(f);
	return rc;
}

/* Linux's import_iovec: at most IOV_MAX vectors (else -EINVAL), copied in one by one: an
 * unreadable one -EFAULT, a length that does not fit ssize_t -EINVAL; then a vector
 * outside user space -EFAULT. Lengths are trimmed to keep the total within MAX_RW_COUNT.
 * The kernel's copy (kfree it; NULL for none) with *total, or NULL and *err set. */
static struct iovec *import_iovecs(const struct iovec *uiov, unsigned long cnt, size_t *total,
				   long *err)
{
	*total = 0;
	*err = 0;
	if (cnt > IOV_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	if (!cnt)
		return NULL;
	struct iovec *iov = kmalloc(cnt * sizeof(*iov));
	if (!iov) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!user_access_ok(uiov, cnt * sizeof(*iov)))
		*err = -EFAULT;
	for (unsigned long i = 0; i < cnt && !*err; i++) {
		if (copy_from_user(&iov[i], &uiov[i], sizeof(*iov)))
			*err = -EFAULT;
		else if ((int64_t)iov[i].len < 0)
			*err = -EINVAL;
	}
	for (unsigned long i = 0; i < cnt && !*err; i++) {
		if (!user_access_ok(iov[i].base, iov[i].len))
			*err = -EFAULT;
		iov[i].len = MIN(iov[i].len, MAX_RW_COUNT - *total);
		*total += iov[i].len;
	}
	if (*err) {
		kfree(iov);
		return NULL;
	}
	return iov;
}

/* readv/writev (pos NULL) and preadv/pwritev (from *pos): the vectors as one buffer (a
 * writev to the terminal is one write, as on Linux, so another task's output cannot land
 * inside it); the checks in Linux's order (vfs_readv, vfs_writev). */
static long vector_io(int fd, const struct iovec *uiov, unsigned long iovcnt, bool write,
		      uint64_t *pos)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long rc = 0;
	size_t total = 0;
	struct iovec *iov = NULL;
	if (pos && file_is_stream(f))
		rc = -ESPIPE;
	else if (!(write ? file_writable(f) : file_readable(f)))
		rc = -EBADF;
	else
		iov = import_iovecs(uiov, iovcnt, &total, &rc);
	if (iov) {
		struct iov_iter it;
		iov_iter_init(&it, iov, iovcnt);
		rc = write ? write_from_user(f, &it, total, pos) : read_to_user(f, &it, total, pos);
	}
	kfree(iov);
	file_put(f);
	return rc;
}

long sys_readv(int fd, const struct iovec *uiov, unsigned long iovcnt)
{
	return vector_io(fd, uiov, iovcnt, false, NULL);
}

long sys_writev(int fd, const struct iovec *uiov, unsigned long iovcnt)
{
	return vector_io(fd, uiov, iovcnt, true, NULL);
}

/* preadv/pwritev: x86-64 passes the whole position in pos_l (pos_h is shifted out, as in
 * Linux's pos_from_hilo); a negative one is -EINVAL before the descriptor is looked at. */
long sys_preadv(int fd, const struct iovec *uiov, unsigned long iovcnt, int64_t pos_l, uint64_t pos_h)
{
	if (pos_l < 0)
		return -EINVAL;
	uint64_t pos = pos_l;
	return vector_io(fd, uiov, iovcnt, false, &pos);
}

long sys_pwritev(int fd, const struct iovec *uiov, unsigned long iovcnt, int64_t pos_l, uint64_t pos_h)
{
	if (pos_l < 0)
		return -EINVAL;
	uint64_t pos = pos_l;
	return vector_io(fd, uiov, iovcnt, true, &pos);
}

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* sendfile: in_fd to out_fd through a kernel buffer (from *uoff when given, which then
 * advances instead of in_fd's position). Bytes moved or -errno. */
long sys_sendfile(int out_fd, int in_fd, int64_t *uoff, size_t count)
{
	struct file *in = fget(in_fd), *out = fget(out_fd);
	long rc = -EBADF;
	char *buf = NULL;
	int64_t off = 0;
	if (!in || !out || !file_readable(in) || !file_writable(out))
		goto out;
	rc = -EFAULT;
	if (uoff && copy_from_user(&off, uoff, sizeof(off)))
		goto out;
	rc = -EINVAL;
	if (off < 0 || (uoff && file_is_stream(in)))
		goto out;
	rc = -ENOMEM;
	if (!(buf = kmalloc(IO_CHUNK)))
		goto out;
	size_t done = 0;
	rc = 0;
	count = MIN(count, MAX_RW_COUNT);
	while (done < count && !(done && fatal_signal_pending())) {
		size_t want = MIN(count - done, (size_t)IO_CHUNK);
		long n = uoff ? file_pread(in, buf, want, off + done) : file_read(in, buf, want);
		if (n <= 0) {
			rc = n;
			break;
		}
		long w = file_write(out, buf, n);
		if (w <= 0) {
			rc = w;
			break;
		}
		done += w;
		if (w < n || (size_t)n < want)
			break;
	}
	if (done)
		rc = done;
	if (uoff && done) {
		off += done;
		if (copy_to_user(uoff, &off, sizeof(off)))
			rc = -EFAULT;
	}
out:
	kfree(buf);
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return rc;
}

long sys_lseek(int fd, int64_t off, int whence)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	int64_t base;
	long rc;
	if (file_is_stream(f)) {
		rc = -ESPIPE;
		goto out;
	}
	if (f->vn->ops && f->vn->ops->lseek) {
		rc = f->vn->ops->lseek(f, off, whence);
		goto out;
	}
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = f->pos; break;
	case SEEK_END: base = f->vn->ops == NULL ? (int64_t)f->vn->size : (int64_t)f->priv_len; break;
	default: rc = -EINVAL; goto out;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
		rc = -EINVAL;
		goto out;
	}
	f->pos = base + off;
	rc = f->pos;
out:
	file_put(f);
	return rc;
}

long sys_openat(int dirfd, const char *upath, int flags, int mode)
{
	struct vnode *vn;
	int rc = path_lookup_at(dirfd, upath, !(flags & O_NOFOLLOW), 0, &vn);
	if (rc == -ENOENT && (flags & O_CREAT))
		return -EROFS; /* nothing here can create files */
	if (rc)
		return rc;
	uint32_t acc = flags & O_ACCMODE;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		rc = -EEXIST;
	else if ((vn->mode & S_IFMT) == S_IFLNK)
		rc = -ELOOP; /* O_NOFOLLOW on a link */
	else if ((flags & O_DIRECTORY) && !vnode_is_dir(vn))
		rc = -ENOTDIR;
	else if (vnode_is_dir(vn) && acc != O_RDONLY)
		rc = -EISDIR;
	else if (!vn->ops && !vnode_is_dir(vn) && (acc != O_RDONLY || (flags & O_TRUNC)))
		rc = -EROFS; /* initramfs files are read-only */
	struct file *f = NULL;
	if (!rc)
		f = file_open(vn, flags | O_LARGEFILE, &rc); /* forced on 64-bit, as on Linux */
	vnode_put(vn);
	if (!f)
		return rc;
	rc = fd_install(my_files(), f, 0, flags & O_CLOEXEC);
	if (rc < 0)
		file_put(f);
	return rc;
}

long sys_open(const char *upath, int flags, int mode)
{
	return sys_openat(AT_FDCWD, upath, flags, mode);
}

long sys_close(int fd)
{
	return my_files() ? fd_close(my_files(), fd) : -EBADF;
}

/* dup family: newfd < 0 means the lowest free descriptor (at least min). */
static long dup_to(int oldfd, int newfd, int min, bool cloexec)
{
	struct file *f = fget(oldfd);
	if (!f)
		return -EBADF;
	long rc = newfd >= 0 ? fd_install_at(my_files(), newfd, f, cloexec)
			     : fd_install(my_files(), f, min, cloexec);
	if (rc < 0)
		file_put(f);
	return rc;
}

long sys_dup(int fd) { return dup_to(fd, -1, 0, false); }

long sys_dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) {
		struct file *f = fget(oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return newfd < 0 || newfd >= MAX_FDS ? -EBADF : dup_to(oldfd, newfd, 0, false);
}

long sys_dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC))
		return -EINVAL;
	return newfd < 0 || newfd >= MAX_FDS ? -EBADF : dup_to(oldfd, newfd, 0, flags & O_CLOEXEC);
}

long sys_pipe2(int *ufds, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct file *rd, *wr;
	int rc = pipe_create(&rd, &wr, flags);
	if (rc)
		return rc;
	int fds[2] = { fd_install(my_files(), rd, 0, flags & O_CLOEXEC), -1 };
	if (fds[0] < 0) {
		file_put(rd);
		file_put(wr);
		return fds[0];
	}
	fds[1] = fd_install(my_files(), wr, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		file_put(wr);
		fd_close(my_files(), fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(my_files(), fds[0]);
		fd_close(my_files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(int *ufds) { return sys_pipe2(ufds, 0); }

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

long sys_fcntl(int fd, int cmd, long arg)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long rc;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = arg < 0 || arg >= MAX_FDS ? -EINVAL : dup_to(fd, -1, (int)arg, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		rc = fd_get_cloexec(my_files(), fd) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		rc = fd_set_cloexec(my_files(), fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		rc = f->flags;
		break;
	case F_SETFL: /* only O_APPEND and O_NONBLOCK can change, as on Linux */
		f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
		rc = 0;
		break;
	default:
		rc = -EINVAL;
	}
	file_put(f);
	return rc;
}

long sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	req = (uint32_t)req; /* Linux's request is an unsigned int: libc may sign-extend it */
	long rc = f->vn->ops && f->vn->ops->ioctl ? f->vn->ops->ioctl(f, req, arg) : -ENOTTY;
	file_put(f);
	return rc;
}
