/* TLB invalidation: every translation mm changes or removes is flushed through here, so
 * this is the one place to add the cross-CPU shootdown when SMP arrives (an IPI to every
 * other CPU that may cache the translation: all of them for the kernel half, those
 * running the address space for a user address), waiting for their acknowledgement
 * before returning. With one CPU running, a local flush is complete. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "lib/compiler.h"

struct pgtable;

/* Drop the translation of the page at va in pt (any CPU's copy, once SMP exists).
 * Callers hold pt->lock and free the old frame only after this returns. Nothing to do
 * when pt is not loaded: loading it (CR3) drops its user translations anyway. */
void tlb_flush_page(struct pgtable *pt, uint64_t va);
/* Drop every user translation of pt (after a batch of changes), under the same rules. */
void tlb_flush_user(struct pgtable *pt);
/* Drop every translation, global (kernel) ones included. */
void tlb_flush_all(void);

#endif
