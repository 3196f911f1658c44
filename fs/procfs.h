/* /proc: Linux's formats for the system-wide files (procfs.c) and each task's directory
 * /proc/PID (procfs_pid.c), whose nodes are made on lookup and name the task by pid. */
#ifndef PROCFS_H
#define PROCFS_H

#include "lib/seqbuf.h"
#include "fs/vfs.h"

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

struct vma;
struct mm;
/* procfs_pid.c: the name /proc/PID/maps shows for v (a file's path, "[heap]", "[stack]",
 * "/dev/zero (deleted)" for shared anonymous memory), a string that lives for good; NULL
 * for anonymous private memory. Under v's mm->lock (the caller's: a VMA does not point
 * to its mm, so this one is not checked). */
const char *proc_vma_name(const struct vma *v);
/* procfs_procmap.c: ioctl on /proc/PID/maps, whose task has address space mm (a user the
 * caller holds; NULL when the task has none or it is gone: -ESRCH). PROCMAP_QUERY with Linux's
 * semantics and errno values; other requests -ENOTTY. Takes mm->lock. */
long procmap_ioctl(struct mm *mm, unsigned long req, unsigned long arg);

#endif
