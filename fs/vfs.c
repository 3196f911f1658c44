/* Path resolution over vnodes. The static tree is built at boot and only grows; readers
 * need no lock for it. Dynamic nodes (/proc) are reference counted. */
#include "fs/vfs.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "kernel/printk.h"

struct vnode *vfs_root;
static uint64_t next_ino = 1;

static struct vnode *vnode_new(struct vnode *parent, const char *name, uint32_t mode,
			       const struct vnode_ops *ops)
{
	struct vnode *vn = kzalloc(sizeof(*vn));
	if (!vn)
		return NULL;
	strlcpy(vn->name, name, sizeof(vn->name));
	vn->mode = mode;
	vn->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	vn->parent = parent ? parent : vn;
	vn->ops = ops;
	list_init(&vn->children);
	list_init(&vn->sibling);
	return vn;
}

void vfs_init(void)
{
	vfs_root = vnode_new(NULL, "/", S_IFDIR | 0755, NULL);
	BUG_ON(!vfs_root);
}

static struct vnode *static_child(struct vnode *dir, const char *name)
{
	struct list_head *p;
	list_for_each(p, &dir->children) {
		struct vnode *c = list_entry(p, struct vnode, sibling);
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

struct vnode *vfs_create(struct vnode *dir, const char *name, uint32_t mode,
			 const struct vnode_ops *ops, void *priv)
{
	if (static_child(dir, name))
		return NULL;
	struct vnode *vn = vnode_new(dir, name, mode, ops);
	if (!vn)
		return NULL;
	vn->priv = priv;
	list_add_tail(&vn->sibling, &dir->children);
	return vn;
}

struct vnode *vfs_new_dynamic(struct vnode *parent, const char *name, uint32_t mode,
			      const struct vnode_ops *ops, long priv_id)
{
	struct vnode *vn = vnode_new(parent, name, mode, ops);
	if (!vn)
		return NULL;
	vn->dynamic = true;
	vn->refs = 1;
	vn->priv_id = priv_id;
	if (parent->dynamic)
		vnode_get(parent);
	return vn;
}

void vnode_get(struct vnode *vn)
{
	if (vn->dynamic)
		__atomic_add_fetch(&vn->refs, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *vn)
{
	while (vn && vn->dynamic && __atomic_sub_fetch(&vn->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct vnode *parent = vn->parent;
		kfree(vn);
		vn = parent; /* a dynamic node holds a reference on a dynamic parent */
	}
}

struct vnode *vfs_mkdir_p(const char *path)
{
	struct vnode *dir = vfs_root;
	char name[NAME_MAX + 1];
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = 0;
		while (path[n] && path[n] != '/')
			n++;
		if (!n)
			break;
		if (n > NAME_MAX)
			return NULL;
		memcpy(name, path, n);
		name[n] = 0;
		path += n;
		struct vnode *c = static_child(dir, name);
		if (!c)
			c = vfs_create(dir, name, S_IFDIR | 0755, NULL, NULL);
		if (!c || !vnode_is_dir(c))
			return NULL;
		dir = c;
	}
	return dir;
}

/* The child of dir called name, referenced; NULL if none. */
static struct vnode *child(struct vnode *dir, const char *name)
{
	struct vnode *c = NULL;
	if (!strcmp(name, "."))
		c = dir;
	else if (!strcmp(name, ".."))
		c = dir->parent;
	if (c) {
		vnode_get(c);
		return c;
	}
	c = static_child(dir, name);
	if (c)
		return c;
	return dir->ops && dir->ops->lookup ? dir->ops->lookup(dir, name) : NULL;
}

#define MAX_SYMLINKS 8

static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return !*s;
}

static int resolve(struct vnode *start, const char *path, bool follow, int depth, struct vnode **out)
{
	struct vnode *cur = *path == '/' ? vfs_root : start;
	char name[NAME_MAX + 1];
	vnode_get(cur);
	for (;;) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		size_t n = 0;
		while (path[n] && path[n] != '/')
			n++;
		if (n > NAME_MAX) {
			vnode_put(cur);
			return -ENAMETOOLONG;
		}
		memcpy(name, path, n);
		name[n] = 0;
		path += n;
		if (!vnode_is_dir(cur)) {
			vnode_put(cur);
			return -ENOTDIR;
		}
		struct vnode *next = child(cur, name);
		if (!next) {
			vnode_put(cur);
			return -ENOENT;
		}
		bool last = only_slashes(path);
		if ((next->mode & S_IFMT) == S_IFLNK && (!last || follow)) {
			/* On the heap: links may nest MAX_SYMLINKS deep on a 16 KiB stack. */
			char *target = kmalloc(PATH_MAX);
			long len = target ? next->ops->readlink(next, target, PATH_MAX) : -ENOMEM;
			vnode_put(next);
			if (len < 0 || depth >= MAX_SYMLINKS) {
				kfree(target);
				vnode_put(cur);
				return len < 0 ? (int)len : -ELOOP;
			}
			struct vnode *t;
			int rc = resolve(cur, target, true, depth + 1, &t);
			kfree(target);
			vnode_put(cur);
			if (rc)
				return rc;
			next = t;
		} else {
			vnode_put(cur);
		}
		cur = next;
	}
	*out = cur;
	return 0;
}

int vfs_lookup(const char *cwd, const char *path, bool follow, struct vnode **out)
{
	if (!*path)
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	struct vnode *start = vfs_root;
	if (*path != '/' && cwd) {
		int rc = resolve(vfs_root, cwd, true, 0, &start);
		if (rc)
			return rc;
		rc = resolve(start, path, follow, 0, out);
		vnode_put(start);
		return rc;
	}
	return resolve(start, path, follow, 0, out);
}

void vfs_path(struct vnode *vn, char *buf, size_t size)
{
	const char *parts[32];
	int n = 0;
	while (vn != vfs_root && n < 32) {
		parts[n++] = vn->name;
		vn = vn->parent;
	}
	size_t len = 0;
	buf[0] = 0;
	if (!n)
		strlcpy(buf, "/", size);
	while (n-- > 0 && len < size)
		len += snprintf(buf + len, size - len, "/%s", parts[n]);
}

uint8_t vfs_dtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFIFO: return DT_FIFO;
	default: return DT_REG;
	}
}

bool vfs_readdir(struct vnode *dir, uint64_t index, char *name, uint64_t *ino, uint8_t *type)
{
	if (index < 2) {
		struct vnode *vn = index ? dir->parent : dir;
		strlcpy(name, index ? ".." : ".", NAME_MAX + 1);
		*ino = vn->ino;
		*type = DT_DIR;
		return true;
	}
	index -= 2;
	struct list_head *p;
	list_for_each(p, &dir->children) {
		if (index > 0) {
			index--;
			continue;
		}
		struct vnode *c = list_entry(p, struct vnode, sibling);
		strlcpy(name, c->name, NAME_MAX + 1);
		*ino = c->ino;
		*type = vfs_dtype(c->mode);
		return true;
	}
	/* index now counts among the dynamic entries */
	return dir->ops && dir->ops->readdir && dir->ops->readdir(dir, index, name, ino, type);
}

const char *vfs_static_path(struct vnode *vn)
{
	const char *cached = __atomic_load_n(&vn->path, __ATOMIC_ACQUIRE);
	if (cached || vn->dynamic)
		return cached ? cached : "?";
	char buf[256]; /* the initramfs's paths are short; a longer one is cut */
	vfs_path(vn, buf, sizeof(buf));
	size_t len = strlen(buf) + 1;
	char *copy = kmalloc(len);
	if (!copy)
		return "?";
	memcpy(copy, buf, len);
	const char *none = NULL;
	if (!__atomic_compare_exchange_n(&vn->path, &none, copy, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		kfree(copy); /* another caller made it first */
		return none;
	}
	return copy;
}
