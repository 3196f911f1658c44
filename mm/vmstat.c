#include "mm/vmstat.h"

_Static_assert(NR_VM_EVENTS <= PERCPU_STATS, "the per-CPU counters hold every vm event");

const char *vm_event_name(enum vm_event e)
{
	static const char *const names[NR_VM_EVENTS] = {
		[PGFAULT] = "pgfault", [PGMAJFAULT] = "pgmajfault",
		[PSWPIN] = "pswpin", [PSWPOUT] = "pswpout", [COW_KSM] = "cow_ksm",
		[KSM_SWPIN_COPY] = "ksm_swpin_copy", [KSM_COPY_ON_ACCESS] = "ksm_copy_on_access",
	};
	return names[e];
}

uint64_t vm_event_read(enum vm_event e)
{
	return percpu_stat_sum(e);
}
