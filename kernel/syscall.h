/* System calls: Linux x86-64 numbers and calling convention (rax = number; rdi, rsi, rdx,
 * r10, r8, r9 = arguments; result or -errno in rax). */
#ifndef SYSCALL_H
#define SYSCALL_H

#include "lib/compiler.h"

/* Run system call nr with its six arguments (as the arch entry took them from the user's
 * registers: arch-x86_64/syscall_entry.c) and return its result or -errno (-ENOSYS for an
 * unknown number, logged once per number). Task context, interrupts on, no lock held. */
long syscall_dispatch(uint64_t nr, const uint64_t args[6]);

typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

struct timespec; /* Linux's { int64_t tv_sec, tv_nsec } (kernel/sys_time.c) */
/* Read the user timespec at uts as ns: 0, -EFAULT, or -EINVAL unless tv_sec >= 0 and
 * 0 <= tv_nsec < 10^9 (Linux's timespec64_valid); a time past 2^63 ns reads as INT64_MAX. */
int get_timespec_ns(const struct timespec *uts, int64_t *ns);

#endif
