/* Cross-CPU calls: one CPU asks others to run a function and waits until they have. The
 * TLB shootdown (tlb.c) is made of them. */
#ifndef ARCH_SMP_CALL_H
#define ARCH_SMP_CALL_H

#include "lib/compiler.h"

/* Run fn(arg) on every online CPU of the bit mask cpus (bit i: CPU i) and wait until each
 * has run it; this CPU, if in the mask, runs it first, itself. fn runs with interrupts off,
 * possibly in the middle of the target's own spin wait: it must be short, take no lock
 * and not sleep (an invlpg, a CR3 load, a counter). Callable with interrupts off and
 * spinlocks held: while it waits, this CPU answers the calls other CPUs make to it, and so
 * does every CPU spinning on a spinlock, so two CPUs that call each other, or one that
 * calls the holder of a lock the other waits for, never deadlock. Concurrent callers are
 * fine: each has its own slot at each target. */
void smp_call_many(uint64_t cpus, void (*fn)(void *arg), void *arg);
/* Run the calls other CPUs made to this one and are waiting on (the IPI handler, and every
 * spin wait). Interrupts off. */
void smp_run_calls(void);
/* Install the IPI vector's handler (boot CPU, before the APs start). */
void smp_call_init(void);
/* The online CPUs, as a mask for smp_call_many (lock-free). */
uint64_t smp_online_mask(void);
/* How many CPUs are online (lock-free). */
unsigned smp_nr_online(void);

/* Calls this CPU has answered (per-CPU, lock-free read: a test's witness). */
uint64_t smp_calls_answered(int cpu);

#endif
