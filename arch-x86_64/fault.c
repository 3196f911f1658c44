/* #PF: CR2 and the error code become an address and an access for mm_user_fault(), which
 * keeps the policy (mm/fault.c). */
#include "arch-x86_64/fault.h"
#include "arch-x86_64/trap.h"
#include "arch-x86_64/cpu.h"
#include "mm/addrspace.h"

/* User faults are resolved or kill the task; a kernel fault is a kernel bug (the kernel
 * reaches user memory only through the direct map) and gets the panic report. */
static bool page_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2(); /* before anything can fault again */
	if (!trap_from_user(tf) || (tf->error & PF_RESERVED))
		return false;
	unsigned access = tf->error & PF_INSTR ? FAULT_EXEC
			  : tf->error & PF_WRITE ? FAULT_WRITE : FAULT_READ;
	bool irq_on = tf->rflags & RFLAGS_IF;
	if (irq_on)
		irq_enable(); /* mm->lock may sleep */
	mm_user_fault(addr, access, tf->rip);
	if (irq_on)
		irq_disable();
	return true;
}

void fault_init(void)
{
	trap_register_exception(T_PAGE_FAULT, page_fault);
}
