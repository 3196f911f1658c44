/* x86-64 page-table entries (4-level paging, 4 KiB tables of 512 entries). Only arch-x86_64/pgtable.c
 * reads or writes these bits; everything else speaks the MMU_* flags of pgtable.h. */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include "lib/compiler.h"

#define PTE_P    (1UL << 0)   /* present */
#define PTE_W    (1UL << 1)   /* writable */
#define PTE_U    (1UL << 2)   /* user-accessible */
#define PTE_PWT  (1UL << 3)   /* write-through */
#define PTE_PCD  (1UL << 4)   /* cache disable: with PWT, PAT entry 3 = uncached (default PAT) */
#define PTE_A    (1UL << 5)   /* accessed: set by the CPU on any access */
#define PTE_D    (1UL << 6)   /* dirty: set by the CPU on a write (leaf entries only) */
#define PTE_PS   (1UL << 7)   /* page size: a 2 MiB leaf in a page directory (level 2) */
#define PTE_G    (1UL << 8)   /* global: survives CR3 reloads (kernel half only) */
#define PTE_SOFT0 (1UL << 9)  /* ignored by the CPU: available to software */
#define PTE_SOFT1 (1UL << 10) /* likewise */
#define PTE_SOFT2 (1UL << 11) /* likewise */
#define PTE_NX   (1UL << 63)  /* no-execute; needs EFER.NXE (reserved bit otherwise) */

/* A leaf entry without PTE_P is ignored by the CPU in every other bit: mm keeps a swap entry
 * there, marked by PTE_SWAP, its value in bits 12-62 (0 stays "nothing mapped"). */
#define PTE_SWAP        (1UL << 1)
#define PTE_SWAP_SHIFT  12
/* A user page mapped PROT_NONE: an entry without PTE_P (so neither user code nor the
 * kernel's direct user copies reach the page: they fault, and the VMA says no) holding the
 * frame's address, marked by this bit (the global bit, meaningless in a user entry). */
#define PTE_PROTNONE    (1UL << 8)

/* Physical address held by an entry: a table, a 4 KiB frame, or (level 2 with PTE_PS) a
 * 2 MiB frame, whose bit 12 is the PAT bit and so is masked off by PTE_HUGE_ADDR. */
#define PTE_ADDR      0x000ffffffffff000UL
#define PTE_HUGE_ADDR 0x000fffffffe00000UL

#define PT_ENTRIES 512
#define PT_LEVELS  4          /* level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
#define HUGE_PAGE_SIZE (1UL << 21)

/* Index of va's entry in its level-`level` table. */
static inline unsigned pte_index(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

/* The first PML4 slot of the kernel half (0xffff800000000000); slots below are user space. */
#define PML4_KERNEL_FIRST 256

/* Canonical 48-bit address: bits 63..47 all equal. */
static inline bool va_is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

#define CR4_PGE (1UL << 7)    /* enables PTE_G */

#endif
