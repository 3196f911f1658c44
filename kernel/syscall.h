/* System calls: Linux x86-64 numbers and calling convention (rax = number; rdi, rsi, rdx,
 * r10, r8, r9 = arguments; result or -errno in rax). */
#ifndef SYSCALL_H
#define SYSCALL_H

#include "arch-x86_64/trap.h"

/* The arch entry (arch-x86_64/syscall.asm) calls this with interrupts off and the user's
 * registers in tf; it sets tf->rax. Also does the return-to-user work. */
void syscall_handler(struct trap_frame *tf);

typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

#endif
