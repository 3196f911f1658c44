/* TLB flushes and their cross-CPU shootdown (tlb.h). A change to a user address space is
 * flushed on every CPU in its set of CPUs that have it loaded (pgtable.c keeps the set);
 * a change to the kernel half on every online CPU. The other CPUs flush through a
 * cross-CPU call (smp_call.h), which returns once each has, so the caller may rely on the
 * change (free the old frame, compare a write-protected page) as soon as this returns. */
#include "arch-x86_64/tlb.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/pte.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/smp_call.h"
#include "mm/pgtable.h"
#include "mm/memlayout.h"
#include "kernel/cmdline.h"

/* What a shootdown asks of each CPU. */
struct flush {
	struct pgtable *pt;
	uint64_t va;
	bool all;	/* every translation of pt (for the kernel half: global ones too) */
	int from;	/* the CPU that asks */
};

static uint64_t shootdowns; /* shootdowns that reached another CPU (atomic) */
static uint64_t received[MAX_CPUS]; /* flushes each CPU did for another (its own count) */

static void flush_all_local(void)
{
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) { /* toggling PGE flushes global entries too */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

/* One CPU's part (a cross-CPU call: interrupts off, no lock). A user address space this
 * CPU left meanwhile needs nothing: loading other tables dropped its entries. */
static void flush_here(void *arg)
{
	const struct flush *f = arg;
	if (f->from != this_cpu()->id)
		received[this_cpu()->id]++;
	if (f->pt == &kernel_pgtable)
		f->all ? flush_all_local() : invlpg(f->va);
	else if (this_cpu()->pgtable == f->pt)
		f->all ? write_cr3(read_cr3()) : invlpg(f->va);
}

#ifdef TEST_HOOKS
/* The test kernel booted with tlb_skip_shootdown flushes only its own CPU: the bug that
 * user/tlbtest must catch (tests/boot/test_smp.py proves it does). */
static bool skip_shootdown(void)
{
	static int skip = -1; /* not read yet (reading it twice is harmless) */
	if (skip < 0)
		skip = cmdline_has("tlb_skip_shootdown");
	return skip;
}
#else
static bool skip_shootdown(void) { return false; }
#endif

static void shootdown(struct pgtable *pt, uint64_t va, bool all)
{
	uint64_t targets = pt == &kernel_pgtable ? smp_online_mask()
						  : __atomic_load_n(&pt->cpus, __ATOMIC_SEQ_CST);
	struct flush f = { pt, va, all, this_cpu()->id };
	uint64_t me = 1ULL << this_cpu()->id;
	if (pt != &kernel_pgtable && skip_shootdown())
		targets &= me;
	if (!(targets & ~me)) { /* nobody else: under TCG an IPI round costs microseconds */
		if (targets & me)
			flush_here(&f);
		return;
	}
	__atomic_add_fetch(&shootdowns, 1, __ATOMIC_RELAXED);
	smp_call_many(targets, flush_here, &f);
}

void tlb_flush_page(struct pgtable *pt, uint64_t va)
{
	shootdown(pt, va, false);
}

void tlb_flush_user(struct pgtable *pt)
{
	shootdown(pt, 0, true);
}

void tlb_flush_all(void)
{
	shootdown(&kernel_pgtable, 0, true);
}

uint64_t tlb_shootdowns(void)
{
	return __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
}

uint64_t tlb_flushes_received(int cpu)
{
	return READ_ONCE(received[cpu]);
}
