/* TLB flushes (see tlb.h for the SMP shootdown that belongs here). */
#include "arch-x86_64/tlb.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/pte.h"
#include "mm/pgtable.h"
#include "mm/memlayout.h"

/* Whether this CPU may cache translations of pt: it is the address space loaded here, or
 * the kernel's (whose half every address space shares). Under TCG an invlpg also ends a
 * translation block, so the flushes an exiting or forked child's tables do not need are
 * worth skipping. */
static bool loaded_here(const struct pgtable *pt)
{
	return pt == &kernel_pgtable || (read_cr3() & PTE_ADDR) == virt_to_phys(pt->pml4);
}

void tlb_flush_page(struct pgtable *pt, uint64_t va)
{
	/* SMP: shoot down on the other CPUs that may hold pt's translations. */
	if (loaded_here(pt))
		invlpg(va);
}

void tlb_flush_user(struct pgtable *pt)
{
	/* SMP: as tlb_flush_page. User translations are not global: a CR3 reload drops them. */
	if (loaded_here(pt))
		write_cr3(read_cr3());
}

void tlb_flush_all(void)
{
	/* SMP: shoot down on every other CPU. */
	uint64_t cr4 = read_cr4();
	if (cr4 & CR4_PGE) { /* toggling PGE flushes global entries too */
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}
