/* The application processors (APs): every CPU of the ACPI MADT besides the boot CPU. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include "lib/compiler.h"

/* Start the APs one at a time (INIT, STARTUP, STARTUP through trampoline.asm) and wait for
 * each to set itself up: its GDT, TSS and IST stacks, the IDT, CR0/CR4, the FPU, the
 * system-call MSRs and its LAPIC, on the per-CPU area cpus[id] (this_cpu()). One that does
 * not answer within 100 ms is reported and skipped. Prints how many CPUs are up. Boot
 * CPU, once, after platform_init (the MADT, the LAPIC and the clock) and mm_init.
 *
 * Each AP then starts its tick and its idle task and takes tasks from the run queue
 * (kernel/sched.h); device interrupts stay on the boot CPU. */
void smp_boot_aps(void);
/* Stop every other CPU where it is (an NMI; it halts for good if a panic is in progress):
 * the panic report's first step. No wait, no lock. */
void smp_stop_others(void);
/* Make CPU cpu look at the run queue now (an IPI; no wait). */
void smp_send_resched(int cpu);

#endif
