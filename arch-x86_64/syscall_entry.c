#include "arch-x86_64/syscall_entry.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/cpu.h"

void syscall_entry(void); /* syscall_entry.asm */

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
