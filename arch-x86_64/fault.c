/* #PF: CR2 and the error code become an address and an access for mm, which keeps the
 * policy (mm/fault.c): a user fault goes to mm_user_fault(), a fault of the kernel's user
 * copies (uaccess.asm) to mm_uaccess_fault(). */
#include "arch-x86_64/fault.h"
#include "arch-x86_64/trap.h"
#include "arch-x86_64/cpu.h"
#include "mm/addrspace.h"

/* One entry of the exception table: an instruction of uaccess.asm that touches user
 * memory, and where its routine resumes when that memory cannot be made accessible. */
struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
};
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

/* The fixup for the instruction at rip, or 0 if it is not a user-access instruction. A
 * dozen entries: a scan is as fast as anything. */
static uint64_t uaccess_fixup(uint64_t rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

static unsigned fault_access(const struct trap_frame *tf)
{
	return tf->error & PF_INSTR ? FAULT_EXEC : tf->error & PF_WRITE ? FAULT_WRITE : FAULT_READ;
}

/* A fault in ring 0: a user copy's fault on a user address is resolved as the user's
 * access would be (interrupts back on, as the copy had them: mm->lock may sleep), or the
 * copy resumes at its fixup and fails. Any other kernel fault is a kernel bug and gets the
 * panic report. With interrupts off the copy cannot wait for a page, so it fails. */
static bool kernel_fault(struct trap_frame *tf, uint64_t addr)
{
	uint64_t fixup = uaccess_fixup(tf->rip);
	if (!fixup || addr >= USER_END)
		return false;
	int rc = -EFAULT;
	if (tf->rflags & RFLAGS_IF) {
		irq_enable();
		rc = mm_uaccess_fault(addr, fault_access(tf) == FAULT_WRITE);
		irq_disable();
	}
	if (rc)
		tf->rip = fixup;
	return true;
}

/* User faults are resolved or kill the task. */
static bool page_fault(struct trap_frame *tf)
{
	uint64_t addr = read_cr2(); /* before anything can fault again */
	if (tf->error & PF_RESERVED)
		return false;
	if (!trap_from_user(tf))
		return kernel_fault(tf, addr);
	bool irq_on = tf->rflags & RFLAGS_IF;
	if (irq_on)
		irq_enable(); /* mm->lock may sleep */
	mm_user_fault(addr, fault_access(tf), tf->rip);
	if (irq_on)
		irq_disable();
	return true;
}

void fault_init(void)
{
	trap_register_exception(T_PAGE_FAULT, page_fault);
}
