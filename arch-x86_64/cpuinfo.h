/* What the CPU says of itself (CPUID), for /proc/cpuinfo. */
#ifndef ARCH_CPUINFO_H
#define ARCH_CPUINFO_H

#include "lib/seqbuf.h"

void cpuinfo_render(struct seqbuf *s);

#endif
