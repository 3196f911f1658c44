/* Event counters shown in /proc/vmstat with Linux's names. Each CPU counts its own share
 * (arch-x86_64/percpu.h: one instruction, no atomic, any context); a read folds them. */
#ifndef MM_VMSTAT_H
#define MM_VMSTAT_H

#include "lib/compiler.h"
#include "arch-x86_64/percpu.h"

enum vm_event {
	PGFAULT,	/* page faults resolved or not, user and kernel copies alike */
	PGMAJFAULT,	/* faults that had to read from a disk (swap) */
	PSWPIN,		/* pages read from swap */
	PSWPOUT,	/* pages written to swap */
	COW_KSM,	/* copies made because a KSM page was written or unshared */
	KSM_SWPIN_COPY,	/* KSM pages copied when swapped back in */
	KSM_COPY_ON_ACCESS, /* pages KSM guarded (same_behaviour) copied at their first access */
	NR_VM_EVENTS,
};

static inline void count_vm_event(enum vm_event e)
{
	percpu_stat_inc(e);
}

/* Linux's name of counter e ("pgfault"). */
const char *vm_event_name(enum vm_event e);
uint64_t vm_event_read(enum vm_event e);

#endif
