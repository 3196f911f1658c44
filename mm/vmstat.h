/* Event counters shown in /proc/vmstat with Linux's names. Atomic, lock-free, any context. */
#ifndef MM_VMSTAT_H
#define MM_VMSTAT_H

#include "lib/compiler.h"

enum vm_event {
	PGFAULT,	/* page faults resolved or not, user and kernel copies alike */
	PGMAJFAULT,	/* faults that had to read from a disk (swap) */
	PSWPIN,		/* pages read from swap */
	PSWPOUT,	/* pages written to swap */
	COW_KSM,	/* copies made because a KSM page was written or unshared */
	KSM_SWPIN_COPY,	/* KSM pages copied when swapped back in */
	NR_VM_EVENTS,
};

static inline void count_vm_event(enum vm_event e)
{
	extern uint64_t vm_events[NR_VM_EVENTS];
	__atomic_add_fetch(&vm_events[e], 1, __ATOMIC_RELAXED);
}

/* Linux's name of counter e ("pgfault"). */
const char *vm_event_name(enum vm_event e);
uint64_t vm_event_read(enum vm_event e);

#endif
