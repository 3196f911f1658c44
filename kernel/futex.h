/* Futexes: the futex(2) system call with Linux's semantics (kernel/futex.c opens with the
 * design; the words' names are mm's, mm_uword_key in mm/addrspace.h). */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include "lib/compiler.h"

#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* Boot, once, before the first user task: the empty hash buckets. */
void futex_init(void);
/* Wake up to nr (at least one) tasks waiting on the futex at uaddr in current's address
 * space, named shared or private (mm_uword_key), whose bitset shares a bit with bitset:
 * how many, or FUTEX_WAKE_BITSET's errors (-EINVAL: bitset 0, uaddr misaligned; -EFAULT).
 * May sleep (mm->lock for a shared name). */
long futex_wake(uint64_t uaddr, bool shared, int nr, uint32_t bitset);
/* A thread exits (or execs): each robust lock on current's set_robust_list that it still
 * owns gets FUTEX_OWNER_DIED and wakes a waiter, as on Linux. User memory only. */
void futex_exit_robust_list(void);

#endif
