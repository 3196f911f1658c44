/* Bringing up the CPU and the interrupt platform, in kmain's order. */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

/* Boot CPU (its per-CPU data, the GS base, is set up first of all, in kmain): GDT and TSS,
 * IDT with the exception handlers (#PF: fault_init), CR0.WP, SSE for user code (fpu_init),
 * the syscall instruction (syscall_init). From here on an exception prints a panic report
 * instead of triple-faulting. */
void cpu_init(void);
/* Interrupts: ACPI MADT, legacy PIC masked, LAPIC, IOAPIC, TSC and timer calibration, the
 * HZ timer tick, the COM1 receive interrupt; ends by enabling interrupts. Runs after mm
 * (ioremap and the direct map of the ACPI tables). */
void platform_init(void);

#endif
