/* TLB invalidation: every translation mm changes or removes is flushed through here, on
 * every CPU that may cache it: those that have the address space loaded for a user address
 * (its set of CPUs, kept by pgtable_activate), all of them for the kernel half. Other CPUs
 * are reached by a cross-CPU call (an IPI), and each function returns only once every one
 * of them has flushed: the caller may then rely on the change. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "lib/compiler.h"

struct pgtable;

/* Drop the translation of the page at va in pt, on every CPU. Callers hold pt->lock (the
 * wait for other CPUs is safe under it: smp_call.h) and free the old frame only after
 * this returns. Nothing to do on a CPU where pt is not loaded: loading it (CR3) drops its
 * user translations anyway. */
void tlb_flush_page(struct pgtable *pt, uint64_t va);
/* Drop every user translation of pt (after a batch of changes), under the same rules. */
void tlb_flush_user(struct pgtable *pt);
/* Drop every translation, global (kernel) ones included, on every CPU. */
void tlb_flush_all(void);
/* Shootdowns that had to reach another CPU, since boot (lock-free). */
uint64_t tlb_shootdowns(void);
/* Flushes cpu did at another CPU's request, since boot (lock-free): /proc/interrupts' TLB. */
uint64_t tlb_flushes_received(int cpu);

#endif
