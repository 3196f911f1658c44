/* Path helpers shared by the file system calls (sys_path.c, sys_fs.c, sys_proc.c). */
#ifndef SYS_PATH_H
#define SYS_PATH_H

#include "fs/vfs.h"

#define AT_FDCWD            -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH       0x1000

struct file;

/* current's file at fd with a reference (file_put it), or NULL. */
struct file *fget(int fd);
/* Copy a user path into a kmalloc'd PATH_MAX buffer (kfree it): 0, -EFAULT, -ENAMETOOLONG,
 * -ENOMEM. */
int path_from_user(const char *upath, char **out);
/* Resolve the user path upath relative to dirfd (AT_FDCWD: the working directory) to a
 * referenced node. flags: AT_EMPTY_PATH makes "" name dirfd's own file (or the working
 * directory); without it "" is -ENOENT. 0 or -errno. */
int path_lookup_at(int dirfd, const char *upath, bool follow, int flags, struct vnode **out);

#endif
