/* The x86-64 side of signal delivery (arch-x86_64/signal.c): Linux's rt_sigframe on the
 * user stack, rt_sigreturn, and the restart of an interrupted system call. Generic code
 * (kernel/signal.c) decides what to deliver; this knows the registers. */
#ifndef ARCH_SIGNAL_H
#define ARCH_SIGNAL_H

#include "lib/compiler.h"
#include "kernel/siginfo.h"

struct trap_frame;
struct k_sigaction;

/* Make current enter act's handler for sig when tf returns to ring 3: an rt_sigframe
 * (siginfo from info, ucontext with tf's registers, the FPU state and blocked, the mask
 * to restore) below tf's stack pointer, or at the top of the alternate stack under
 * SA_ONSTACK; the handler gets the initial FPU state. 0, or -EFAULT if the frame could not
 * be written (or act has no SA_RESTORER): tf is then unchanged. May sleep (user memory). */
int arch_signal_frame(struct trap_frame *tf, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *act, uint64_t blocked);
/* If tf returns from a system call that a signal interrupted (-ERESTART*), settle it for
 * act's handler (NULL: none runs): restart it (back to the syscall instruction, the
 * number in rax again) or make it return -EINTR, as Linux does. */
void arch_syscall_restart(struct trap_frame *tf, const struct k_sigaction *act);
/* A siginfo_t for sig with info's fields at user address u: 0 or -EFAULT. */
int arch_copy_siginfo_to_user(void *u, int sig, const struct ksiginfo *info);
/* A siginfo_t from user address u (sigqueue: its code, pid, uid and value): 0 or -EFAULT. */
int arch_copy_siginfo_from_user(struct ksiginfo *info, const void *u);
/* The user stack pointer and instruction pointer tf returns to (for messages). */
uint64_t arch_user_sp(const struct trap_frame *tf);
uint64_t arch_user_ip(const struct trap_frame *tf);

#endif
