/* The page the kernel shares with the vDSO ([vvar], read-only to user space): what user
 * code needs to read the clocks without a system call. Written once at boot, before the
 * first task, and never again (the clock has no setter), so readers need no sequence lock;
 * a clock that can be set would need one. Included by the kernel and by vdso.c. */
#ifndef ARCH_VDSO_DATA_H
#define ARCH_VDSO_DATA_H

#include <stdint.h>

/* The GDT's CPUNODE descriptor (gdt.c): a read-only ring-3 data segment nobody loads,
 * whose limit is the CPU number (bits 0-11) and NUMA node (12-19) of the CPU whose GDT
 * holds it; the vDSO's getcpu reads it with LSL, as Linux's does. */
#define CPUNODE_SEL 0x43	/* entry 8 | RPL 3 */

struct vdso_data {
	uint64_t tsc_base;		/* the TSC at CLOCK_MONOTONIC's zero (boot) */
	uint64_t ns_mult;		/* ns = (tsc - tsc_base) * ns_mult >> ns_shift */
	uint32_t ns_shift;
	uint32_t ready;			/* 0: use the system call (no calibrated TSC) */
	int64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

#endif
