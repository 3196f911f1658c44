/* The self-test of the TLB shootdown across CPUs (smp_selftest.c), for the shell's
 * `selftest`. */
#ifndef ARCH_SMP_SELFTEST_H
#define ARCH_SMP_SELFTEST_H

#include "kernel/selftest.h"

/* Needs a second online CPU (else it says so and checks nothing); takes a few ms. */
void smp_selftest(struct selftest *t);

#endif
