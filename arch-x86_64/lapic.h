/* The local APIC of each CPU (xAPIC, memory-mapped): interrupt acceptance and EOI, and
 * its timer. Every CPU reaches its own LAPIC at the same address. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "lib/compiler.h"

/* Enable this CPU's LAPIC: spurious vector 0xff, accept all priorities, LINT0 (the PIC's
 * virtual wire) masked, LINT1 as NMI, timer masked; records this_cpu()->lapic_id.
 * Needs acpi_init(); per CPU, interrupts off. */
void lapic_init(void);
/* This CPU's LAPIC id. */
uint32_t lapic_id(void);
/* Signal end of interrupt for the highest-priority in-service vector on this CPU. */
void lapic_eoi(void);
/* Raise vector (32-255, an irq_register()ed one) on this CPU, as if a device had: it is
 * taken as soon as interrupts are on (at once if they are). The handler sends the EOI. */
void lapic_self_ipi(int vector);

/* The timer counts down at the bus clock divided by LAPIC_TIMER_DIVIDE. */
#define LAPIC_TIMER_DIVIDE 16
/* Raise vector (an irq_register()ed one) on the CPU whose LAPIC id is apic_id (fixed
 * delivery); waits until its LAPIC accepted it. */
void lapic_send_ipi(uint32_t apic_id, int vector);
/* Start an application processor (smp.c): INIT to the LAPIC with id apic_id, then
 * STARTUP, which makes it run in real mode at entry_phys (page-aligned, below 1 MiB). Each
 * waits until the IPI is accepted. */
/* A non-maskable interrupt to the CPU apic_id (taken even with interrupts off). */
void lapic_send_nmi(uint32_t apic_id);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint64_t entry_phys);
/* Start a masked one-shot countdown from count (for calibration: read lapic_timer_count()). */
void lapic_timer_oneshot(uint32_t count);
/* Current value of this CPU's countdown. */
uint32_t lapic_timer_count(void);
/* Fire vector every count timer ticks, on this CPU. */
void lapic_timer_periodic(int vector, uint32_t count);

#endif
