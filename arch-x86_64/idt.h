/* The interrupt descriptor table: all 256 vectors lead to the stubs in isr.asm, which
 * build a struct trap_frame and call trap_dispatch() (trap.c). */
#ifndef ARCH_IDT_H
#define ARCH_IDT_H

/* Fill the IDT (shared by all CPUs). Once, on the boot CPU, before idt_load(). */
void idt_init(void);
/* Load the IDT on this CPU. */
void idt_load(void);

#endif
