/* Path system calls: the stat family, getdents64, access, readlink, getcwd, chdir. */
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "fs/file.h"
#include "kernel/task.h"
#include "kernel/process.h"
#include "drivers/tty.h"
#include "arch-x86_64/rtc.h"
#include "kernel/clock.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"

int path_from_user(const char *upath, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	long len = strncpy_from_user(buf, upath, PATH_MAX);
	if (len < 0) {
		kfree(buf);
		return (int)len;
	}
	*out = buf;
	return 0;
}

int path_lookup_at(int dirfd, const char *upath, bool follow, int flags, struct vnode **out)
{
	char *path = NULL;
	int rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	struct file *dir = NULL;
	char cwd[PATH_MAX / 16];
	strlcpy(cwd, current()->cwd, sizeof(cwd));
	if (!path[0] && !(flags & AT_EMPTY_PATH)) {
		rc = -ENOENT; /* Linux's getname: before dirfd is looked at */
		goto out;
	}
	if (!path[0] && dirfd == AT_FDCWD) {
		rc = vfs_lookup(cwd, ".", follow, out);
		goto out;
	}
	if (dirfd != AT_FDCWD && path[0] != '/') {
		dir = fget(dirfd);
		if (!dir) {
			rc = -EBADF;
			goto out;
		}
		if (!path[0] && (flags & AT_EMPTY_PATH)) {
			vnode_get(dir->vn);
			*out = dir->vn;
			goto out;
		}
		if (!vnode_is_dir(dir->vn)) {
			rc = -ENOTDIR;
			goto out;
		}
		vfs_path(dir->vn, cwd, sizeof(cwd));
	}
	rc = vfs_lookup(cwd, path, follow, out);
out:
	if (dir)
		file_put(dir);
	kfree(path);
	return rc;
}

/* struct stat of x86-64 Linux. */
struct linux_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	struct { int64_t sec, nsec; } atime, mtime, ctime;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat layout");

/* What both stat layouts tell of a node. */
struct kstat {
	uint64_t ino, nlink, size, blocks;
	uint32_t mode, rdev_major, rdev_minor;
	int64_t time_s;		/* atime, mtime and ctime alike: the boot time */
};

static void vnode_stat(struct vnode *vn, struct kstat *k)
{
	k->ino = vn->ino;
	k->nlink = vnode_is_dir(vn) ? 2 : 1;
	k->mode = vn->mode;
	k->rdev_major = tty_is_console(vn) ? 5 : 0;
	k->rdev_minor = tty_is_console(vn) ? 1 : 0;
	k->size = (vn->mode & S_IFMT) == S_IFREG ? vn->size : 0;
	k->blocks = (k->size + 511) / 512;
	k->time_s = rtc_boot_epoch_ns() / NSEC_PER_SEC;
}

#define STAT_DEV 1	/* the one file system's device number */
#define STAT_BLKSIZE 4096

static int stat_to_user(struct vnode *vn, struct linux_stat *ust)
{
	struct kstat k;
	vnode_stat(vn, &k);
	struct linux_stat st = { 0 };
	st.dev = STAT_DEV;
	st.ino = k.ino;
	st.nlink = k.nlink;
	st.mode = k.mode;
	st.rdev = (k.rdev_major << 8) | k.rdev_minor;
	st.size = k.size;
	st.blksize = STAT_BLKSIZE;
	st.blocks = k.blocks;
	st.atime.sec = st.mtime.sec = st.ctime.sec = k.time_s;
	return copy_to_user(ust, &st, sizeof(st));
}

long sys_newfstatat(int dirfd, const char *upath, struct linux_stat *ust, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vnode *vn;
	int rc = path_lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), flags, &vn);
	if (rc)
		return rc;
	rc = stat_to_user(vn, ust);
	vnode_put(vn);
	return rc;
}

/* struct statx of Linux. */
struct statx_timestamp {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};
struct linux_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_timestamp atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx layout");

#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000	/* two bits: a mode, both set is invalid */
#define STATX_BASIC_STATS 0x7ff		/* type, mode, nlink, uid, gid, times, ino, size, blocks */
#define STATX_RESERVED 0x80000000u

/* Whatever mask asks, the basic fields are filled and reported (as Linux's file systems
 * do); there is no birth time. Checks in Linux 6.1's order: mask and sync type, flags, the
 * path, then the buffer. */
long sys_statx(int dirfd, const char *upath, int flags, unsigned mask, struct linux_statx *ubuf)
{
	if ((mask & STATX_RESERVED) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct vnode *vn;
	int rc = path_lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), flags, &vn);
	if (rc)
		return rc;
	struct kstat k;
	vnode_stat(vn, &k);
	vnode_put(vn);
	struct linux_statx st = { 0 };
	st.mask = STATX_BASIC_STATS;
	st.blksize = STAT_BLKSIZE;
	st.nlink = k.nlink;
	st.mode = k.mode;
	st.ino = k.ino;
	st.size = k.size;
	st.blocks = k.blocks;
	st.atime.sec = st.ctime.sec = st.mtime.sec = k.time_s;
	st.rdev_major = k.rdev_major;
	st.rdev_minor = k.rdev_minor;
	st.dev_minor = STAT_DEV;
	return copy_to_user(ubuf, &st, sizeof(st));
}

long sys_stat(const char *upath, struct linux_stat *ust) { return sys_newfstatat(AT_FDCWD, upath, ust, 0); }
long sys_lstat(const char *upath, struct linux_stat *ust)
{
	return sys_newfstatat(AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, struct linux_stat *ust)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	int rc = stat_to_user(f->vn, ust);
	file_put(f);
	return rc;
}

/* struct linux_dirent64, followed by the name. */
struct dirent64_head {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
} __packed;

long sys_getdents64(int fd, void *udirp, size_t count)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	long rc = 0;
	char *buf = NULL;
	if (!vnode_is_dir(f->vn)) {
		rc = -ENOTDIR;
		goto out;
	}
	count = MIN(count, (size_t)65536);
	buf = kmalloc(MAX(count, (size_t)1));
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	size_t used = 0;
	char name[NAME_MAX + 1];
	uint64_t ino;
	uint8_t type;
	while (vfs_readdir(f->vn, f->pos, name, &ino, &type)) {
		size_t namelen = strlen(name) + 1;
		size_t reclen = ALIGN_UP(sizeof(struct dirent64_head) + namelen, 8);
		if (used + reclen > count) {
			if (!used)
				rc = -EINVAL; /* the buffer cannot hold one entry */
			break;
		}
		struct dirent64_head h = { ino, (int64_t)f->pos + 1, (uint16_t)reclen, type };
		memset(buf + used, 0, reclen);
		memcpy(buf + used, &h, sizeof(h));
		memcpy(buf + used + sizeof(h), name, namelen);
		used += reclen;
		f->pos++;
	}
	if (!rc)
		rc = copy_to_user(udirp, buf, used) ? -EFAULT : (long)used;
out:
	kfree(buf);
	file_put(f);
	return rc;
}

#define R_OK 4
#define W_OK 2
#define X_OK 1

long sys_faccessat(int dirfd, const char *upath, int mode, int flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	struct vnode *vn;
	int rc = path_lookup_at(dirfd, upath, true, 0, &vn);
	if (rc)
		return rc;
	/* Everybody is root, who may read and write anything the file system allows. */
	if ((mode & W_OK) && !vn->ops && !vnode_is_dir(vn))
		rc = -EROFS;
	else if ((mode & W_OK) && !(vn->mode & 0222))
		rc = -EACCES;
	else if ((mode & X_OK) && !(vn->mode & 0111))
		rc = -EACCES;
	vnode_put(vn);
	return rc;
}

long sys_access(const char *upath, int mode) { return sys_faccessat(AT_FDCWD, upath, mode, 0); }

long sys_readlinkat(int dirfd, const char *upath, char *ubuf, int size)
{
	if (size <= 0)
		return -EINVAL;
	struct vnode *vn;
	int rc = path_lookup_at(dirfd, upath, false, 0, &vn);
	if (rc)
		return rc;
	long len = -EINVAL;
	char *target = NULL;
	if ((vn->mode & S_IFMT) == S_IFLNK && (target = kmalloc(PATH_MAX)))
		len = vn->ops->readlink(vn, target, PATH_MAX);
	else if ((vn->mode & S_IFMT) == S_IFLNK)
		len = -ENOMEM;
	vnode_put(vn);
	if (len >= 0) {
		len = MIN(len, (long)size);
		if (copy_to_user(ubuf, target, len))
			len = -EFAULT;
	}
	kfree(target);
	return len;
}

long sys_readlink(const char *upath, char *ubuf, int size) { return sys_readlinkat(AT_FDCWD, upath, ubuf, size); }

long sys_getcwd(char *ubuf, size_t size)
{
	const char *cwd = current()->cwd;
	size_t len = strlen(cwd) + 1;
	if (size < len)
		return -ERANGE;
	return copy_to_user(ubuf, cwd, len) ? -EFAULT : (long)len;
}

long sys_chdir(const char *upath)
{
	struct vnode *vn;
	int rc = path_lookup_at(AT_FDCWD, upath, true, 0, &vn);
	if (rc)
		return rc;
	char path[sizeof(current()->cwd) + 1];
	if (!vnode_is_dir(vn))
		rc = -ENOTDIR;
	else
		vfs_path(vn, path, sizeof(path));
	vnode_put(vn);
	if (!rc && strlen(path) >= sizeof(current()->cwd))
		rc = -ENAMETOOLONG;
	if (!rc)
		task_set_cwd(path);
	return rc;
}
