/* Time since boot. The TSC is the clock source (constant rate on the CPUs and VMs this
 * kernel targets); the timer interrupt counts ticks. */
#ifndef CLOCK_H
#define CLOCK_H

#include "lib/compiler.h"

#define HZ 1000              /* timer interrupts per second */
#define NSEC_PER_SEC 1000000000UL
#define USER_HZ 100          /* the clock ticks of times(), /proc and siginfo */
#define NS_PER_USER_TICK (NSEC_PER_SEC / USER_HZ)

/* Nanoseconds since the 32-bit boot entry read the TSC (boot_info.boot_tsc); monotonic.
 * 0 until clock_init(). Lock-free, any context. */
uint64_t clock_ns(void);
/* Convert a TSC cycle count to nanoseconds (0 until clock_init()). Lock-free. */
uint64_t tsc_to_ns(uint64_t cycles);
/* How clock_ns() turns the TSC into ns, for readers outside the kernel (the vDSO):
 * ns = (tsc - *tsc_base) * *ns_mult >> *ns_shift. */
void clock_tsc_conversion(uint64_t *tsc_base, uint64_t *ns_mult, unsigned *ns_shift);
/* The TSC's frequency as measured at boot (0 before). */
uint64_t clock_tsc_hz(void);
/* Timer interrupts since the timer started: HZ per second. Lock-free. */
uint64_t clock_ticks(void);

/* Set the TSC frequency (measured by the architecture code at boot). Once, before other
 * CPUs or interrupts use the clock. */
void clock_init(uint64_t tsc_hz);
/* Count one timer interrupt. Called by one CPU's timer interrupt (the boot CPU's). */
void clock_tick(void);

/* A relative timeout, a struct timespec at user address uts (NULL: none), as a deadline on
 * clock_ns() (UINT64_MAX for none, or one too far to matter): 0, -EFAULT, or -EINVAL for
 * a negative time or nanoseconds out of range (kernel/sys_time.c). */
int user_timeout_deadline(const void *uts, uint64_t *deadline);

#endif
