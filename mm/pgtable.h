/* Page tables: one struct pgtable per address space, changed only through these functions,
 * which speak MMU_* flags, never PTE bits. The arch implements them (x86-64: 4-level tables
 * in arch-x86_64/pgtable.c, the entries' bits in arch-x86_64/pte.h) and supplies, in
 * arch-x86_64/pgtable.h, struct pgtable (the tree's root and its lock), pgtable_ready()
 * and PGTABLE_SWAP_LIMIT.
 *
 * The kernel half is one set of tables shared by every address space: its top-level
 * entries are all allocated at boot and copied into each new address space, so they never
 * change afterwards. Kernel addresses are mapped only through kernel_pgtable, whose lock
 * guards those shared tables; user addresses only through a user address space's pgtable.
 *
 * Locking: each function takes pt->lock itself (irqsave) and may take the buddy lock inside
 * it to allocate or free a table page. Page-table pages come from the frame allocator,
 * marked PG_PGTABLE and counted (pgtable_nr_pages). */
#ifndef MM_PGTABLE_H
#define MM_PGTABLE_H

#include "lib/compiler.h"
#include "arch-x86_64/pgtable.h"

/* Protection flags of a mapping. Every mapping is readable (x86 cannot do otherwise). */
#define MMU_READ     (1u << 0)
#define MMU_WRITE    (1u << 1)
#define MMU_EXEC     (1u << 2)
#define MMU_USER     (1u << 3) /* user-accessible: user addresses only. A user address mapped
				* without it is present but out of ring 3's reach (PROT_NONE) */
#define MMU_NOCACHE  (1u << 4) /* uncached: device memory */
#define MMU_GLOBAL   (1u << 5) /* survives address-space switches: kernel addresses only */
/* State the CPU records, reported by lookups; the first two cleared by
 * pgtable_test_and_clear(). */
#define MMU_ACCESSED (1u << 6) /* read or written since last cleared */
#define MMU_DIRTY    (1u << 7) /* written since last cleared */
#define MMU_HUGE     (1u << 8) /* a 2 MiB mapping (kernel direct map) */
/* A mark the CPU ignores, for mm's own bookkeeping (mapping.h names its meaning): set by
 * map and replace from prot, kept by protect (it belongs to what the entry maps, not to its
 * protection), reported by lookups. */
#define MMU_SOFT     (1u << 9)
/* Reported by pgtable_next_entry() alone: the entry maps nothing but holds a swap entry. */
#define MMU_SWAPPED  (1u << 10)
/* The userfaultfd write-protect mark (mm/userfaultfd.h): a write to the page must be
 * reported. An entry carrying it is never writable: set by map and replace from prot (which
 * then lose MMU_WRITE), kept by protect (which leaves write off while it is there), changed
 * only by pgtable_protect_wp(), reported by lookups. */
#define MMU_UFFD_WP  (1u << 11)
/* A guard (user addresses; mapping.h names its meaning): the entry keeps its page out of
 * ring 3's reach and read-only whatever protection it is given. Set by map, replace and
 * protect from prot (which then lose MMU_USER and MMU_WRITE), kept by protect, reported by
 * lookups; only a replace without it lifts it. */
#define MMU_GUARD    (1u << 12)

/* The kernel's address space: its user half is empty. */
extern struct pgtable kernel_pgtable;

/* What maps a virtual page. */
struct pte_info {
	uint64_t pa;   /* the 4 KiB frame (for MMU_HUGE: the 4 KiB part of the 2 MiB frame) */
	unsigned prot; /* MMU_* protection and state flags */
	uint64_t swap; /* MMU_SWAPPED: the swap entry (pa and the other flags are 0) */
};

/* Swap entries: a user address that maps nothing may hold one, a non-zero value below
 * PGTABLE_SWAP_LIMIT (the arch's) whose meaning is mm/swap.h's. The CPU faults on it as on
 * an absent page; pgtable_map() treats it as taken (-EEXIST), so a swap entry is never lost
 * by accident. */

/* Called by pgtable_destroy() for each page still mapped. */
typedef void (*pgtable_release_fn)(void *arg, uint64_t va, const struct pte_info *pte);

/* Boot: kernel_pgtable with an empty user half and every kernel-half top-level entry
 * backed by a (still empty) table. Panics when out of memory. */
void pgtable_kernel_init(void);
/* A new address space: empty user half, the kernel half shared. 0, or -ENOMEM. */
int pgtable_create(struct pgtable *pt);
/* Free an address space's tables (user half and top level). For each page still mapped,
 * release(arg, va, pte) is called first (under pt->lock; it must not use pt); with
 * release NULL, a page still mapped is a bug. pt must not be loaded on any CPU. */
void pgtable_destroy(struct pgtable *pt, pgtable_release_fn release, void *arg);
/* Make pt the address space this CPU translates through (x86: load CR3), and record it:
 * pt's set of CPUs that have it loaded gains this one and the tables it replaces lose it
 * (the targets of a TLB shootdown, tlb.h). Interrupts off. */
void pgtable_activate(struct pgtable *pt);

/* Map the 4 KiB page at va to frame pa with prot (MMU_READ required), allocating missing
 * tables. 0; -EEXIST if va is mapped already (nothing changed); -ENOMEM (tables allocated
 * on the way stay, empty, until pgtable_destroy). No TLB flush needed. */
int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot);
/* The same with a 2 MiB page (va, pa 2 MiB-aligned), kernel_pgtable only. */
int pgtable_map_huge(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot);
/* Remove the 4 KiB mapping at va and flush it; the old entry goes to *old if old is not
 * NULL (its frame's last use is over when this returns). false if va was not mapped. */
bool pgtable_unmap(struct pgtable *pt, uint64_t va, struct pte_info *old);
/* Give the 4 KiB mapping at va new protection flags (accessed/dirty, MMU_SOFT, MMU_UFFD_WP
 * and MMU_GUARD kept; MMU_GUARD set if prot has it), flush it, and
 * return the entry as it was just before in *old (may be NULL). false if not mapped. */
bool pgtable_protect(struct pgtable *pt, uint64_t va, unsigned prot, struct pte_info *old);
/* pgtable_protect() that also sets the MMU_UFFD_WP mark (when prot has it) or clears it. */
bool pgtable_protect_wp(struct pgtable *pt, uint64_t va, unsigned prot, struct pte_info *old);
/* Point the present 4 KiB mapping at va to frame pa with prot in one atomic step (no
 * moment without a mapping), flush it, and return the entry as it was in *old (may be
 * NULL): the old frame's last use through this entry is over when this returns. false
 * (nothing changed) if va was not mapped. */
bool pgtable_replace(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot,
		     struct pte_info *old);
/* User half only: the first present 4 KiB mapping at an address in [*va, end): true with
 * its address in *va and its entry in *out, false if there is none. Absent tables are
 * skipped whole, so a walk over a sparse range costs what is mapped, not its size. */
bool pgtable_next(struct pgtable *pt, uint64_t *va, uint64_t end, struct pte_info *out);
/* User half only: free the page-table pages that overlap [start, end) and map nothing
 * (after an unmap), flushing the paging-structure caches when any went. */
void pgtable_free_empty(struct pgtable *pt, uint64_t start, uint64_t end);
/* What maps va (any page size; kernel addresses are looked up in kernel_pgtable, whatever
 * pt is): true and *out, or false if nothing is present. */
bool pgtable_lookup(struct pgtable *pt, uint64_t va, struct pte_info *out);
/* Clear the MMU_ACCESSED / MMU_DIRTY bits named in which at va and return those of them
 * that were set (0 if not mapped); flushes the page when it cleared any. */
unsigned pgtable_test_and_clear(struct pgtable *pt, uint64_t va, unsigned which);

/* User half: make the present 4 KiB mapping at va the swap entry `entry`, flush it, and
 * return the entry as it was in *old (its accessed/dirty bits are final). false (nothing
 * changed) if va maps nothing. */
bool pgtable_swap_out(struct pgtable *pt, uint64_t va, uint64_t entry, struct pte_info *old);
/* User half: put swap entry `entry` at va, which holds nothing, allocating missing
 * tables (fork). 0, -EEXIST or -ENOMEM, as pgtable_map(). */
int pgtable_set_swap(struct pgtable *pt, uint64_t va, uint64_t entry);
/* User half: if va holds the swap entry `entry`, map frame pa there with prot instead, in
 * one step; false (nothing changed) if it holds anything else. */
bool pgtable_swap_in(struct pgtable *pt, uint64_t va, uint64_t entry, uint64_t pa, unsigned prot);
/* User half: the swap entry va holds (true and *entry), or false. */
bool pgtable_swap_entry(struct pgtable *pt, uint64_t va, uint64_t *entry);
/* pgtable_next() that also stops at swap entries (reported with MMU_SWAPPED). */
bool pgtable_next_entry(struct pgtable *pt, uint64_t *va, uint64_t end, struct pte_info *out);

/* One entry of a batch: its address and what it held. */
struct pte_entry {
	uint64_t va;
	struct pte_info pte;
};
/* What pgtable_next_batch() does to each entry it takes. */
enum pgtable_batch_op {
	PGTABLE_KEEP,		/* nothing: a read */
	PGTABLE_WRPROTECT,	/* present entries lose write permission (fork) */
	PGTABLE_CLEAR,		/* entries are removed, swap entries too (unmap, exit) */
	PGTABLE_CLEAN,		/* present entries lose the dirty bit (ksmd's scan): a later
				 * write through them sets it again */
	PGTABLE_CLEAN_AGE,	/* present entries lose the dirty and accessed bits (ksmd's
				 * scan when it watches pages idle) */
};
/* User half: the next present mappings and swap entries in [*va, end), at most max, in
 * address order, into out[] (swap entries with MMU_SWAPPED, as pgtable_next_entry), each
 * changed by op on the way: present entries are reported as op left them (CLEAR, CLEAN
 * and CLEAN_AGE: as they were). Returns how many; *va moves past the last one taken (to
 * end when the range is done). One walk and one lock for the batch, and one TLB flush when
 * op changed a present entry (before returning: the old frames' last use is over). The walk
 * pgtable_next_entry makes per page is the cost of fork, exit and munmap otherwise. */
unsigned pgtable_next_batch(struct pgtable *pt, uint64_t *va, uint64_t end,
			    enum pgtable_batch_op op, struct pte_entry *out, unsigned max);

/* Page-table pages in use, all address spaces (lock-free snapshot). */
uint64_t pgtable_nr_pages(void);
/* Page-table pages of pt's user half (lock-free snapshot). */
uint64_t pgtable_tables(const struct pgtable *pt);

#endif
