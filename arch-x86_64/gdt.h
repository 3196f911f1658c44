/* Segments and the task-state segment. Long mode ignores segment bases and limits; what
 * remains is the privilege level in CS/SS and the TSS, which gives the CPU the stacks to
 * switch to on an interrupt: rsp0 when coming from ring 3, an IST stack for the vectors
 * that must never run on a possibly broken stack. */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include "lib/compiler.h"

/* Selector layout, fixed by syscall/sysret: syscall loads CS = STAR[47:32] and
 * SS = CS + 8; sysret to 64-bit loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, both
 * with RPL 3. So STAR[47:32] = KERNEL_CS and STAR[63:48] = GDT_USER_CS32 (0x18). */
#define KERNEL_CS     0x08
#define KERNEL_DS     0x10
#define GDT_USER_CS32 0x18  /* placeholder slot, not present: no 32-bit user code */
#define USER_DS       0x23  /* 0x20 | RPL 3 */
#define USER_CS       0x2b  /* 0x28 | RPL 3 */
#define TSS_SEL       0x30  /* 16-byte system descriptor */

/* IST slots (1-7) of the interrupt stack table, used by idt.c. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

/* The 64-bit TSS, as the CPU reads it. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];     /* stack for entering ring 0..2 from a lower privilege */
	uint64_t reserved1;
	uint64_t ist[7];     /* IST1..IST7 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base; /* past the TSS limit: no I/O bitmap, user port I/O faults */
} __packed;

/* Build and load this CPU's GDT and TSS (this_cpu() must work), reload the segment
 * registers (not FS/GS: that would clear their bases) and the task register. */
void gdt_init(void);
/* Kernel stack the CPU switches to on an interrupt or exception from ring 3. This CPU
 * only; call with interrupts off (the scheduler, at each switch to a user task). */
void tss_set_rsp0(uint64_t rsp0);

#endif
