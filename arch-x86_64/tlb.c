/* TLB flushes (see tlb.h for the SMP shootdown that belongs here). */
#include "arch-x86_64/tlb.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/pte.h"

void tlb_flush_page(struct pgtable *pt, uint64_t va)
{
	/* SMP: shoot down on the other CPUs that may hold pt's translations. */
	invlpg(va);
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
