/* The syscall/sysret path between ring 3 and the kernel (syscall_entry.asm).
 *
 * Entry: on the running task's kernel stack (this_cpu()->kernel_rsp, set by the scheduler
 * with TSS rsp0), a struct trap_frame like an interrupt from ring 3 leaves (vector
 * T_SYSCALL, error 0, rip = rcx, rflags = r11, cs/ss the user selectors), then
 * syscall_handler(tf) with interrupts off; it must return with them off.
 * Exit: every register from the frame as the handler left it, through sysret when that is
 * exact and safe, else through trap_return (isr.asm). */
#ifndef ARCH_SYSCALL_ENTRY_H
#define ARCH_SYSCALL_ENTRY_H

struct trap_frame;

/* Enable the syscall instruction on this CPU: EFER.SCE, the selectors (STAR, gdt.h), the
 * entry point (LSTAR) and the rflags bits it clears (SFMASK). Once per CPU, in cpu_init(),
 * after gdt_init(). */
void syscall_init(void);

/* The C side of the entry, interrupts off: charges user time, takes the number (rax) and
 * arguments (rdi, rsi, rdx, r10, r8, r9: Linux's convention) for syscall_dispatch()
 * (kernel/syscall.h) with interrupts on, puts its result in rax, and does the
 * return-to-user work. Returns with interrupts off. */
void syscall_handler(struct trap_frame *tf);

#endif
