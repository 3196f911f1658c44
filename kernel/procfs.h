/* /proc: Linux's formats for the system-wide files (procfs.c) and each task's directory
 * /proc/PID (procfs_pid.c), whose nodes are made on lookup and name the task by pid. */
#ifndef PROCFS_H
#define PROCFS_H

#include "seqbuf.h"
#include "vfs.h"

/* Boot, after vfs_init: /proc with its static files, /proc/self and the pid directories. */
void procfs_init(void);
/* The text of /proc/meminfo (the shell's meminfo prints it too). */
void proc_meminfo_render(struct seqbuf *s);

/* Binary files of 8-byte entries (pagemap, kpageflags, kpagecount): read entries from
 * *pos / 8 on with entry(ctx, index, &value), which returns false past the end. Position
 * and length must be multiples of 8 (-EINVAL), as on Linux. Bytes read. */
long proc_read_u64_table(void *buf, size_t len, uint64_t *pos,
			 bool (*entry)(void *ctx, uint64_t index, uint64_t *value), void *ctx);

/* procfs_pid.c: the directory node /proc/PID for pid (a new dynamic node), or NULL. */
struct vnode *procfs_pid_dir(struct vnode *proc, int pid);

#endif
