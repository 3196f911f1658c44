/* The x86 page-fault exception (#PF): decoding it for mm. */
#ifndef ARCH_FAULT_H
#define ARCH_FAULT_H

/* Install the #PF handler (boot CPU, from cpu_init, once). A fault in ring 3 goes to
 * mm_user_fault() (mm/addrspace.h) with interrupts back on if the user code had them; a
 * fault of a user-access instruction (uaccess.h) on a user address to mm_uaccess_fault(),
 * and if that fails the instruction's fixup runs; any other fault in ring 0, or one on a
 * reserved bit of a paging entry, is left to the panic report. */
void fault_init(void);

#endif
