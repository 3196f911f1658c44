/* A user task's registers as the arch keeps them (struct trap_frame, trap.h): what generic
 * code asks of them: where a task's frame is, starting a program or copying a forked one
 * (Linux's start_thread and copy_thread), and the user state beyond the frame (FPU, FS
 * base) at exec and context switch. The frame stays opaque to it. */
#ifndef ARCH_PROCESSOR_H
#define ARCH_PROCESSOR_H

#include "lib/compiler.h"

struct trap_frame;
struct task;

/* The frame that takes t back to ring 3: at the very top of its kernel stack, where the
 * interrupt and syscall entries leave it. Lock-free (the stack lives as long as t). */
struct trap_frame *task_user_frame(struct task *t);

/* Make tf enter a new program in ring 3 at ip with stack pointer sp: every other general
 * register 0, the user code and stack segments, interrupts on (execve; the shell's run).
 * tf belongs to a task not running in ring 3 now (current in a system call, or a new one). */
void start_thread(struct trap_frame *tf, uint64_t ip, uint64_t sp);
/* Make child, a new task's frame, return to ring 3 where parent's frame does, with the
 * system call's result 0 and, if sp is not 0, stack pointer sp (fork, clone); its flags
 * keep only what user code may set (interrupts on, no I/O privilege, no nested task). */
void copy_thread_frame(struct trap_frame *child, const struct trap_frame *parent, uint64_t sp);
/* execve, on current t: its user FPU registers back to their initial state (loaded now)
 * and its FS base (TLS) 0. */
void flush_thread(struct task *t);
/* Context switch from prev to next (scheduler, interrupts off, prev != next): prev's user
 * FPU registers saved, next's loaded, and next's FS base if it is a user task. */
void switch_user_state(struct task *prev, struct task *next);

#endif
