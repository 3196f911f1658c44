/* Loading a program: an ELF executable from the file tree into a new address space, with
 * the initial stack Linux builds (argc, argv, envp, auxv). Used by the shell's `run` and by
 * execve(2). */
#ifndef EXEC_H
#define EXEC_H

#include "lib/compiler.h"
#include "kernel/task.h"
#include "mm/addrspace.h"

/* Linux's limits (E2BIG beyond them): the strings and their pointers together take at
 * most a quarter of the stack limit (STACK_MAX / 4: 2 MiB), one string at most 128 KiB
 * with its NUL (MAX_ARG_STRLEN). */
#define EXEC_ARGS_LIMIT (STACK_MAX / 4)
#define EXEC_ARG_STRLEN (128 * 1024)
#define PIE_LOAD_BIAS 0x555555554000UL	/* where a static-PIE is placed (as Linux, unrandomized) */

/* The argument and environment strings of a new program, packed NUL-terminated in one
 * buffer: argc argument strings, then envc environment strings. Owned by its builder. */
struct exec_args {
	char *buf;		/* cap bytes, grown by doubling up to EXEC_ARGS_LIMIT */
	size_t len, cap;
	int argc, envc;
};

/* An empty set: 0 or -ENOMEM. */
int exec_args_init(struct exec_args *a);
/* Append a kernel string (as an argument while envc is 0, else to the environment):
 * 0 or -E2BIG. */
int exec_args_push(struct exec_args *a, const char *s, bool env);
/* Append a user string: 0, -EFAULT or -E2BIG. May sleep. */
int exec_args_push_user(struct exec_args *a, const char *ustr, bool env);
void exec_args_free(struct exec_args *a);

/* A loaded program, ready to run. */
struct exec_image {
	struct mm *mm;			/* the new address space (one user: whoever runs it) */
	uint64_t entry, sp;		/* first instruction and initial stack pointer */
	char comm[TASK_NAME_LEN];	/* the task name: the file's name */
};

/* Whether path (relative to cwd) names a file exec_load could open: 0, or -ENOENT /
 * -ENOTDIR / -EACCES as exec_load. For execve, which reports these before anything about
 * its arguments (E2BIG, EFAULT), as Linux does. May sleep. */
int exec_check(const char *cwd, const char *path);
/* Load the executable at path (relative to cwd) into a new address space with args.
 * 0, or -ENOENT / -ENOTDIR (no such file), -EACCES (not a regular executable file),
 * -ENOEXEC (refused: *why says why in a few words), -ENOMEM, -E2BIG. On failure nothing is
 * left allocated. May sleep. */
int exec_load(const char *cwd, const char *path, const struct exec_args *args,
	      struct exec_image *img, const char **why);

#endif
