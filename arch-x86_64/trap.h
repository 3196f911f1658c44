/* Traps: the saved state of an interrupted context, and CPU exceptions (vectors 0-31). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "lib/compiler.h"

/* What isr.asm and the syscall entry leave on the stack, lowest address first: the 15
 * general registers (pushed rax first, so r15 comes first here), the vector and the error
 * code (0 where the CPU pushes none), then the frame the CPU pushed: rip, cs, rflags, rsp,
 * ss (always all five in long mode, from either ring). `cs & 3` is the interrupted
 * privilege level. From ring 3 the frame sits at the very top of the task's kernel stack.
 * trap_frame.inc repeats the TF_* offsets for the assembly code.
 *
 * Only arch code reads or writes its fields; generic code passes the pointer through.
 * Code that builds or patches a frame returning to ring 3 (start_thread, copy_thread_frame:
 * processor.h) must keep cs = USER_CS, ss = USER_DS, rflags with IF set and IOPL 0 (the
 * CPU takes them as they are from ring 0); a rip at or above 2^47 kills the task
 * (trap_bad_user_rip). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error;	/* the exception's error code; for a system call its number, and
			 * -1 once none is to be restarted (arch-x86_64/signal.c) */
	uint64_t rip, cs, rflags, rsp, ss;
};
#define TF_R11    (4 * 8)
#define TF_RCX    (12 * 8)
#define TF_RIP    (17 * 8)
#define TF_CS     (18 * 8)
#define TF_RFLAGS (19 * 8)
#define TF_SS     (21 * 8)

static inline bool trap_from_user(const struct trap_frame *tf) { return tf->cs & 3; }

enum {
	T_DIVIDE = 0, T_DEBUG = 1, T_NMI = 2, T_BREAKPOINT = 3, T_OVERFLOW = 4, T_BOUND = 5,
	T_INVALID_OP = 6, T_NO_FPU = 7, T_DOUBLE_FAULT = 8, T_INVALID_TSS = 10,
	T_NO_SEGMENT = 11, T_STACK = 12, T_GP = 13, T_PAGE_FAULT = 14, T_FPU = 16,
	T_ALIGNMENT = 17, T_MACHINE_CHECK = 18, T_SIMD = 19, T_VIRT = 20, T_CONTROL = 21,
	T_HV_INJECTION = 28, T_VMM = 29, T_SECURITY = 30,
	T_NUM_EXCEPTIONS = 32,
	T_SYSCALL = 0x100, /* the vector field of a frame built by the syscall entry */
};

/* Page-fault error code bits (CR2 holds the faulting address). */
#define PF_PRESENT  (1u << 0)  /* 0: page not present; 1: protection violation */
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3)  /* a reserved bit was set in a paging entry */
#define PF_INSTR    (1u << 4)  /* instruction fetch */

/* An exception handler returns true when it dealt with the exception (the interrupted
 * code resumes with the frame as the handler left it) and false otherwise. It runs with
 * interrupts off, on the interrupted kernel stack, the TSS rsp0 stack (from ring 3) or,
 * for #DF and NMI, an IST stack (gdt.h). When the interrupted code had interrupts on
 * (tf->rflags & RFLAGS_IF), the handler may enable them (to sleep: the page-fault handler
 * takes mm->lock); it must disable them again before returning. */
typedef bool (*exception_handler_t)(struct trap_frame *tf);

/* Install the handler for exception vector (0-31), from either ring. One handler per
 * vector; installing a second is a bug (panics). Lock-free, callable from any CPU. */
void trap_register_exception(int vector, exception_handler_t handler);

/* The C entry from isr.asm, for every vector, interrupts off:
 *  - from ring 3, CPU time is charged to the task's user time first
 *    (account_user_to_kernel) and return_to_user_work() runs last (pending kill,
 *    preemption, accounting), so it may switch tasks or end the current one;
 *  - vectors 32-255 go to irq_dispatch(); when the interrupted kernel code had interrupts
 *    on, the scheduler may then preempt it (sched_preempt_if_needed: this task resumes
 *    later, on this same stack);
 *  - exceptions go to their handler. One not handled in ring 3 kills the task with the
 *    signal Linux sends for it (task_fault_kill: SIGFPE, SIGILL, SIGSEGV, SIGBUS,
 *    SIGTRAP); any other (in ring 0, or NMI, #DF, #MC) ends in the panic report.
 * Returns with interrupts off. */
void trap_dispatch(struct trap_frame *tf);

/* trap_return (isr.asm) found a ring-3 frame with a rip at or above 2^47, which iretq
 * would fault on in ring 0: kill the task as the CPU's #GP would. Does not return. */
__noreturn void trap_bad_user_rip(struct trap_frame *tf);

#endif
