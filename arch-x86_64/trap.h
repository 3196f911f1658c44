/* Traps: the saved state of an interrupted context, and CPU exceptions (vectors 0-31). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include "compiler.h"

/* What isr.asm leaves on the stack, lowest address first: the 15 general registers (pushed
 * rax first, so r15 comes first here), the vector and the error code (0 where the CPU
 * pushes none), then the frame the CPU pushed: rip, cs, rflags, rsp, ss (always all five
 * in long mode, from either ring). `cs & 3` is the interrupted privilege level.
 * isr.asm hard-codes TF_CS and TF_RIP. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
#define TF_RIP (17 * 8)
#define TF_CS  (18 * 8)

static inline bool trap_from_user(const struct trap_frame *tf) { return tf->cs & 3; }

enum {
	T_DIVIDE = 0, T_DEBUG = 1, T_NMI = 2, T_BREAKPOINT = 3, T_OVERFLOW = 4, T_BOUND = 5,
	T_INVALID_OP = 6, T_NO_FPU = 7, T_DOUBLE_FAULT = 8, T_INVALID_TSS = 10,
	T_NO_SEGMENT = 11, T_STACK = 12, T_GP = 13, T_PAGE_FAULT = 14, T_FPU = 16,
	T_ALIGNMENT = 17, T_MACHINE_CHECK = 18, T_SIMD = 19, T_VIRT = 20, T_CONTROL = 21,
	T_HV_INJECTION = 28, T_VMM = 29, T_SECURITY = 30,
	T_NUM_EXCEPTIONS = 32,
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
 * for #DF and NMI, an IST stack (gdt.h). */
typedef bool (*exception_handler_t)(struct trap_frame *tf);

/* Install the handler for exception vector (0-31), from either ring. One handler per
 * vector; installing a second is a bug (panics). Lock-free, callable from any CPU. */
void trap_register_exception(int vector, exception_handler_t handler);

/* The C entry from isr.asm, for every vector: exceptions go to their handler, and one not
 * handled ends in a panic report; vectors 32-255 go to irq_dispatch(). */
void trap_dispatch(struct trap_frame *tf);

#endif
