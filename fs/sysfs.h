/* /sys: directories of pseudo files (pseudofile.h) whose values are read with cat and set
 * with echo, plus the parsing every writable one shares, with the rules of Linux's
 * kstrtouint and kstrtobool. */
#ifndef SYSFS_H
#define SYSFS_H

#include "fs/pseudofile.h"

/* The directory at path (absolute, made when missing). Boot-time: panics when out of memory. */
struct vnode *sysfs_dir(const char *path);
/* Add the file name to dir and return it (its priv_id is the caller's, to tell files that
 * share ops apart); panics when out of memory (boot-time only). */
struct vnode *sysfs_file(struct vnode *dir, const char *name, const struct pseudo_ops *ops);
/* A decimal number written to a file: optional '+', digits, one optional trailing newline,
 * and not above max. 0 or -EINVAL. */
int sysfs_parse_u64(const char *text, uint64_t max, uint64_t *out);
/* A boolean: 1/y/Y/on for true, 0/n/N/off for false (what follows a 1/0/y/n is ignored,
 * as kstrtobool does). 0 or -EINVAL. */
int sysfs_parse_bool(const char *text, bool *out);

#endif
