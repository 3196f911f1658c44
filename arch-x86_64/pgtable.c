/* x86-64 4-level page tables behind the MMU_* interface of pgtable.h. Entries the CPU may
 * update concurrently (accessed/dirty bits of a present leaf) are changed atomically, so
 * no hardware update is lost once other CPUs run. */
#include "mm/pgtable.h"
#include "arch-x86_64/pte.h"
#include "mm/page_alloc.h"
#include "mm/memlayout.h"
#include "arch-x86_64/tlb.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "arch-x86_64/cpu.h"
#include "kernel/lock.h"

struct pgtable kernel_pgtable;
static uint64_t nr_tables;  /* page-table pages in use (atomic) */
static uint64_t pte_nx;     /* PTE_NX when EFER.NXE is on, else 0; set once at boot */

static bool kernel_va(uint64_t va) { return pte_index(va, PT_LEVELS) >= PML4_KERNEL_FIRST; }

/* va lies in the half pt may change: kernel addresses only in kernel_pgtable. */
static void check_va(const struct pgtable *pt, uint64_t va, uint64_t align)
{
	BUG_ON(!va_is_canonical(va) || !IS_ALIGNED(va, align));
	BUG_ON(kernel_va(va) != (pt == &kernel_pgtable));
}

/* A zeroed table page for pt, counted there and in all. Under pt->lock (or before pt is
 * shared). */
static uint64_t *table_alloc(struct pgtable *pt)
{
	uint64_t *t = alloc_page_zeroed();
	if (!t)
		return NULL;
	page_set(virt_to_page(t), PG_PGTABLE);
	__atomic_add_fetch(&nr_tables, 1, __ATOMIC_RELAXED);
	WRITE_ONCE(pt->tables, pt->tables + 1);
	return t;
}

static void table_free(struct pgtable *pt, uint64_t *t)
{
	page_clear(virt_to_page(t), PG_PGTABLE);
	__atomic_sub_fetch(&nr_tables, 1, __ATOMIC_RELAXED);
	WRITE_ONCE(pt->tables, pt->tables - 1);
	free_page_virt(t);
}

static uint64_t *table_of(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* Leaf entry bits for prot at a user or kernel address. */
static uint64_t pte_bits(uint64_t va, unsigned prot)
{
	BUG_ON(!(prot & MMU_READ) || (prot & (MMU_ACCESSED | MMU_DIRTY | MMU_HUGE)));
	BUG_ON((prot & MMU_USER) && kernel_va(va)); /* a user address without it: PROT_NONE */
	BUG_ON((prot & MMU_GLOBAL) && !kernel_va(va));
	BUG_ON((prot & MMU_GUARD) && kernel_va(va));
	if (prot & MMU_GUARD)
		prot &= ~(MMU_USER | MMU_WRITE);
	if (!(prot & MMU_USER) && !kernel_va(va)) {
		/* (a guarded page keeps its userfaultfd mark for the copy its access makes) */
		BUG_ON(prot & (MMU_WRITE | MMU_NOCACHE));
		BUG_ON((prot & MMU_UFFD_WP) && !(prot & MMU_GUARD));
		return PTE_PROTNONE | pte_nx | ((prot & MMU_SOFT) ? PTE_SOFT0 : 0) |
		       ((prot & MMU_UFFD_WP) ? PTE_SOFT1 : 0) | ((prot & MMU_GUARD) ? PTE_SOFT2 : 0);
	}
	uint64_t pte = PTE_P;
	if (prot & MMU_WRITE)
		pte |= PTE_W;
	if (prot & MMU_USER)
		pte |= PTE_U;
	if (!(prot & MMU_EXEC))
		pte |= pte_nx;
	if (prot & MMU_NOCACHE)
		pte |= PTE_PCD | PTE_PWT;
	if (prot & MMU_GLOBAL)
		pte |= PTE_G;
	if (prot & MMU_SOFT)
		pte |= PTE_SOFT0;
	if (prot & MMU_UFFD_WP)
		pte = (pte | PTE_SOFT1) & ~PTE_W;
	return pte;
}

/* A leaf that maps a page: present, or a PROT_NONE user page (pte.h). */
static bool leaf_maps(uint64_t e) { return e & (PTE_P | PTE_PROTNONE); }

/* Describe the leaf e (level 1, or 2 for a 2 MiB page) that maps va (leaf_maps). */
static struct pte_info pte_describe(uint64_t e, unsigned level, uint64_t va)
{
	struct pte_info info = { .prot = MMU_READ };
	if (level == 2) {
		info.pa = (e & PTE_HUGE_ADDR) + (va & (HUGE_PAGE_SIZE - 1) & PAGE_MASK);
		info.prot |= MMU_HUGE;
	} else {
		info.pa = e & PTE_ADDR;
	}
	if (e & PTE_W)
		info.prot |= MMU_WRITE;
	if (e & PTE_U)
		info.prot |= MMU_USER;
	if (!(e & PTE_NX))
		info.prot |= MMU_EXEC;
	if (e & PTE_PCD)
		info.prot |= MMU_NOCACHE;
	if ((e & PTE_G) && (e & PTE_P))
		info.prot |= MMU_GLOBAL;
	if (e & PTE_A)
		info.prot |= MMU_ACCESSED;
	if (e & PTE_D)
		info.prot |= MMU_DIRTY;
	if (e & PTE_SOFT0)
		info.prot |= MMU_SOFT;
	if (e & PTE_SOFT1)
		info.prot |= MMU_UFFD_WP;
	if (e & PTE_SOFT2)
		info.prot |= MMU_GUARD;
	return info;
}

_Static_assert(PTE_SWAP_SHIFT + 51 <= 63 && PGTABLE_SWAP_LIMIT == 1UL << 51,
	       "a swap entry must fit below the NX bit");

static bool is_swap_entry(uint64_t e) { return !(e & PTE_P) && (e & PTE_SWAP); }

static uint64_t swap_pte(uint64_t entry)
{
	BUG_ON(!entry || entry >= PGTABLE_SWAP_LIMIT);
	return (entry << PTE_SWAP_SHIFT) | PTE_SWAP;
}

static uint64_t swap_value(uint64_t e) { return e >> PTE_SWAP_SHIFT; }

/* The entry for va at `level` (1: 4 KiB, 2: 2 MiB), or the 2 MiB leaf above it that maps
 * va already; *at says which level the returned entry is. Missing tables are allocated
 * when alloc (their entries allow everything: the leaf decides). NULL when a table is
 * missing and !alloc, or its allocation failed. Under pt->lock. */
static uint64_t *walk(struct pgtable *pt, uint64_t va, unsigned level, bool alloc, unsigned *at)
{
	assert_held(&pt->lock);
	uint64_t *table = pt->pml4;
	for (unsigned l = PT_LEVELS; l > level; l--) {
		uint64_t *e = &table[pte_index(va, l)];
		if (l == 2 && (*e & PTE_PS)) {
			*at = 2;
			return e;
		}
		if (!(*e & PTE_P)) {
			uint64_t *t = alloc ? table_alloc(pt) : NULL;
			if (!t)
				return NULL;
			*e = virt_to_phys(t) | PTE_P | PTE_W | (kernel_va(va) ? 0 : PTE_U);
		}
		table = table_of(*e);
	}
	*at = level;
	return &table[pte_index(va, level)];
}

/* Atomically replace the bits `clear` of entry *e by `set`; returns the old entry. */
static uint64_t pte_update(uint64_t *e, uint64_t clear, uint64_t set)
{
	uint64_t old = __atomic_load_n(e, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(e, &old, (old & ~clear) | set, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED))
		;
	return old;
}

static int map_at(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot, unsigned level)
{
	uint64_t size = level == 2 ? HUGE_PAGE_SIZE : PAGE_SIZE;
	check_va(pt, va, size);
	BUG_ON(!IS_ALIGNED(pa, size) || pa >= PHYS_LIMIT);
	uint64_t bits = pte_bits(va, prot) | (level == 2 ? PTE_PS : 0);
	int ret = 0;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	unsigned at;
	uint64_t *e = walk(pt, va, level, true, &at);
	if (!e)
		ret = -ENOMEM;
	else if (at != level || *e) /* present, or a swap entry */
		ret = -EEXIST;
	else
		WRITE_ONCE(*e, pa | bits);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}

int pgtable_map(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot)
{
	return map_at(pt, va, pa, prot, 1);
}

int pgtable_map_huge(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot)
{
	BUG_ON(pt != &kernel_pgtable);
	return map_at(pt, va, pa, prot, 2);
}

/* The 4 KiB leaf slot for va if its table exists, or NULL. Under pt->lock (walk checks). */
static uint64_t *leaf_slot(struct pgtable *pt, uint64_t va)
{
	check_va(pt, va, PAGE_SIZE);
	unsigned at;
	uint64_t *e = walk(pt, va, 1, false, &at);
	BUG_ON(e && at != 1); /* 2 MiB pages are the direct map's, never changed */
	return e;
}

/* The present 4 KiB leaf for va, or NULL. Under pt->lock (walk checks). */
static uint64_t *leaf(struct pgtable *pt, uint64_t va)
{
	uint64_t *e = leaf_slot(pt, va);
	return e && leaf_maps(*e) ? e : NULL;
}

/* The leaf for user address va if it holds a swap entry, or NULL. Under pt->lock (walk
 * checks). */
static uint64_t *swap_leaf(struct pgtable *pt, uint64_t va)
{
	BUG_ON(pt == &kernel_pgtable);
	uint64_t *e = leaf_slot(pt, va);
	return e && is_swap_entry(*e) ? e : NULL;
}

bool pgtable_swap_out(struct pgtable *pt, uint64_t va, uint64_t entry, struct pte_info *old)
{
	BUG_ON(pt == &kernel_pgtable);
	uint64_t bits = swap_pte(entry);
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = leaf(pt, va);
	if (e) {
		/* Atomic: the accessed/dirty bits the CPU sets until the flush are in `was`. */
		uint64_t was = __atomic_exchange_n(e, bits, __ATOMIC_SEQ_CST);
		tlb_flush_page(pt, va);
		if (old)
			*old = pte_describe(was, 1, va);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

int pgtable_set_swap(struct pgtable *pt, uint64_t va, uint64_t entry)
{
	BUG_ON(pt == &kernel_pgtable);
	check_va(pt, va, PAGE_SIZE);
	uint64_t bits = swap_pte(entry);
	int ret = 0;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	unsigned at;
	uint64_t *e = walk(pt, va, 1, true, &at);
	if (!e)
		ret = -ENOMEM;
	else if (*e)
		ret = -EEXIST;
	else
		WRITE_ONCE(*e, bits);
	spin_unlock_irqrestore(&pt->lock, flags);
	return ret;
}

bool pgtable_swap_in(struct pgtable *pt, uint64_t va, uint64_t entry, uint64_t pa, unsigned prot)
{
	BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE) || pa >= PHYS_LIMIT);
	uint64_t bits = pte_bits(va, prot);
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = swap_leaf(pt, va);
	bool ok = e && *e == swap_pte(entry);
	if (ok)
		WRITE_ONCE(*e, pa | bits); /* not present before: nothing cached to flush */
	spin_unlock_irqrestore(&pt->lock, flags);
	return ok;
}

bool pgtable_swap_entry(struct pgtable *pt, uint64_t va, uint64_t *entry)
{
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = swap_leaf(pt, va);
	if (e)
		*entry = swap_value(*e);
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

bool pgtable_unmap(struct pgtable *pt, uint64_t va, struct pte_info *old)
{
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = leaf(pt, va);
	if (e) {
		uint64_t was = __atomic_exchange_n(e, 0, __ATOMIC_SEQ_CST);
		tlb_flush_page(pt, va);
		if (old)
			*old = pte_describe(was, 1, va);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

/* Give the leaf at va the bits of prot, keeping those of `keep` from the old entry (a kept
 * userfaultfd mark leaves write off, a kept guard user access and write), and flush it:
 * the entry as it was in *old. */
static bool reprotect(struct pgtable *pt, uint64_t va, unsigned prot, uint64_t keep,
		      struct pte_info *old)
{
	uint64_t bits = pte_bits(va, prot);
	uint64_t guarded = kernel_va(va) ? bits : pte_bits(va, prot | MMU_GUARD) & ~PTE_SOFT2;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = leaf(pt, va);
	if (e) {
		uint64_t was = __atomic_load_n(e, __ATOMIC_RELAXED), now;
		do {
			now = (was & keep) | ((was & PTE_SOFT2) ? guarded : bits);
			if (now & PTE_SOFT1)
				now &= ~PTE_W;
		} while (!__atomic_compare_exchange_n(e, &was, now, false, __ATOMIC_SEQ_CST,
						      __ATOMIC_RELAXED));
		tlb_flush_page(pt, va);
		if (old)
			*old = pte_describe(was, 1, va);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

bool pgtable_protect(struct pgtable *pt, uint64_t va, unsigned prot, struct pte_info *old)
{
	return reprotect(pt, va, prot & ~(MMU_SOFT | MMU_UFFD_WP),
			 PTE_ADDR | PTE_A | PTE_D | PTE_SOFT0 | PTE_SOFT1 | PTE_SOFT2, old);
}

bool pgtable_protect_wp(struct pgtable *pt, uint64_t va, unsigned prot, struct pte_info *old)
{
	return reprotect(pt, va, prot & ~MMU_SOFT,
			 PTE_ADDR | PTE_A | PTE_D | PTE_SOFT0 | PTE_SOFT2, old);
}

bool pgtable_replace(struct pgtable *pt, uint64_t va, uint64_t pa, unsigned prot,
		     struct pte_info *old)
{
	BUG_ON(!IS_ALIGNED(pa, PAGE_SIZE) || pa >= PHYS_LIMIT);
	uint64_t bits = pte_bits(va, prot);
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = leaf(pt, va);
	if (e) {
		uint64_t was = __atomic_exchange_n(e, pa | bits, __ATOMIC_SEQ_CST);
		tlb_flush_page(pt, va);
		if (old)
			*old = pte_describe(was, 1, va);
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

/* The first present leaf (or, with swaps, swap entry) for an address in [from, end) below
 * the level-`level` table `table`, which maps from `base` on: its entry, with its address in
 * *found; NULL if none. Absent tables are skipped whole. Under pt->lock
 * (next_entry takes it just before the call: the tables do not lead back to pt). */
static uint64_t *next_leaf(uint64_t *table, unsigned level, uint64_t base, uint64_t from,
			   uint64_t end, bool swaps, uint64_t *found)
{
	uint64_t span = 1UL << (PAGE_SHIFT + 9 * (level - 1));
	unsigned last = level == PT_LEVELS ? PML4_KERNEL_FIRST : PT_ENTRIES;
	for (unsigned i = pte_index(from, level); i < last; i++) {
		uint64_t addr = base + i * span;
		if (addr >= end)
			return NULL;
		uint64_t e = table[i];
		if (level == 1 && (leaf_maps(e) || (swaps && is_swap_entry(e)))) {
			*found = addr;
			return &table[i];
		}
		if (level == 1 || !(e & PTE_P))
			continue;
		BUG_ON(e & PTE_PS); /* no huge pages in user space */
		uint64_t *r = next_leaf(table_of(e), level - 1, addr, MAX(addr, from), end, swaps, found);
		if (r)
			return r;
	}
	return NULL;
}

static bool next_entry(struct pgtable *pt, uint64_t *va, uint64_t end, bool swaps,
		       struct pte_info *out)
{
	BUG_ON(pt == &kernel_pgtable || !IS_ALIGNED(*va, PAGE_SIZE));
	end = MIN(end, (uint64_t)PML4_KERNEL_FIRST << 39);
	if (*va >= end)
		return false;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t found;
	uint64_t *e = next_leaf(pt->pml4, PT_LEVELS, 0, *va, end, swaps, &found);
	if (e) {
		*va = found;
		if (leaf_maps(*e))
			*out = pte_describe(*e, 1, found);
		else
			*out = (struct pte_info){ .prot = MMU_SWAPPED, .swap = swap_value(*e) };
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return e;
}

bool pgtable_next(struct pgtable *pt, uint64_t *va, uint64_t end, struct pte_info *out)
{
	return next_entry(pt, va, end, false, out);
}

bool pgtable_next_entry(struct pgtable *pt, uint64_t *va, uint64_t end, struct pte_info *out)
{
	return next_entry(pt, va, end, true, out);
}

/* The entry *e (present or a swap entry) at va, changed by op; what to report. Under
 * pt->lock. */
static struct pte_info take_entry(uint64_t *e, uint64_t va, enum pgtable_batch_op op, bool *flush)
{
	uint64_t was = *e;
	if (!leaf_maps(was)) {
		if (op == PGTABLE_CLEAR)
			*e = 0; /* nothing cached: no flush */
		return (struct pte_info){ .prot = MMU_SWAPPED, .swap = swap_value(was) };
	}
	if (op == PGTABLE_CLEAR) {
		was = __atomic_exchange_n(e, 0, __ATOMIC_SEQ_CST);
		*flush = true;
	} else if (op == PGTABLE_WRPROTECT && (was & PTE_W)) {
		was = pte_update(e, PTE_W, 0) & ~PTE_W;
		*flush = true;
	} else if (op == PGTABLE_CLEAN && (was & PTE_D)) {
		was = pte_update(e, PTE_D, 0); /* with a D the CPU set meanwhile */
		*flush = true; /* or a cached entry would let writes by without setting it */
	} else if (op == PGTABLE_CLEAN_AGE && (was & (PTE_D | PTE_A))) {
		was = pte_update(e, PTE_D | PTE_A, 0);
		*flush = true; /* or a cached entry would let accesses by without setting A */
	}
	return pte_describe(was, 1, va);
}

unsigned pgtable_next_batch(struct pgtable *pt, uint64_t *va, uint64_t end,
			    enum pgtable_batch_op op, struct pte_entry *out, unsigned max)
{
	BUG_ON(pt == &kernel_pgtable || !IS_ALIGNED(*va, PAGE_SIZE) || !max);
	const uint64_t table_span = 1UL << (PAGE_SHIFT + 9); /* what one leaf table maps */
	end = MIN(end, (uint64_t)PML4_KERNEL_FIRST << 39);
	uint64_t from = *va;
	unsigned n = 0;
	bool flush = false;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	while (n < max && from < end) {
		uint64_t found;
		uint64_t *e = next_leaf(pt->pml4, PT_LEVELS, 0, from, end, true, &found);
		if (!e) {
			from = end;
			break;
		}
		/* The rest of this leaf table entry by entry, without walking down again. */
		uint64_t table_end = MIN(ALIGN_DOWN(found, table_span) + table_span, end);
		for (; found < table_end && n < max; found += PAGE_SIZE, e++) {
			if (!leaf_maps(*e) && !is_swap_entry(*e))
				continue;
			out[n].va = found;
			out[n++].pte = take_entry(e, found, op, &flush);
		}
		from = found;
	}
	if (flush)
		tlb_flush_user(pt);
	spin_unlock_irqrestore(&pt->lock, flags);
	*va = from;
	return n;
}

/* Free the tables below the level-`level` table `table` (mapping from base on) that overlap
 * [start, end) and map nothing; true if `table` itself now maps nothing. Under
 * pt->lock (pgtable_free_empty takes it just before the call). */
static bool free_empty(struct pgtable *pt, uint64_t *table, unsigned level, uint64_t base,
		       uint64_t start, uint64_t end, bool *freed)
{
	uint64_t span = 1UL << (PAGE_SHIFT + 9 * (level - 1));
	unsigned last = level == PT_LEVELS ? PML4_KERNEL_FIRST : PT_ENTRIES;
	bool empty = true;
	for (unsigned i = 0; i < last; i++) {
		uint64_t addr = base + i * span, e = table[i];
		if (!(e & PTE_P)) {
			empty &= !e; /* a swap entry keeps its table */
			continue;
		}
		if (level > 1 && addr < end && addr + span > start) {
			uint64_t *child = table_of(e);
			if (free_empty(pt, child, level - 1, addr, start, end, freed)) {
				WRITE_ONCE(table[i], 0);
				table_free(pt, child);
				*freed = true;
				continue;
			}
		}
		empty = false;
	}
	return empty;
}

void pgtable_free_empty(struct pgtable *pt, uint64_t start, uint64_t end)
{
	BUG_ON(pt == &kernel_pgtable);
	end = MIN(end, (uint64_t)PML4_KERNEL_FIRST << 39);
	if (start >= end)
		return;
	bool freed = false;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	free_empty(pt, pt->pml4, PT_LEVELS, 0, start, end, &freed);
	/* INVLPG of any address also drops every paging-structure cache entry, so no CPU
	 * walks through a freed table afterwards (the shootdown, tlb.h, reaches every CPU
	 * that has pt loaded). */
	if (freed)
		tlb_flush_page(pt, start & PAGE_MASK);
	spin_unlock_irqrestore(&pt->lock, flags);
}

bool pgtable_lookup(struct pgtable *pt, uint64_t va, struct pte_info *out)
{
	BUG_ON(!va_is_canonical(va));
	va &= PAGE_MASK;
	if (kernel_va(va))
		pt = &kernel_pgtable; /* the shared kernel half, under its own lock */
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	unsigned at;
	uint64_t *e = walk(pt, va, 1, false, &at);
	bool present = e && leaf_maps(*e);
	if (present)
		*out = pte_describe(*e, at, va);
	spin_unlock_irqrestore(&pt->lock, flags);
	return present;
}

unsigned pgtable_test_and_clear(struct pgtable *pt, uint64_t va, unsigned which)
{
	BUG_ON(which & ~(MMU_ACCESSED | MMU_DIRTY));
	uint64_t bits = ((which & MMU_ACCESSED) ? PTE_A : 0) | ((which & MMU_DIRTY) ? PTE_D : 0);
	unsigned was = 0;
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	uint64_t *e = leaf(pt, va);
	if (e) {
		uint64_t old = pte_update(e, bits, 0);
		was = pte_describe(old, 1, va).prot & which;
		if (was)
			tlb_flush_page(pt, va); /* or the CPU would not set them again */
	}
	spin_unlock_irqrestore(&pt->lock, flags);
	return was;
}

static uint64_t *boot_table_alloc(void)
{
	uint64_t *t = table_alloc(&kernel_pgtable);
	if (!t)
		panic("mm: out of memory for the kernel page tables");
	return t;
}

void pgtable_kernel_init(void)
{
	pte_nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	spin_lock_init(&kernel_pgtable.lock, "kernel pgtable");
	kernel_pgtable.pml4 = boot_table_alloc();
	for (unsigned i = PML4_KERNEL_FIRST; i < PT_ENTRIES; i++)
		kernel_pgtable.pml4[i] = virt_to_phys(boot_table_alloc()) | PTE_P | PTE_W;
}

int pgtable_create(struct pgtable *pt)
{
	pt->tables = 0;
	pt->cpus = 0;
	uint64_t *pml4 = table_alloc(pt);
	if (!pml4)
		return -ENOMEM;
	memcpy(&pml4[PML4_KERNEL_FIRST], &kernel_pgtable.pml4[PML4_KERNEL_FIRST],
	       (PT_ENTRIES - PML4_KERNEL_FIRST) * sizeof(uint64_t));
	pt->pml4 = pml4;
	spin_lock_init(&pt->lock, "pgtable");
	return 0;
}

/* Free the level-`level` table that entry points to and everything below it, handing each
 * present page to release. va: the first address the table maps. */
static void free_tree(struct pgtable *pt, uint64_t entry, unsigned level, uint64_t va,
		      pgtable_release_fn release, void *arg)
{
	uint64_t *t = table_of(entry);
	uint64_t span = 1UL << (PAGE_SHIFT + 9 * (level - 1));
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P) && !(level == 1 && leaf_maps(e))) {
			BUG_ON(e); /* a swap entry left: its slot would leak */
			continue;
		}
		if (level > 1) {
			BUG_ON(e & PTE_PS); /* no huge pages in user space */
			free_tree(pt, e, level - 1, va + i * span, release, arg);
			continue;
		}
		BUG_ON(!release);
		struct pte_info info = pte_describe(e, 1, va + i * span);
		release(arg, va + i * span, &info);
	}
	table_free(pt, t);
}

void pgtable_destroy(struct pgtable *pt, pgtable_release_fn release, void *arg)
{
	BUG_ON(pt == &kernel_pgtable || read_cr3() == virt_to_phys(pt->pml4) ||
	       __atomic_load_n(&pt->cpus, __ATOMIC_ACQUIRE));
	uint64_t flags = spin_lock_irqsave(&pt->lock);
	for (unsigned i = 0; i < PML4_KERNEL_FIRST; i++)
		if (pt->pml4[i] & PTE_P)
			free_tree(pt, pt->pml4[i], PT_LEVELS - 1, (uint64_t)i << 39, release, arg);
	table_free(pt, pt->pml4);
	pt->pml4 = NULL;
	spin_unlock_irqrestore(&pt->lock, flags);
}

void pgtable_activate(struct pgtable *pt)
{
	struct cpu *c = this_cpu();
	struct pgtable *old = c->pgtable;
	uint64_t me = 1ULL << c->id;
	/* In the set before the first walk through it: a PTE changed after the walk is flushed
	 * here (the changer reads the set after its change); one changed before, the walk sees. */
	if (pt != &kernel_pgtable)
		__atomic_fetch_or(&pt->cpus, me, __ATOMIC_SEQ_CST);
	write_cr3(virt_to_phys(pt->pml4));
	c->pgtable = pt;
	if (old && old != pt && old != &kernel_pgtable) /* its user entries are gone from here */
		__atomic_fetch_and(&old->cpus, ~me, __ATOMIC_SEQ_CST);
}

uint64_t pgtable_nr_pages(void)
{
	return __atomic_load_n(&nr_tables, __ATOMIC_RELAXED);
}

uint64_t pgtable_tables(const struct pgtable *pt)
{
	return READ_ONCE(pt->tables);
}
