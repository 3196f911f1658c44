/* The periodic timer interrupt: the LAPIC timer at HZ (kernel/clock.h) on vector
 * IRQ_VECTOR_TIMER, after calibrating it and the TSC against the PIT. */
#ifndef ARCH_APIC_TIMER_H
#define ARCH_APIC_TIMER_H

/* Measure the TSC and LAPIC timer rates over ~10 ms of PIT channel 2, give the TSC rate to
 * clock_init(), print them, and start this CPU's periodic tick (each tick: profile_tick();
 * on the boot CPU clock_tick(); once the CPU's scheduling started, sched_tick(); then
 * EOI). Needs lapic_init(); on the boot CPU, interrupts off. */
void apic_timer_init(void);
/* Start an application processor's tick, at the boot CPU's rate. After lapic_init(), on
 * that CPU, interrupts off. */
void apic_timer_start_cpu(void);

#endif
