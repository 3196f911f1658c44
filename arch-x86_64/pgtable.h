/* x86-64's part of the page-table interface of mm/pgtable.h: what a struct pgtable holds
 * (the 4-level tree's PML4) and how large a swap entry may be. The entries themselves stay
 * in arch-x86_64/pgtable.c and pte.h. */
#ifndef ARCH_PGTABLE_H
#define ARCH_PGTABLE_H

#include "lib/compiler.h"
#include "arch-x86_64/spinlock.h"

struct pgtable {
	uint64_t *pml4;  /* top-level table, by its direct-map address */
	spinlock_t lock; /* guards every entry of this tree (the kernel half: kernel_pgtable's) */
	uint64_t tables; /* [lock] its table pages, the top one included (VmPTE) */
	uint64_t cpus;   /* atomic: the CPUs that have it loaded (bit i: CPU i), which a TLB
			  * shootdown must reach (tlb.c); unused for kernel_pgtable */
};

/* Whether pgtable_kernel_init() or pgtable_create() has set pt up. Lock-free. */
static inline bool pgtable_ready(const struct pgtable *pt) { return pt->pml4 != NULL; }

/* A swap entry sits in bits 12-62 of a non-present entry (pte.h): 51 bits. */
#define PGTABLE_SWAP_LIMIT (1UL << 51)

#endif
