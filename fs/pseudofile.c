#include "fs/pseudofile.h"
#include "fs/file.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "mm/memlayout.h"

static const struct pseudo_ops *ops_of(struct vnode *vn) { return vn->priv; }

static int pseudo_open(struct vnode *vn, struct file *f)
{
	if (file_readable(f)) {
		struct seqbuf s;
		seq_init(&s);
		int rc = ops_of(vn)->show(&s, vn);
		if (rc || s.failed) {
			seq_free(&s);
			return rc ? rc : -ENOMEM;
		}
		f->priv = s.buf;
		f->priv_len = f->held = s.len;
	}
	if (file_writable(f) && !ops_of(vn)->store) {
		kfree(f->priv);
		return -EACCES;
	}
	return 0;
}

static long pseudo_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (*pos >= f->priv_len)
		return 0;
	size_t n = MIN(len, f->priv_len - *pos);
	memcpy(buf, (char *)f->priv + *pos, n);
	*pos += n;
	return n;
}

static long pseudo_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	if (len >= PAGE_SIZE)
		return -EINVAL;
	char *text = kmalloc(len + 1);
	if (!text)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = 0;
	int rc = ops_of(f->vn)->store(f->vn, text);
	kfree(text);
	if (rc)
		return rc;
	*pos += len;
	return len;
}

static long pseudo_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	const struct pseudo_ops *ops = ops_of(f->vn);
	return ops->ioctl ? ops->ioctl(f->vn, req, arg) : -ENOTTY;
}

static void pseudo_release(struct file *f)
{
	kfree(f->priv);
}

const struct vnode_ops pseudofile_vnode_ops = {
	.open = pseudo_open,
	.read = pseudo_read,
	.write = pseudo_write,
	.release = pseudo_release,
	.ioctl = pseudo_ioctl,
};

struct vnode *pseudofile_create(struct vnode *dir, const char *name, const struct pseudo_ops *ops)
{
	return vfs_create(dir, name, S_IFREG | (ops->store ? 0644 : 0444), &pseudofile_vnode_ops,
			  (void *)ops);
}
