/* Open files and per-process descriptor tables. */
#ifndef FILE_H
#define FILE_H

#include "lib/compiler.h"
#include "arch-x86_64/spinlock.h"
#include "fs/vfs.h"

/* open(2) flags (Linux x86-64 values). */
#define O_ACCMODE   03
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_CLOEXEC   02000000
#define O_LARGEFILE 0100000
#define O_PATH      010000000

#define MAX_FDS 256 /* per process: open() gives -EMFILE beyond (RLIMIT_NOFILE) */

/* An open file: shared by descriptors (dup, fork); counted. The position is guarded by
 * nothing but the file's users taking turns (like Linux without f_pos_lock). */
struct file {
	int refs;		/* atomic */
	struct vnode *vn;	/* referenced */
	uint64_t pos;
	uint32_t flags;		/* O_ACCMODE, O_APPEND, O_NONBLOCK */
	void *priv;		/* the vnode ops' own (rendered text, pipe end) */
	size_t priv_len;
	/* Kernel memory the open file keeps beyond its struct (rendered text, its end's
	 * half of a pipe), set by its vnode ops: charged to the tasks holding it. */
	size_t held;
};

/* A process's descriptors, shared only by vfork children; lock guards the slots. */
struct files {
	int refs;		/* atomic */
	spinlock_t lock;
	struct file *fd[MAX_FDS];
	bool cloexec[MAX_FDS];
};

/* Open vn: a new file (refs 1) or NULL with *err (-ENOMEM, or the vnode's open error). */
struct file *file_open(struct vnode *vn, uint32_t flags, int *err);
void file_get(struct file *f);
void file_put(struct file *f);
bool file_readable(const struct file *f);
/* Read up to len bytes at f->pos into the kernel buffer buf (advancing f->pos): bytes read,
 * 0 at end of file, or -errno (-EBADF not open for reading, -EISDIR). May sleep. */
long file_read(struct file *f, void *buf, size_t len);
/* The same at offset off, leaving f->pos alone (pread64): -ESPIPE for streams. */
long file_pread(struct file *f, void *buf, size_t len, uint64_t off);
/* Pipes and character devices without a seek rule: no position, no seeking. */
bool file_is_stream(const struct file *f);
/* Write len bytes from the kernel buffer buf at f->pos (advancing it): bytes written or
 * -errno (-EBADF not open for writing, -EROFS). May sleep. */
long file_write(struct file *f, const void *buf, size_t len);
/* The same at offset off, leaving f->pos alone (pwrite64): -ESPIPE for streams. */
long file_pwrite(struct file *f, const void *buf, size_t len, uint64_t off);
bool file_writable(const struct file *f);

struct files *files_create(void);
/* fork: a copy sharing every open file. NULL when out of memory. */
struct files *files_dup(struct files *src);
void files_get(struct files *fs);
void files_put(struct files *fs);
/* The kernel memory fs keeps: the table and, for each open file, its struct and what it
 * holds (file.held), shared out among the file's references. Takes fs->lock. */
uint64_t files_kernel_bytes(struct files *fs);
/* Install f (the caller's reference moves into the table) at the lowest free slot >= min:
 * the descriptor, or -EMFILE. */
int fd_install(struct files *fs, struct file *f, int min, bool cloexec);
/* Put f at descriptor fd, closing what was there: fd, or -EBADF. */
int fd_install_at(struct files *fs, int fd, struct file *f, bool cloexec);
/* The file at fd with a new reference (file_put it), or NULL. */
struct file *fd_get(struct files *fs, int fd);
/* 0 or -EBADF. */
int fd_close(struct files *fs, int fd);
/* exec: close the descriptors marked close-on-exec. */
void files_close_on_exec(struct files *fs);
/* Descriptor flags (FD_CLOEXEC) get/set: -EBADF for a closed fd. */
int fd_get_cloexec(struct files *fs, int fd);
int fd_set_cloexec(struct files *fs, int fd, bool on);

#endif
