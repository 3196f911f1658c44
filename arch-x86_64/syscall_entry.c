#include "arch-x86_64/syscall_entry.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/trap.h"
#include "kernel/syscall.h"
#include "kernel/process.h"
#include "kernel/sched.h"

void syscall_entry(void); /* syscall_entry.asm */

void syscall_handler(struct trap_frame *tf)
{
	account_user_to_kernel();
	irq_enable();
	const uint64_t args[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };
	tf->rax = syscall_dispatch(tf->rax, args);
	irq_disable();
	return_to_user_work(tf);
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* STAR[47:32]: syscall's CS (SS = CS + 8). STAR[63:48]: sysret's base (64-bit CS =
	 * base + 16, SS = base + 8, RPL 3). No compatibility-mode code segment exists, so the
	 * 32-bit syscall target (CSTAR) is never used. */
	wrmsr(MSR_STAR, (uint64_t)GDT_USER_CS32 << 48 | (uint64_t)KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* The kernel runs with interrupts off until it enables them, DF clear (C ABI), no
	 * single-stepping, AC clear (under SMAP it would open user memory to the kernel), NT
	 * clear (iretq in long mode faults on it, and user code can set it with popf). */
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
}
