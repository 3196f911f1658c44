/* Interrupt vectors 32-255: handler registration, vector allocation, per-vector counts.
 *
 * Vector map (the LAPIC's priority class is vector >> 4, higher wins):
 *   0x00-0x1f  CPU exceptions (trap.h)
 *   0x20-0x2f  the legacy 8259 PICs, remapped and masked; only their spurious 0x27/0x2f
 *   0x30-0xef  allocated to devices by irq_alloc_vector() (IOAPIC lines, MSI/MSI-X)
 *   0xf0       LAPIC timer, HZ per second (apic_timer.c)
 *   0xf1-0xfe  reserved for inter-processor interrupts (SMP)
 *   0xff       LAPIC spurious interrupt
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include "arch-x86_64/trap.h"

#define IRQ_VECTOR_PIC_BASE   0x20
#define IRQ_VECTOR_DYN_FIRST  0x30
#define IRQ_VECTOR_DYN_LAST   0xef
#define IRQ_VECTOR_TIMER      0xf0
#define IRQ_VECTOR_CALL       0xf1  /* cross-CPU calls (smp_call.h) */
#define IRQ_VECTOR_RESCHED    0xf2  /* look at the run queue (smp.h) */
#define IRQ_VECTOR_SPURIOUS   0xff

/* A handler gets its vector and the context it was registered with, not the trap frame:
 * what the interrupted code was doing is none of a device's business. */
typedef void (*irq_handler_t)(int vector, void *ctx);

/* Install handler for vector (32-255) with ctx (passed to every call) under name (shown by
 * /proc/interrupts). One handler per vector; a second registration is a bug (panics). The handler
 * runs with interrupts off and must itself acknowledge its interrupt controller
 * (lapic_eoi() for LAPIC-delivered vectors). Takes the vector-table lock. */
void irq_register(int vector, irq_handler_t handler, void *ctx, const char *name);
/* Reserve a free device vector in 0x30-0xef for the caller to irq_register() and program
 * into an IOAPIC entry or MSI; returns -1 if none is left. Takes the vector-table lock. */
int irq_alloc_vector(void);
/* The CPU the next device interrupt (an MSI-X vector) goes to: the one the command line's
 * irq_cpu=N names if it is online, else the online CPUs in turn from the last down, so
 * that device work spreads away from CPU 0, which keeps time. Boot, one caller at a time. */
int irq_pick_cpu(void);
/* Interrupts taken on vector by cpu since boot. Lock-free. */
uint64_t irq_count(int vector, int cpu);
struct seqbuf;
/* /proc/interrupts as Linux lays it out: a column per CPU online; a row per device vector
 * registered (labelled by its vector, in hex, with its name), then LOC (the tick), SPU,
 * RES (reschedule IPIs), CAL (cross-CPU calls) and TLB (shootdowns each CPU answered).
 * Lock-free. */
void irq_render(struct seqbuf *s);

/* Handler for a spurious vector (an interrupt withdrawn before the CPU took it): nothing
 * to do and nothing to acknowledge; the vector's count records it. */
void irq_spurious(int vector, void *ctx);

/* Called by trap_dispatch() for vectors 32-255: count, then run the handler. Meanwhile
 * this_cpu()->irq_frame points at tf, for the one handler of the arch's own that needs
 * it (the timer's profiler sample). */
void irq_dispatch(struct trap_frame *tf);

#endif
