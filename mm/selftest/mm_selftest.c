/* mm_selftest: in-kernel checks of the frame allocator, kmalloc and slab caches, page
 * tables and the kernel's own mappings. Each part leaves the counters where it found them
 * and checks that it did. Needs an otherwise idle system: the frame test holds all memory. */
#include "mm/swap.h"
#include "mm/mm.h"
#include "mm/addrspace.h"
#include "kernel/task.h"
#include "kernel/selftest.h"
#include "kernel/bootinfo.h"
#include "arch-x86_64/cpu.h"
#include "lib/errno.h"
#include "mm/kmalloc.h"
#include "mm/memlayout.h"
#include "mm/page_alloc.h"
#include "mm/page_array.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "lib/string.h"
#include "mm/selftest/selftest_as.h"

static bool overlaps(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi) { return a < hi && lo < b; }

/* [pa, pa + len) is RAM the allocator may hand out: inside one usable range and clear of
 * the first MiB, the kernel image, the boot modules and the struct page array. */
static bool allocatable(uint64_t pa, uint64_t len)
{
	const struct memmap *ram = mm_usable_ram();
	bool in_ram = false;
	for (unsigned i = 0; i < ram->n; i++)
		in_ram |= ram->r[i].start <= pa && pa + len <= ram->r[i].end;
	uint64_t array = virt_to_phys(mem_map);
	bool clear = pa >= LOW_MEM_END &&
		     !overlaps(pa, pa + len, (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end) &&
		     !overlaps(pa, pa + len, array, array + page_array_bytes());
	for (unsigned i = 0; i < boot_info.nmods; i++)
		clear &= !overlaps(pa, pa + len, boot_info.mods[i].start, boot_info.mods[i].end);
	return in_ram && clear;
}

/* While the frame test holds a block it is the block's owner, so it keeps the block on a
 * list through ->list of its first struct page and marks ->private of every frame (an
 * overlap would find a frame marked already). The first and the last page of the n-th
 * block start with their frame number and n and end with the frame number inverted. */
#define HELD_MARK 0x5e1f7e57UL

static void tag_page(struct page *p, uint64_t serial)
{
	uint64_t *w = page_address(p);
	w[0] = page_to_pfn(p);
	w[1] = serial;
	w[PAGE_SIZE / 8 - 1] = ~page_to_pfn(p);
}

static bool tag_intact(struct page *p, uint64_t serial)
{
	const uint64_t *w = page_address(p);
	return w[0] == page_to_pfn(p) && w[1] == serial && w[PAGE_SIZE / 8 - 1] == ~w[0];
}

/* Mark the frames of a block held; false if one of them was held already. */
static bool mark_held(struct page *p, uint64_t mark)
{
	bool fresh = true;
	for (uint64_t i = 0; i < 1UL << p->order; i++) {
		fresh &= p[i].private != HELD_MARK;
		p[i].private = mark;
	}
	return fresh;
}

/* Take every free frame in mixed orders, check each block, give them all back. */
static void test_frames(struct selftest *t)
{
	static const unsigned orders[] = { MAX_ORDER, 0, 3, 1, 7, 0, 2, 5, 0, 9 };
	uint64_t free0 = nr_free_pages(), got = 0, serial = 0;
	struct list_head held = LIST_HEAD_INIT(held);
	bool aligned = true, placed = true, distinct = true, had_max = false;
	unsigned limit = MAX_ORDER; /* orders above it have failed already */
	for (unsigned i = 0;; i++) {
		unsigned order = MIN(orders[i % ARRAY_SIZE(orders)], limit);
		struct page *p = alloc_pages(order);
		if (!p) {
			if (!order)
				break;
			limit = order - 1;
			continue;
		}
		had_max |= order == MAX_ORDER;
		aligned &= IS_ALIGNED(page_to_pfn(p), 1UL << order);
		placed &= allocatable(page_to_phys(p), PAGE_SIZE << order);
		distinct &= mark_held(p, HELD_MARK);
		tag_page(p + (1UL << order) - 1, ++serial);
		tag_page(p, serial);
		list_add_tail(&p->list, &held);
		got += 1UL << order;
	}
	SELFTEST_CHECK(t, got == free0);
	SELFTEST_CHECK(t, nr_free_pages() == 0);
	SELFTEST_CHECK(t, aligned);
	SELFTEST_CHECK(t, placed);
	SELFTEST_CHECK(t, distinct);
	bool intact = true;
	struct list_head *pos, *next;
	serial = 0;
	list_for_each(pos, &held) {
		struct page *p = list_entry(pos, struct page, list);
		serial++;
		intact &= tag_intact(p, serial) && tag_intact(p + (1UL << p->order) - 1, serial);
	}
	SELFTEST_CHECK(t, intact);
	list_for_each_safe(pos, next, &held) {
		struct page *p = list_entry(pos, struct page, list);
		list_del(pos);
		mark_held(p, 0);
		free_pages(p, p->order);
	}
	SELFTEST_CHECK(t, nr_free_pages() == free0);
	if (had_max) { /* everything merged back */
		struct page *p = alloc_pages(MAX_ORDER);
		SELFTEST_CHECK(t, p != NULL);
		if (p)
			free_pages(p, MAX_ORDER);
	}
}

/* Sizes around every class edge, the page path, the limits, then pseudo-random ones. */
static size_t kmalloc_size(unsigned i, uint32_t *seed)
{
	static const size_t edges[] = { 1, 7, 8, 9, 16, 17, 100, 2047, 2048, 2049, 4096, 4097,
					8192, 65536, 1 << 20, KMALLOC_MAX };
	if (i < ARRAY_SIZE(edges))
		return edges[i];
	*seed = *seed * 1103515245 + 12345;
	return (*seed >> 8) % (i % 4 ? 700 : 20000) + 1;
}

static void test_kmalloc(struct selftest *t)
{
	enum { N = 300 };
	static uint8_t *ptrs[N];
	static size_t sizes[N];
	uint64_t free0 = nr_free_pages(), slab0 = slab_nr_pages();
	uint32_t seed = 42;
	bool allocated = true, aligned = true, intact = true;
	for (unsigned i = 0; i < N; i++) {
		sizes[i] = kmalloc_size(i, &seed);
		ptrs[i] = kmalloc(sizes[i]);
		allocated &= ptrs[i] != NULL;
		if (!ptrs[i])
			continue;
		size_t natural = sizes[i] <= 8 ? 8 : 1UL << (64 - __builtin_clzl(sizes[i] - 1));
		aligned &= IS_ALIGNED((uint64_t)ptrs[i], MIN(natural, PAGE_SIZE));
		memset(ptrs[i], (uint8_t)i, sizes[i]);
	}
	for (unsigned i = 0; i < N; i++)
		for (size_t j = 0; ptrs[i] && j < sizes[i]; j++)
			intact &= ptrs[i][j] == (uint8_t)i;
	SELFTEST_CHECK(t, allocated);
	SELFTEST_CHECK(t, aligned);
	SELFTEST_CHECK(t, intact);
	SELFTEST_CHECK(t, slab_nr_pages() > slab0);
	for (unsigned i = 0; i < N; i += 2) /* odd ones first, then even: slabs empty out of order */
		kfree(ptrs[i + 1]);
	for (unsigned i = 0; i < N; i += 2)
		kfree(ptrs[i]);

	uint8_t *z = kzalloc(3000);
	bool zero = z != NULL;
	for (size_t j = 0; z && j < 3000; j++)
		zero &= z[j] == 0;
	kfree(z);
	SELFTEST_CHECK(t, zero);
	SELFTEST_CHECK(t, kmalloc(0) == NULL && kmalloc(KMALLOC_MAX + 1) == NULL);
	kfree(NULL);
	SELFTEST_CHECK(t, slab_nr_pages() == slab0);
	SELFTEST_CHECK(t, nr_free_pages() == free0);
}

static void test_slab_cache(struct selftest *t)
{
	enum { N = 1000 };
	static uint64_t *objs[N];
	uint64_t free0 = nr_free_pages(), slab0 = slab_nr_pages();
	struct kmem_cache *c = kmem_cache_create("selftest-48", 48, 16);
	SELFTEST_CHECK(t, c != NULL);
	if (!c)
		return;
	bool allocated = true, aligned = true, intact = true;
	for (unsigned i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c);
		allocated &= objs[i] != NULL;
		aligned &= IS_ALIGNED((uint64_t)objs[i], 16);
		if (objs[i])
			objs[i][0] = objs[i][5] = i;
	}
	for (unsigned i = 0; i < N; i++)
		intact &= !objs[i] || (objs[i][0] == i && objs[i][5] == i);
	SELFTEST_CHECK(t, allocated && aligned && intact);
	SELFTEST_CHECK(t, c->nr_inuse == N && c->nr_slabs == DIV_ROUND_UP(N, c->per_slab));
	for (unsigned i = 0; i < N; i++) /* a stride through the slabs */
		kmem_cache_free(c, objs[(i * 7) % N]);
	SELFTEST_CHECK(t, c->nr_inuse == 0 && c->nr_slabs == 0);
	kmem_cache_destroy(c);
	SELFTEST_CHECK(t, slab_nr_pages() == slab0);
	SELFTEST_CHECK(t, nr_free_pages() == free0);
}

/* pgtable_destroy's release callback: free the frame, count it. */
static void release_frame(void *arg, uint64_t va, const struct pte_info *pte)
{
	free_page(pfn_to_page(PFN_DOWN(pte->pa)));
	(*(unsigned *)arg)++;
}

/* Map, look up, write through the MMU, protect, clear accessed/dirty, unmap, destroy, in a
 * scratch address space. */
static void test_pgtable(struct selftest *t)
{
	static const uint64_t vas[] = { USER_BASE, 0x400000, 0x401000, 0x40000000, USER_END - PAGE_SIZE };
	enum { N = ARRAY_SIZE(vas) };
	const unsigned rw = MMU_READ | MMU_WRITE | MMU_USER;
	uint64_t free0 = nr_free_pages(), tables0 = pgtable_nr_pages();
	struct pgtable pt;
	int err = pgtable_create(&pt);
	SELFTEST_CHECK(t, err == 0);
	if (err)
		return;
	struct page *frames[N];
	unsigned released = 0;
	bool mapped = true, looked_up = true;
	for (unsigned i = 0; i < N; i++) {
		frames[i] = alloc_page();
		if (frames[i] && pgtable_map(&pt, vas[i], page_to_phys(frames[i]), rw)) {
			free_page(frames[i]);
			frames[i] = NULL;
		}
		mapped &= frames[i] != NULL;
	}
	SELFTEST_CHECK(t, mapped);
	if (!mapped) {
		pgtable_destroy(&pt, release_frame, &released);
		return;
	}
	SELFTEST_CHECK(t, pgtable_map(&pt, vas[1], page_to_phys(frames[0]), rw) == -EEXIST);
	for (unsigned i = 0; i < N; i++) {
		struct pte_info pi;
		looked_up &= pgtable_lookup(&pt, vas[i] + 123, &pi) && pi.pa == page_to_phys(frames[i]) &&
			     pi.prot == rw;
	}
	SELFTEST_CHECK(t, looked_up);
	struct pte_info pi;
	SELFTEST_CHECK(t, !pgtable_lookup(&pt, 0x402000, &pi) && !pgtable_lookup(&pt, 0, &pi));

	/* Through the MMU: the kernel half is shared, so this code runs on in pt. (SMAP, which
	 * would forbid these kernel accesses to user pages, is off: qemu64 lacks it.) */
	uint64_t irq = irq_save(); /* no switch away while pt is loaded */
	pgtable_activate(&pt);
	for (unsigned i = 0; i < N; i++)
		*(volatile uint64_t *)vas[i] = 0x5e1f7e57 + i;
	mm_activate(current()->mm); /* back to this task's own tables */
	irq_restore(irq);
	bool written = true;
	for (unsigned i = 0; i < N; i++)
		written &= *(uint64_t *)page_address(frames[i]) == 0x5e1f7e57 + i;
	SELFTEST_CHECK(t, written);

	const unsigned ad = MMU_ACCESSED | MMU_DIRTY;
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[1], &pi) && (pi.prot & ad) == ad);
	SELFTEST_CHECK(t, pgtable_test_and_clear(&pt, vas[1], MMU_DIRTY) == MMU_DIRTY);
	SELFTEST_CHECK(t, pgtable_test_and_clear(&pt, vas[1], ad) == MMU_ACCESSED);
	SELFTEST_CHECK(t, pgtable_test_and_clear(&pt, vas[1], ad) == 0);
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[2], &pi) && (pi.prot & ad) == ad);

	struct pte_info old;
	SELFTEST_CHECK(t, pgtable_protect(&pt, vas[2], MMU_READ | MMU_USER | MMU_EXEC, &old) &&
			  old.prot == (rw | ad) && old.pa == page_to_phys(frames[2]));
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[2], &pi) &&
			  pi.prot == (MMU_READ | MMU_USER | MMU_EXEC | ad) && pi.pa == old.pa);
	SELFTEST_CHECK(t, !pgtable_protect(&pt, 0x402000, rw, NULL));
	SELFTEST_CHECK(t, pgtable_test_and_clear(&pt, 0x402000, ad) == 0);

	/* ksmd's cleaning: the dirty bit goes, reported as it was; the next write sets it. And
	 * PROT_NONE: kept in the tables, reachable by no access, and back. */
	struct pte_entry e;
	uint64_t at = vas[3];
	SELFTEST_CHECK(t, pgtable_next_batch(&pt, &at, vas[3] + PAGE_SIZE, PGTABLE_CLEAN, &e, 1) == 1 &&
			  e.va == vas[3] && (e.pte.prot & MMU_DIRTY));
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[3], &pi) && !(pi.prot & MMU_DIRTY) && (pi.prot & MMU_ACCESSED));
	at = vas[3];
	SELFTEST_CHECK(t, pgtable_next_batch(&pt, &at, vas[3] + PAGE_SIZE, PGTABLE_CLEAN_AGE, &e, 1) == 1 &&
			  (e.pte.prot & MMU_ACCESSED));
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[3], &pi) && !(pi.prot & (MMU_DIRTY | MMU_ACCESSED)));
	SELFTEST_CHECK(t, pgtable_protect(&pt, vas[4], MMU_READ, NULL) && pgtable_lookup(&pt, vas[4], &pi) &&
			  pi.prot == (MMU_READ | ad) && pi.pa == page_to_phys(frames[4]));
	SELFTEST_CHECK(t, pgtable_protect(&pt, vas[4], rw, NULL));
	irq = irq_save();
	pgtable_activate(&pt);
	*(volatile uint64_t *)vas[3] = 3;
	*(volatile uint64_t *)vas[4] = 4;
	mm_activate(current()->mm);
	irq_restore(irq);
	SELFTEST_CHECK(t, pgtable_lookup(&pt, vas[3], &pi) && (pi.prot & ad) == ad);
	SELFTEST_CHECK(t, *(uint64_t *)page_address(frames[4]) == 4);
	/* A guard: out of ring 3's reach whatever protect gives it, until a replace lifts it. */
	const unsigned no_user = MMU_USER | MMU_WRITE;
	SELFTEST_CHECK(t, pgtable_protect(&pt, vas[4], rw | MMU_GUARD, NULL) && pgtable_lookup(&pt, vas[4], &pi) &&
			  (pi.prot & MMU_GUARD) && !(pi.prot & no_user) && pi.pa == page_to_phys(frames[4]));
	SELFTEST_CHECK(t, pgtable_protect(&pt, vas[4], rw, NULL) && pgtable_lookup(&pt, vas[4], &pi) &&
			  (pi.prot & MMU_GUARD) && !(pi.prot & no_user));
	SELFTEST_CHECK(t, pgtable_replace(&pt, vas[4], page_to_phys(frames[4]), rw, NULL) &&
			  pgtable_lookup(&pt, vas[4], &pi) && !(pi.prot & MMU_GUARD) && (pi.prot & no_user) == no_user);

	SELFTEST_CHECK(t, pgtable_unmap(&pt, vas[0], &old) && old.pa == page_to_phys(frames[0]));
	SELFTEST_CHECK(t, !pgtable_lookup(&pt, vas[0], &pi) && !pgtable_unmap(&pt, vas[0], NULL));
	free_page(frames[0]);
	SELFTEST_CHECK(t, pgtable_map(&pt, vas[0], page_to_phys(frames[1]), MMU_READ | MMU_USER) == 0 &&
			  pgtable_unmap(&pt, vas[0], NULL));

	pgtable_destroy(&pt, release_frame, &released);
	SELFTEST_CHECK(t, released == N - 1);
	SELFTEST_CHECK(t, pgtable_nr_pages() == tables0);
	SELFTEST_CHECK(t, nr_free_pages() == free0);
}

/* va is mapped, to its own frame, with exactly the protection want. */
static bool kernel_prot(uint64_t va, unsigned want)
{
	struct pte_info pi;
	const unsigned mask = MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER | MMU_NOCACHE | MMU_GLOBAL;
	return pgtable_lookup(&kernel_pgtable, va, &pi) && (pi.prot & mask) == want &&
	       pi.pa == virt_to_phys((const void *)(va & PAGE_MASK));
}

/* The kernel's own tables: W^X image, NX direct map, nothing at low or fault addresses. */
static void test_kernel_map(struct selftest *t)
{
	static int data_probe;
	const unsigned g = MMU_READ | MMU_GLOBAL;
	SELFTEST_CHECK(t, kernel_prot((uint64_t)__text_start, g | MMU_EXEC));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)test_kernel_map, g | MMU_EXEC));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)__rodata_start, g));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)&data_probe, g | MMU_WRITE));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)__bss_end - 1, g | MMU_WRITE));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)mem_map, g | MMU_WRITE));
	SELFTEST_CHECK(t, kernel_prot((uint64_t)phys_to_virt(0x9f000), g | MMU_WRITE)); /* EBDA */
	struct pte_info pi;
	SELFTEST_CHECK(t, pgtable_lookup(&kernel_pgtable, (uint64_t)phys_to_virt(MiB(2)), &pi) &&
			  (pi.prot & MMU_HUGE));
	const struct memmap *ram = mm_usable_ram();
	uint64_t last = ram->r[ram->n - 1].end - PAGE_SIZE;
	SELFTEST_CHECK(t, kernel_prot((uint64_t)phys_to_virt(last), g | MMU_WRITE));
	SELFTEST_CHECK(t, !pgtable_lookup(&kernel_pgtable, 0, &pi));
	SELFTEST_CHECK(t, !pgtable_lookup(&kernel_pgtable, (uint64_t)__kernel_phys_start, &pi));
	SELFTEST_CHECK(t, !pgtable_lookup(&kernel_pgtable, KERNEL_VMA + (uint64_t)__kernel_phys_start, &pi));
	SELFTEST_CHECK(t, !pgtable_lookup(&kernel_pgtable, FAULT_TEST_VA, &pi));
	SELFTEST_CHECK(t, !pgtable_lookup(&kernel_pgtable, (uint64_t)phys_to_virt(0xfee00000), &pi));
}

void mm_selftest(struct selftest *t)
{
	/* The tests empty the allocator on purpose and count every frame: reclaim must not
	 * move their pages, nor the watermarks turn their allocations down early. */
	reclaim_disable(true);
	test_frames(t);
	test_kmalloc(t);
	test_slab_cache(t);
	test_pgtable(t);
	test_kernel_map(t);
	selftest_as(t);
	selftest_mmap(t);
	reclaim_disable(false);
}
