/* Pseudo files: text rendered when the file is opened (a consistent snapshot, as Linux's
 * seq_file gives for small files), read from that copy, and optionally parsed on write. */
#ifndef PSEUDOFILE_H
#define PSEUDOFILE_H

#include "fs/vfs.h"
#include "lib/seqbuf.h"

/* What a pseudo file's vnode->priv points to. show renders the content (an error makes
 * open fail); store parses a write (a NUL-terminated copy of what was written, at most one
 * page): 0 or -errno. store NULL makes the file read-only. ioctl answers ioctl(2) on an
 * open file (NULL: -ENOTTY). */
struct pseudo_ops {
	int (*show)(struct seqbuf *s, struct vnode *vn);
	int (*store)(struct vnode *vn, const char *text);
	long (*ioctl)(struct vnode *vn, unsigned long req, unsigned long arg);
};

extern const struct vnode_ops pseudofile_vnode_ops;

/* Create a static pseudo file dir/name (mode 0444, or 0644 with a store). */
struct vnode *pseudofile_create(struct vnode *dir, const char *name, const struct pseudo_ops *ops);

#endif
