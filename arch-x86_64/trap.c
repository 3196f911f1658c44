/* Trap dispatch: interrupts, exceptions and their handlers, killing a user task for an
 * exception nobody handled, the report printed for one in the kernel, and the scheduler's
 * hooks on the way in and out. */
#include "arch-x86_64/trap.h"
#include "arch-x86_64/irq.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/cpu.h"
#include "kernel/printk.h"
#include "kernel/ksyms.h"

_Static_assert(offsetof(struct trap_frame, r11) == TF_R11, "trap_frame.inc");
_Static_assert(offsetof(struct trap_frame, rcx) == TF_RCX, "trap_frame.inc");
_Static_assert(offsetof(struct trap_frame, rip) == TF_RIP, "trap_frame.inc");
_Static_assert(offsetof(struct trap_frame, cs) == TF_CS, "trap_frame.inc");
_Static_assert(offsetof(struct trap_frame, rflags) == TF_RFLAGS, "trap_frame.inc");
_Static_assert(offsetof(struct trap_frame, ss) == TF_SS, "trap_frame.inc");
_Static_assert(sizeof(struct trap_frame) % 16 == 0, "frames keep the stack 16-aligned");

static exception_handler_t handlers[T_NUM_EXCEPTIONS];

static const char *const names[T_NUM_EXCEPTIONS] = {
	[T_DIVIDE] = "divide error", [T_DEBUG] = "debug", [T_NMI] = "non-maskable interrupt",
	[T_BREAKPOINT] = "breakpoint", [T_OVERFLOW] = "overflow", [T_BOUND] = "bound range exceeded",
	[T_INVALID_OP] = "invalid opcode", [T_NO_FPU] = "device not available",
	[T_DOUBLE_FAULT] = "double fault", [9] = "coprocessor segment overrun",
	[T_INVALID_TSS] = "invalid TSS", [T_NO_SEGMENT] = "segment not present",
	[T_STACK] = "stack-segment fault", [T_GP] = "general protection fault",
	[T_PAGE_FAULT] = "page fault", [T_FPU] = "x87 floating-point error",
	[T_ALIGNMENT] = "alignment check", [T_MACHINE_CHECK] = "machine check",
	[T_SIMD] = "SIMD floating-point error", [T_VIRT] = "virtualization exception",
	[T_CONTROL] = "control protection", [T_HV_INJECTION] = "hypervisor injection",
	[T_VMM] = "VMM communication", [T_SECURITY] = "security exception",
};

/* The signal that ends a user task for an exception in ring 3 that no handler resolved
 * (Linux's choice for each). Vectors without one are not the task's doing (NMI, #DF, #MC)
 * or cannot come from ring 3 here (#NM: CR0.TS and EM are clear; INTO and BOUND are
 * invalid in 64-bit mode; #TS, #CP): they get the panic report. */
static const uint8_t user_signals[T_NUM_EXCEPTIONS] = {
	[T_DIVIDE] = SIGFPE, [T_DEBUG] = SIGTRAP, [T_BREAKPOINT] = SIGTRAP,
	[T_INVALID_OP] = SIGILL, [T_NO_SEGMENT] = SIGBUS, [T_STACK] = SIGBUS,
	[T_GP] = SIGSEGV, [T_PAGE_FAULT] = SIGSEGV, [T_FPU] = SIGFPE, [T_ALIGNMENT] = SIGBUS,
	[T_SIMD] = SIGFPE,
};

/* Their si_code (Linux's): the faults that name the instruction say why; the others are
 * the kernel's (SI_KERNEL), as Linux sends them. */
static const uint8_t user_codes[T_NUM_EXCEPTIONS] = {
	[T_DIVIDE] = FPE_INTDIV, [T_DEBUG] = SI_KERNEL, [T_BREAKPOINT] = SI_KERNEL,
	[T_INVALID_OP] = ILL_ILLOPN, [T_NO_SEGMENT] = SI_KERNEL, [T_STACK] = SI_KERNEL,
	[T_GP] = SI_KERNEL, [T_FPU] = SI_KERNEL, [T_ALIGNMENT] = BUS_ADRALN, [T_SIMD] = SI_KERNEL,
};

void trap_register_exception(int vector, exception_handler_t handler)
{
	BUG_ON(vector < 0 || vector >= T_NUM_EXCEPTIONS);
	exception_handler_t none = NULL;
	BUG_ON(!__atomic_compare_exchange_n(&handlers[vector], &none, handler, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

static void print_symbol(const char *label, uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		printk("%s %016lx %s+0x%lx\n", label, addr, name, off);
	else
		printk("%s %016lx\n", label, addr);
}

static __noreturn void report(const struct trap_frame *tf)
{
	panic_enter(); /* one report at a time, the other CPUs stopped */

	const char *name = names[tf->vector] ? names[tf->vector] : "reserved exception";
	printk("\nKERNEL PANIC: unhandled %s (vector %lu) in %s mode on cpu %d, error code 0x%lx\n",
	       name, tf->vector, trap_from_user(tf) ? "user" : "kernel", this_cpu()->id, tf->error);
	if (tf->vector == T_PAGE_FAULT) {
		uint32_t e = tf->error;
		printk("CR2 %016lx: %s, %s, %s mode, %s%s\n", read_cr2(),
		       e & PF_PRESENT ? "P=1 protection violation" : "P=0 page not present",
		       e & PF_WRITE ? "W=1 write" : "W=0 read",
		       e & PF_USER ? "U=1 user" : "U=0 kernel",
		       e & PF_INSTR ? "I=1 instruction fetch" : "I=0 data access",
		       e & PF_RESERVED ? ", reserved bit set in a page-table entry" : "");
	}
	print_symbol("RIP", tf->rip);
	printk("RAX %016lx RBX %016lx RCX %016lx\n", tf->rax, tf->rbx, tf->rcx);
	printk("RDX %016lx RSI %016lx RDI %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	printk("RBP %016lx RSP %016lx R8  %016lx\n", tf->rbp, tf->rsp, tf->r8);
	printk("R9  %016lx R10 %016lx R11 %016lx\n", tf->r9, tf->r10, tf->r11);
	printk("R12 %016lx R13 %016lx R14 %016lx\n", tf->r12, tf->r13, tf->r14);
	printk("R15 %016lx RFLAGS %08lx CS %04lx SS %04lx\n", tf->r15, tf->rflags, tf->cs, tf->ss);
	printk("CR0 %016lx CR3 %016lx CR4 %016lx\n", read_cr0(), read_cr3(), read_cr4());
	/* The interrupted function's own frame gives its callers (RIP above is the function).
	 * A user rbp means nothing to the kernel's symbol table, and must not be followed. */
	if (!trap_from_user(tf))
		backtrace_from(tf->rbp, tf->rsp);
	panic_stop();
}

static void exception(struct trap_frame *tf)
{
	/* Read before a handler that sleeps lets another task fault and overwrite it. */
	uint64_t cr2 = tf->vector == T_PAGE_FAULT ? read_cr2() : 0;
	exception_handler_t h = __atomic_load_n(&handlers[tf->vector], __ATOMIC_ACQUIRE);
	if (h && h(tf))
		return;
	int sig = user_signals[tf->vector];
	if (trap_from_user(tf) && sig) {
		signal_fault(sig, user_codes[tf->vector], names[tf->vector],
			     tf->vector == T_PAGE_FAULT ? cr2 : tf->rip, tf->rip);
		return;
	}
	report(tf);
}

void trap_dispatch(struct trap_frame *tf)
{
	bool user = trap_from_user(tf);
	if (user)
		account_user_to_kernel();
	if (tf->vector < T_NUM_EXCEPTIONS) {
		exception(tf);
	} else {
		irq_dispatch(tf); /* the handler has sent its EOI */
		/* Interrupted user code is preempted by return_to_user_work(). */
		if (!user && (tf->rflags & RFLAGS_IF))
			sched_preempt_if_needed();
	}
	if (user)
		return_to_user_work(tf);
}

void trap_bad_user_rip(struct trap_frame *tf)
{
	task_fault_kill(SIGSEGV, names[T_GP], tf->rip, tf->rip);
}
