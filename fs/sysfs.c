#include "fs/sysfs.h"
#include "kernel/printk.h"
#include "lib/errno.h"

struct vnode *sysfs_dir(const char *path)
{
	struct vnode *dir = vfs_mkdir_p(path);
	if (!dir)
		panic("sysfs: cannot make %s", path);
	return dir;
}

struct vnode *sysfs_file(struct vnode *dir, const char *name, const struct pseudo_ops *ops)
{
	struct vnode *vn = pseudofile_create(dir, name, ops);
	if (!vn)
		panic("sysfs: cannot make %s/%s", dir->name, name);
	return vn;
}

int sysfs_parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	const char *p = text;
	if (*p == '+')
		p++;
	uint64_t v = 0;
	bool digits = false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = *p - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		digits = true;
	}
	if (*p == '\n')
		p++;
	if (!digits || *p || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int sysfs_parse_bool(const char *text, bool *out)
{
	switch (text[0]) {
	case '1': case 'y': case 'Y':
		*out = true;
		return 0;
	case '0': case 'n': case 'N':
		*out = false;
		return 0;
	case 'o': case 'O':
		if (text[1] == 'n' || text[1] == 'N') {
			*out = true;
			return 0;
		}
		if (text[1] == 'f' || text[1] == 'F') {
			*out = false;
			return 0;
		}
		return -EINVAL;
	default:
		return -EINVAL;
	}
}
