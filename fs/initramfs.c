#include "fs/initramfs.h"
#include "kernel/bootinfo.h"
#include "fs/cpio.h"
#include "fs/vfs.h"
#include "mm/memlayout.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

/* Symbolic links from the archive: the target is the file data. */
static long archive_readlink(struct vnode *vn, char *buf, size_t size)
{
	size_t n = MIN(vn->size, size - 1);
	memcpy(buf, vn->data, n);
	buf[n] = 0;
	return n;
}

static const struct vnode_ops archive_link_ops = { .readlink = archive_readlink };

/* Split "a/b/c" into the directory "a/b" (created) and the leaf "c". */
static struct vnode *parent_dir(const char *path, const char **leaf)
{
	char dir[PATH_MAX];
	const char *slash = NULL;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			slash = p;
	*leaf = slash ? slash + 1 : path;
	if (!slash)
		return vfs_root;
	size_t n = MIN((size_t)(slash - path), sizeof(dir) - 1);
	memcpy(dir, path, n);
	dir[n] = 0;
	return vfs_mkdir_p(dir);
}

static bool add_entry(const struct cpio_entry *e)
{
	const char *name = e->name;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (*name == '/')
		name++;
	if (!*name || !strcmp(name, "."))
		return true;
	uint32_t type = e->mode & S_IFMT;
	if (type == S_IFDIR)
		return vfs_mkdir_p(name) != NULL;
	if (type != S_IFREG && type != S_IFLNK)
		return true; /* devices, fifos: nothing to serve them */
	const char *leaf;
	struct vnode *dir = parent_dir(name, &leaf);
	if (!dir || !*leaf)
		return false;
	struct vnode *vn = vfs_create(dir, leaf, e->mode, type == S_IFLNK ? &archive_link_ops : NULL, NULL);
	if (!vn)
		return false;
	vn->data = e->data;
	vn->size = e->size;
	return true;
}

void initramfs_load(void)
{
	if (!boot_info.nmods) {
		printk("initramfs: no boot module: the file tree holds only /proc, /sys and /dev\n");
		return;
	}
	const struct boot_module *m = &boot_info.mods[0];
	struct cpio_reader r;
	struct cpio_entry e;
	const char *err = NULL;
	unsigned files = 0, skipped = 0;
	int rc;

	cpio_reader_init(&r, phys_to_virt(m->start), m->end - m->start);
	while ((rc = cpio_next(&r, &e, &err)) == 1) {
		if (add_entry(&e))
			files++;
		else
			skipped++;
	}
	if (rc < 0)
		printk("initramfs: corrupt archive (%s) after %u entries; the rest is skipped\n",
		       err, files);
	printk("initramfs: %u entries, %lu KiB%s\n", files, (m->end - m->start) / 1024,
	       skipped ? " (some entries could not be added)" : "");
}
