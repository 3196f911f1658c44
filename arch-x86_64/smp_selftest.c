/* The TLB shootdown on real CPUs (the shell's `selftest`). Another CPU loads a test address
 * space and reads a page of it, which its TLB then caches. Unmapping the page here must
 * reach that CPU: its next read of the address fails (through the user-access fixup: the
 * access faults) instead of finding the stale translation. A CPU that no longer has the
 * address space loaded must not be disturbed. With one CPU there is nothing to test. */
#include "arch-x86_64/smp_selftest.h"
#include "arch-x86_64/smp_call.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/uaccess.h"
#include "mm/pgtable.h"
#include "mm/page_alloc.h"
#include "arch-x86_64/tlb.h"
#include "kernel/printk.h"

#define PROBE_VA    0x400000UL
#define PROBE_VALUE 0x5400d0a11c0ffeeUL

struct probe {
	struct pgtable *pt;	/* to load, or NULL: the kernel's */
	bool read_ok;
	uint64_t value;
};

/* On the other CPU (a cross-CPU call): load the probe's tables unless they are loaded
 * already (a CR3 load would flush the TLB the test is about), then read the address. */
static void load_and_read(void *arg)
{
	struct probe *p = arg;
	struct pgtable *want = p->pt ? p->pt : &kernel_pgtable;
	if (this_cpu()->pgtable != want)
		pgtable_activate(want);
	p->value = 0;
	p->read_ok = p->pt && uaccess_copy(&p->value, (const void *)PROBE_VA, sizeof(p->value)) == 0;
}

void smp_selftest(struct selftest *t)
{
	int me = this_cpu()->id, other = -1;
	uint64_t online = smp_online_mask();
	for (int i = 0; i < MAX_CPUS && other < 0; i++)
		if (i != me && (online & (1ULL << i)))
			other = i;
	if (other < 0) {
		printk("selftest: one CPU: no TLB shootdown to test\n");
		return;
	}
	struct pgtable pt;
	struct page *frame = alloc_page();
	SELFTEST_CHECK(t, frame && pgtable_create(&pt) == 0);
	if (!frame)
		return;
	*(uint64_t *)page_address(frame) = PROBE_VALUE;
	SELFTEST_CHECK(t, pgtable_map(&pt, PROBE_VA, page_to_phys(frame), MMU_READ | MMU_USER) == 0);

	struct probe p = { &pt, false, 0 };
	smp_call_many(1ULL << other, load_and_read, &p);
	SELFTEST_CHECK(t, p.read_ok && p.value == PROBE_VALUE);
	SELFTEST_CHECK(t, __atomic_load_n(&pt.cpus, __ATOMIC_ACQUIRE) == 1ULL << other);

	uint64_t answered = smp_calls_answered(other), sent = tlb_shootdowns();
	SELFTEST_CHECK(t, pgtable_unmap(&pt, PROBE_VA, NULL));
	SELFTEST_CHECK(t, smp_calls_answered(other) == answered + 1 && tlb_shootdowns() == sent + 1);
	smp_call_many(1ULL << other, load_and_read, &p); /* the same tables: a read through its TLB */
	SELFTEST_CHECK(t, !p.read_ok);

	/* Once it has left the address space, changes to it are flushed nowhere else. */
	p.pt = NULL;
	smp_call_many(1ULL << other, load_and_read, &p);
	SELFTEST_CHECK(t, __atomic_load_n(&pt.cpus, __ATOMIC_ACQUIRE) == 0);
	answered = smp_calls_answered(other);
	SELFTEST_CHECK(t, pgtable_map(&pt, PROBE_VA, page_to_phys(frame), MMU_READ | MMU_USER) == 0 &&
			  pgtable_unmap(&pt, PROBE_VA, NULL));
	SELFTEST_CHECK(t, smp_calls_answered(other) == answered);

	pgtable_destroy(&pt, NULL, NULL);
	free_page(frame);
}
