/* Shell commands about files: ls and cat. */
#include "shell/shell_cmds.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errstr.h"
#include "lib/errno.h"

/* path resolved from "/", or NULL after reporting the error as "cmd: path: why". */
static struct vnode *lookup(const char *cmd, const char *path)
{
	struct vnode *vn;
	int rc = vfs_lookup("/", path, true, &vn);
	if (rc) {
		sh_printf("%s: %s: %s\n", cmd, path, errno_string(rc));
		return NULL;
	}
	return vn;
}

/* ls -F's marks: directory, symbolic link, device, pipe. */
static const char *type_suffix(uint8_t type)
{
	switch (type) {
	case DT_DIR: return "/";
	case DT_LNK: return "@";
	case DT_CHR: return "%";
	case DT_FIFO: return "|";
	default: return "";
	}
}

int cmd_ls(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/";
	struct vnode *dir = lookup("ls", path);
	if (!dir)
		return SH_FAILED;
	if (!vnode_is_dir(dir)) {
		sh_printf("%s\n", path);
		vnode_put(dir);
		return 0;
	}
	char name[NAME_MAX + 1];
	uint64_t ino;
	uint8_t type;
	for (uint64_t i = 2; !sh_interrupted() && vfs_readdir(dir, i, name, &ino, &type); i++) /* after . and .. */
		sh_printf("%s%s\n", name, type_suffix(type));
	vnode_put(dir);
	return 0;
}

static int cat_one(const char *path)
{
	struct vnode *vn = lookup("cat", path);
	if (!vn)
		return SH_FAILED;
	int rc;
	struct file *f = file_open(vn, O_RDONLY, &rc);
	vnode_put(vn);
	if (!f) {
		sh_printf("cat: %s: %s\n", path, errno_string(rc));
		return SH_FAILED;
	}
	char *buf = kmalloc(1024);
	long n = buf ? 0 : -ENOMEM;
	while (buf && !sh_interrupted() && (n = file_read(f, buf, 1024)) > 0)
		sh_write(buf, n);
	if (n < 0)
		sh_printf("cat: %s: %s\n", path, errno_string((int)n));
	kfree(buf);
	file_put(f);
	return n < 0 ? SH_FAILED : 0;
}

int cmd_cat(int argc, char **argv)
{
	int rc = 0;
	for (int i = 1; i < argc && !sh_interrupted(); i++)
		rc |= cat_one(argv[i]);
	return rc ? SH_FAILED : 0;
}
