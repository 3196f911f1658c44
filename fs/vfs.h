/* The file tree: directories and files in memory (the initramfs, /proc, /sys), found by
 * path. Static nodes live for good; /proc/PID nodes are made on lookup and counted. */
#ifndef VFS_H
#define VFS_H

#include "lib/compiler.h"
#include "lib/list.h"

/* st_mode type bits (Linux values). */
#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFLNK  0120000
#define S_IFCHR  0020000
#define S_IFIFO  0010000

/* Linux dirent64 d_type values. */
#define DT_FIFO 1
#define DT_CHR  2
#define DT_DIR  4
#define DT_REG  8
#define DT_LNK  10

/* ioctl request both terminals and pipes answer: the bytes ready to read (an int). */
#define FIONREAD 0x541b

#define NAME_MAX 255
#define PATH_MAX 4096

struct file;
struct vnode;

struct vnode_ops {
	/* Prepare an open file (e.g. render a pseudo file). 0 or -errno. */
	int (*open)(struct vnode *vn, struct file *f);
	/* Read up to len bytes at *pos (f->pos, or pread's offset) into the kernel buffer buf
	 * and advance *pos. Returns bytes read (0 = end of file) or -errno. May sleep (pipes,
	 * console). Streams ignore *pos. */
	long (*read)(struct file *f, void *buf, size_t len, uint64_t *pos);
	/* Write len bytes from the kernel buffer buf at *pos (f->pos, or pwrite's offset) and
	 * advance *pos. Returns bytes written or -errno. Streams ignore *pos. */
	long (*write)(struct file *f, const void *buf, size_t len, uint64_t *pos);
	/* Files with their own seek rule (e.g. /proc/PID/mem, whose positions are addresses):
	 * the new position for lseek(off, whence), or -errno. NULL: the generic rule. */
	int64_t (*lseek)(struct file *f, int64_t off, int whence);
	/* Free what open() attached to f. */
	void (*release)(struct file *f);
	/* Dynamic directories: the child called name (a new reference), or NULL. */
	struct vnode *(*lookup)(struct vnode *dir, const char *name);
	/* Dynamic directories: the name, inode and d_type of child number index (after the
	 * static children); false past the end. */
	bool (*readdir)(struct vnode *dir, uint64_t index, char *name, uint64_t *ino, uint8_t *type);
	/* Symbolic links: the target path into buf (NUL-terminated); length or -errno. */
	long (*readlink)(struct vnode *vn, char *buf, size_t size);
	/* Readiness for poll(): POLLIN / POLLOUT bits now. */
	unsigned (*poll)(struct file *f);
	/* ioctl(2) on an open file (terminals, pipes); NULL: -ENOTTY. */
	long (*ioctl)(struct file *f, unsigned long req, unsigned long arg);
	/* /dev/null (Linux's read_null, write_null): a read ends at once and a write takes
	 * every byte, neither touching the user buffer, so a bad pointer is no error. */
	bool sink;
};

struct vnode {
	char name[NAME_MAX + 1];
	uint32_t mode;			/* S_IF* type | permission bits */
	uint64_t ino;
	uint64_t size;			/* regular files */
	const uint8_t *data;		/* initramfs file bytes (size of them) */
	struct vnode *parent;
	struct list_head children;	/* static directory entries, in creation order */
	struct list_head sibling;
	const struct vnode_ops *ops;	/* NULL: a plain initramfs file or static directory */
	void *priv;			/* the ops' own */
	long priv_id;			/* the ops' own (e.g. the pid of a /proc/PID node) */
	const char *path;		/* static nodes: the absolute path, made on first use
					 * (vfs_static_path) and kept for good */
	int refs;			/* dynamic nodes only: freed when it drops to 0 */
	bool dynamic;
};

extern struct vnode *vfs_root;

void vfs_init(void);
/* Add a static child to dir; NULL when out of memory or name exists. */
struct vnode *vfs_create(struct vnode *dir, const char *name, uint32_t mode,
			 const struct vnode_ops *ops, void *priv);
/* Create every missing directory of path (absolute); the last one, or NULL. */
struct vnode *vfs_mkdir_p(const char *path);
/* A dynamic node (refs 1) for a dynamic directory's lookup. */
struct vnode *vfs_new_dynamic(struct vnode *parent, const char *name, uint32_t mode,
			      const struct vnode_ops *ops, long priv_id);

/* Resolve path (relative ones from cwd) to a referenced node (vnode_put it): 0 or -ENOENT,
 * -ENOTDIR, -ENAMETOOLONG, -ELOOP. follow: resolve a final symbolic link too. */
int vfs_lookup(const char *cwd, const char *path, bool follow, struct vnode **out);
void vnode_get(struct vnode *vn);
void vnode_put(struct vnode *vn);
/* Entry number index of directory dir: ".", "..", the static children in creation order,
 * then the dynamic ones (ops->readdir). false past the end. */
bool vfs_readdir(struct vnode *dir, uint64_t index, char *name, uint64_t *ino, uint8_t *type);
/* The dirent64 d_type of a mode. */
uint8_t vfs_dtype(uint32_t mode);
/* The absolute path of a static node as a string that lives as long as the node (for
 * ever): for names that outlive any one user, such as a mapped file's in /proc/PID/maps.
 * "?" when out of memory. */
const char *vfs_static_path(struct vnode *vn);
/* Absolute path of vn into buf. */
void vfs_path(struct vnode *vn, char *buf, size_t size);

static inline bool vnode_is_dir(const struct vnode *vn) { return (vn->mode & S_IFMT) == S_IFDIR; }

#endif
