/* Address-space self-test, part 1: demand paging and the zero page, fork and copy-on-write
 * (sharing and breaking, seen in the PTEs and in the pages' references, mapcounts and
 * reverse maps), munmap/mprotect/madvise effects on pages, file-backed and shared
 * anonymous memory, and the MMU's view; every frame comes back when the address spaces go.
 * All on address spaces no task runs, through mm_read/mm_write and mm_handle_fault. */
#include "mm/selftest/selftest_as.h"
#include "mm/page_alloc.h"
#include "mm/page_ref.h"
#include "mm/pgtable.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "arch-x86_64/cpu.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define PM_PRESENT   (1UL << 63)
#define PM_EXCLUSIVE (1UL << 56)
#define PM_SHARED    (1UL << 61)

struct page *as_page(struct mm *mm, uint64_t va, unsigned *prot)
{
	struct pte_info pi;
	bool present = pgtable_lookup(&mm->pt, va, &pi);
	if (prot)
		*prot = present ? pi.prot : 0;
	if (!present)
		return NULL;
	return pfn_to_page(PFN_DOWN(pi.pa));
}

static bool count_rmap_entry(void *ctx, struct mm *mm, uint64_t va)
{
	return true;
}

#define EXPECT(cond, ...) do { if (!(cond)) { printk("as_consistent: " __VA_ARGS__); ok = false; } } while (0)

bool as_consistent(struct mm *mm)
{
	bool ok = true;
	uint64_t anon = 0, shmem = 0;
	struct pte_info pte;
	mutex_lock(&mm->lock);
	for (uint64_t va = 0; pgtable_next(&mm->pt, &va, USER_END, &pte); va += PAGE_SIZE) {
		struct vma *v = vma_find(&mm->vmas, va);
		struct page *p = pfn_to_page(PFN_DOWN(pte.pa));
		unsigned prot = pte.prot & (MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER);
		EXPECT(v, "PTE at %#lx outside any VMA\n", va);
		if (!v)
			continue;
		EXPECT(prot == pte_prot_for(v->flags, p) ||
		       (!(prot & MMU_WRITE) && prot == (pte_prot_for(v->flags, p) & ~MMU_WRITE)),
		       "PTE at %#lx has prot %#x for VMA flags %#x\n", va, prot, v->flags);
		if (is_zero_page(p)) {
			EXPECT(!(v->flags & VMA_SHARED), "zero page in a shared VMA at %#lx\n", va);
			continue;
		}
		bool sh = page_test(p, PG_SHMEM);
		EXPECT(page_test(p, PG_ANON) != sh, "page at %#lx is neither anon nor shmem\n", va);
		EXPECT(sh == !!(v->flags & VMA_SHARED), "page kind at %#lx differs from its VMA\n", va);
		EXPECT(rmap_contains(p, mm, va), "page at %#lx misses its rmap entry\n", va);
		unsigned n = rmap_walk(p, count_rmap_entry, NULL);
		EXPECT((int32_t)n == page_mapcount(p), "page at %#lx: %u rmap entries, mapcount %d\n",
		       va, n, page_mapcount(p));
		EXPECT(page_refcount(p) >= page_mapcount(p) + sh, "page at %#lx: refcount %d\n", va,
		       page_refcount(p));
		if (sh)
			shmem++;
		else
			anon++;
	}
	EXPECT(anon == mm->rss_anon && shmem == mm->rss_shmem && !mm->rss_file,
	       "rss anon %lu/%lu shmem %lu/%lu\n", mm->rss_anon, anon, mm->rss_shmem, shmem);
	mutex_unlock(&mm->lock);
	return ok;
}

void as_counts_take(struct as_counts *c)
{
	c->free = nr_free_pages();
	c->tables = pgtable_nr_pages();
	c->slab = slab_nr_pages();
	c->rmap = rmap_nr_entries();
}

bool as_counts_same(const struct as_counts *c)
{
	struct as_counts now;
	as_counts_take(&now);
	if (now.free != c->free || now.tables != c->tables || now.slab != c->slab || now.rmap != c->rmap)
		printk("selftest: free %lu/%lu tables %lu/%lu slab %lu/%lu rmap %lu/%lu\n", now.free,
		       c->free, now.tables, c->tables, now.slab, c->slab, now.rmap, c->rmap);
	return now.free == c->free && now.tables == c->tables && now.slab == c->slab &&
	       now.rmap == c->rmap;
}

static uint8_t buf[PAGE_SIZE];

static bool reads(struct mm *mm, uint64_t va, uint8_t byte, size_t n)
{
	memset(buf, ~byte, n);
	if (mm_read(mm, va, buf, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

static int fill(struct mm *mm, uint64_t va, uint8_t byte, size_t n)
{
	memset(buf, byte, n);
	return mm_write(mm, va, buf, n);
}

/* Demand zero, writes, fork, copy-on-write breaks and reuse, munmap, mprotect, DONTNEED. */
static void test_private(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *a = mm_create();
	SELFTEST_CHECK(t, a != NULL);
	if (!a)
		return;
	uint64_t base = (uint64_t)mm_mmap(a, 0, PG(16), RW, ANON, NULL);
	SELFTEST_CHECK(t, base == MMAP_TOP - PG(16));
	uint64_t va = 0;
	struct pte_info pi;
	SELFTEST_CHECK(t, !pgtable_next(&a->pt, &va, USER_END, &pi)); /* nothing populated */

	/* A read of untouched memory maps the zero page read-only, uncounted. */
	unsigned prot;
	SELFTEST_CHECK(t, reads(a, base + 8, 0, 8));
	SELFTEST_CHECK(t, reads(a, base + PG(10), 0, PAGE_SIZE));
	SELFTEST_CHECK(t, as_page(a, base, &prot) == zero_page && !(prot & MMU_WRITE) && (prot & MMU_USER));
	SELFTEST_CHECK(t, a->rss_anon == 0 && page_mapcount(zero_page) == 0);
	SELFTEST_CHECK(t, mm_pagemap_entry(a, base) == (PM_PRESENT | page_to_pfn(zero_page)));
	SELFTEST_CHECK(t, mm_pagemap_entry(a, base + PG(1)) == 0);

	/* Writes: fresh exclusive pages (page 0 replaces its zero-page mapping). */
	bool written = true;
	for (unsigned i = 0; i < 4; i++)
		written &= fill(a, base + PG(i), (uint8_t)(i + 1), PAGE_SIZE) == 0;
	SELFTEST_CHECK(t, written);
	SELFTEST_CHECK(t, mm_write(a, base + PG(4) - 3, "abcdef", 6) == 0); /* across pages 3-4 */
	struct page *p0 = as_page(a, base, &prot);
	SELFTEST_CHECK(t, p0 && p0 != zero_page && page_test(p0, PG_ANON) && (prot & MMU_WRITE));
	SELFTEST_CHECK(t, p0 && page_mapcount(p0) == 1 && page_refcount(p0) == 1 &&
			  rmap_contains(p0, a, base));
	SELFTEST_CHECK(t, a->rss_anon == 5);
	SELFTEST_CHECK(t, mm_pagemap_entry(a, base) == (PM_PRESENT | PM_EXCLUSIVE | page_to_pfn(p0)));
	SELFTEST_CHECK(t, reads(a, base + PG(1), 2, PAGE_SIZE) && reads(a, base + PG(4) + 3, 0, 10));
	char s[7] = { 0 };
	SELFTEST_CHECK(t, mm_read(a, base + PG(4) - 3, s, 6) == 0 && !memcmp(s, "abcdef", 6));
	SELFTEST_CHECK(t, as_consistent(a));

	/* fork: every page shared read-only, the zero page too. */
	struct mm *b = mm_fork(a);
	SELFTEST_CHECK(t, b != NULL);
	if (!b) {
		mm_put(a);
		return;
	}
	bool shared = true;
	for (unsigned i = 0; i < 5; i++) {
		unsigned pa_prot, pb_prot;
		struct page *pa = as_page(a, base + PG(i), &pa_prot), *pb = as_page(b, base + PG(i), &pb_prot);
		shared &= pa && pa == pb && !(pa_prot & MMU_WRITE) && !(pb_prot & MMU_WRITE) &&
			  page_mapcount(pa) == 2 && page_refcount(pa) == 2 &&
			  rmap_contains(pa, a, base + PG(i)) && rmap_contains(pa, b, base + PG(i));
	}
	SELFTEST_CHECK(t, shared);
	SELFTEST_CHECK(t, as_page(b, base + PG(10), &prot) == zero_page && !(prot & MMU_WRITE));
	SELFTEST_CHECK(t, b->rss_anon == 5 && a->rss_anon == 5);
	SELFTEST_CHECK(t, mm_pagemap_entry(a, base) == (PM_PRESENT | page_to_pfn(p0))); /* not exclusive */
	SELFTEST_CHECK(t, as_consistent(a) && as_consistent(b));

	/* The child writes: it gets a copy; the parent keeps the page, still read-only. */
	SELFTEST_CHECK(t, mm_write(b, base, "X", 1) == 0);
	struct page *b0 = as_page(b, base, &prot);
	SELFTEST_CHECK(t, b0 && b0 != p0 && (prot & MMU_WRITE) && page_mapcount(b0) == 1);
	SELFTEST_CHECK(t, page_mapcount(p0) == 1 && page_refcount(p0) == 1 && !rmap_contains(p0, b, base));
	SELFTEST_CHECK(t, as_page(a, base, &prot) == p0 && !(prot & MMU_WRITE));
	SELFTEST_CHECK(t, reads(a, base, 1, PAGE_SIZE) && reads(b, base + 1, 1, PAGE_SIZE - 1));
	SELFTEST_CHECK(t, mm_read(b, base, s, 1) == 0 && s[0] == 'X');
	/* The parent writes: the page is its alone now, so it is reused in place. */
	SELFTEST_CHECK(t, mm_write(a, base, "Y", 1) == 0);
	SELFTEST_CHECK(t, as_page(a, base, &prot) == p0 && (prot & MMU_WRITE));
	/* A write fault on a page both still share copies; the other keeps it and reuses it. */
	struct page *p1 = as_page(a, base + PG(1), NULL);
	SELFTEST_CHECK(t, mm_handle_fault(a, base + PG(1) + 5, true, false) == 0);
	SELFTEST_CHECK(t, as_page(a, base + PG(1), &prot) != p1 && (prot & MMU_WRITE));
	SELFTEST_CHECK(t, p1 && page_mapcount(p1) == 1 && rmap_contains(p1, b, base + PG(1)));
	SELFTEST_CHECK(t, reads(a, base + PG(1), 2, PAGE_SIZE));
	SELFTEST_CHECK(t, mm_handle_fault(b, base + PG(1), true, false) == 0 &&
			  as_page(b, base + PG(1), &prot) == p1 && (prot & MMU_WRITE));
	/* Write to the zero page in the child: a fresh zeroed page, the parent unchanged. */
	SELFTEST_CHECK(t, mm_write(b, base + PG(10) + 100, "Z", 1) == 0);
	SELFTEST_CHECK(t, as_page(b, base + PG(10), NULL) != zero_page &&
			  as_page(a, base + PG(10), NULL) == zero_page);
	SELFTEST_CHECK(t, reads(b, base + PG(10), 0, 100) && reads(a, base + PG(10) + 100, 0, 1));
	SELFTEST_CHECK(t, b->rss_anon == 6 && a->rss_anon == 5);
	/* Faults the VMAs do not allow. */
	SELFTEST_CHECK(t, mm_handle_fault(a, base, false, true) == -EFAULT); /* exec */
	SELFTEST_CHECK(t, mm_handle_fault(a, base + PG(16), false, false) == -EFAULT);
	SELFTEST_CHECK(t, mm_handle_fault(a, base - 1, true, false) == -EFAULT);
	SELFTEST_CHECK(t, mm_handle_fault(a, USER_END, false, false) == -EFAULT);
	SELFTEST_CHECK(t, mm_handle_fault(a, base + 7, false, false) == 0); /* spurious: fine */
	SELFTEST_CHECK(t, as_consistent(a) && as_consistent(b));

	/* munmap in the middle of the child: its VMA splits, the parent's pages lose a sharer. */
	struct page *p2 = as_page(a, base + PG(2), NULL);
	SELFTEST_CHECK(t, mm_munmap(b, base + PG(2), PG(2)) == 0);
	SELFTEST_CHECK(t, b->vmas.count == 2 && b->vmas.bytes == PG(14));
	SELFTEST_CHECK(t, !as_page(b, base + PG(2), NULL) && mm_read(b, base + PG(3), s, 1) == -EFAULT);
	SELFTEST_CHECK(t, p2 && page_mapcount(p2) == 1 && page_refcount(p2) == 1 && b->rss_anon == 4);
	SELFTEST_CHECK(t, reads(a, base + PG(2), 3, PAGE_SIZE));

	/* mprotect: read-only drops write from the PTEs; back to read-write gives it back only
	 * where no copy-on-write is pending. */
	SELFTEST_CHECK(t, mm_mprotect(a, base, PG(16), PROT_READ) == 0);
	SELFTEST_CHECK(t, as_page(a, base, &prot) == p0 && !(prot & MMU_WRITE));
	SELFTEST_CHECK(t, mm_write(a, base, "W", 1) == -EFAULT);
	SELFTEST_CHECK(t, mm_handle_fault(a, base, true, false) == -EFAULT);
	SELFTEST_CHECK(t, mm_mprotect(a, base + PG(4), PG(1), RW) == 0 && a->vmas.count == 3);
	SELFTEST_CHECK(t, mm_mprotect(a, base, PG(16), RW) == 0 && a->vmas.count == 1);
	SELFTEST_CHECK(t, as_page(a, base, &prot) == p0 && (prot & MMU_WRITE)); /* exclusive */
	struct page *p4 = as_page(a, base + PG(4), &prot);
	SELFTEST_CHECK(t, p4 && page_mapcount(p4) == 2 && !(prot & MMU_WRITE)); /* still shared with b */
	SELFTEST_CHECK(t, mm_mprotect(b, base, PG(16), PROT_READ) == -ENOMEM); /* the hole */
	SELFTEST_CHECK(t, mm_mprotect(a, base, PG(1), PROT_NONE) == 0);
	SELFTEST_CHECK(t, as_page(a, base, &prot) == p0 && !(prot & MMU_USER));
	SELFTEST_CHECK(t, mm_read(a, base, s, 1) == -EFAULT &&
			  mm_handle_fault(a, base, false, false) == -EFAULT);
	SELFTEST_CHECK(t, mm_mprotect(a, base, PG(1), RW) == 0 && reads(a, base + 1, 1, 10));
	SELFTEST_CHECK(t, as_consistent(a) && as_consistent(b));

	/* MADV_DONTNEED: the pages go, private memory reads back zero; holes give -ENOMEM after
	 * the mapped parts were done. */
	uint64_t rss = a->rss_anon;
	SELFTEST_CHECK(t, mm_madvise(a, base, PG(2), MADV_DONTNEED) == 0);
	SELFTEST_CHECK(t, !as_page(a, base, NULL) && a->rss_anon == rss - 2);
	SELFTEST_CHECK(t, reads(a, base, 0, PAGE_SIZE) && as_page(a, base, NULL) == zero_page);
	SELFTEST_CHECK(t, mm_madvise(b, base, PG(16), MADV_DONTNEED) == -ENOMEM);
	SELFTEST_CHECK(t, b->rss_anon == 0 && p4 && page_mapcount(p4) == 1);
	SELFTEST_CHECK(t, as_consistent(a) && as_consistent(b));

	mm_put(b);
	SELFTEST_CHECK(t, as_consistent(a));
	mm_put(a);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

/* Exec-style file-backed mappings, the stack, statistics. */
static void test_file(struct selftest *t)
{
	static uint8_t data[3 * PAGE_SIZE];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	/* Read-only text: bytes past size (6000) read as zero; a page wholly past it is the
	 * zero page. */
	struct vma_file text = { data, 6000, 0, "/bin/x" };
	SELFTEST_CHECK(t, mm_map_fixed(m, 0x400000, PG(3), PROT_READ | PROT_EXEC, &text) == 0);
	uint8_t got[64];
	SELFTEST_CHECK(t, mm_read(m, 0x400000 + 100, got, 64) == 0 && !memcmp(got, data + 100, 64));
	SELFTEST_CHECK(t, mm_read(m, 0x401000 + 1900, got, 8) == 0 && !memcmp(got, data + 5996, 4) &&
			  !got[4] && !got[7]);
	SELFTEST_CHECK(t, reads(m, 0x402000, 0, PAGE_SIZE) && as_page(m, 0x402000, NULL) == zero_page);
	unsigned prot;
	struct page *tp = as_page(m, 0x400000, &prot);
	SELFTEST_CHECK(t, tp && page_test(tp, PG_ANON) && !(prot & MMU_WRITE) && (prot & MMU_EXEC));
	SELFTEST_CHECK(t, mm_write(m, 0x400000, "x", 1) == -EFAULT && m->rss_anon == 2);
	/* Writable data from file offset PG(1): private copies, writable. */
	struct vma_file dat = { data, sizeof(data), PG(1), "/bin/x" };
	SELFTEST_CHECK(t, mm_map_fixed(m, 0x600000, PG(2), RW, &dat) == 0);
	SELFTEST_CHECK(t, mm_write(m, 0x600000 + 10, "hi", 2) == 0);
	SELFTEST_CHECK(t, mm_read(m, 0x600000, got, 16) == 0 && !memcmp(got, data + PG(1), 10) &&
			  got[10] == 'h' && got[12] == data[PG(1) + 12]);
	SELFTEST_CHECK(t, data[PG(1) + 10] != 'h' || data[PG(1) + 11] != 'i'); /* the file is untouched */
	SELFTEST_CHECK(t, as_page(m, 0x600000, &prot) && (prot & MMU_WRITE));
	/* A fixed mapping replaces what was there, pages included. */
	SELFTEST_CHECK(t, mm_map_fixed(m, 0x400000, PG(1), RW, NULL) == 0);
	SELFTEST_CHECK(t, !as_page(m, 0x400000, NULL) && reads(m, 0x400000, 0, 64));
	SELFTEST_CHECK(t, mm_read(m, 0x401000, got, 8) == 0 && !memcmp(got, data + PG(1), 8));
	/* The stack: the anonymous mapping ending at stack_top. */
	SELFTEST_CHECK(t, mm_map_fixed(m, STACK_TOP - STACK_MAX, STACK_MAX, RW, NULL) == 0);
	struct vma *sv = vma_find(&m->vmas, STACK_TOP - 1);
	SELFTEST_CHECK(t, sv && (sv->flags & VMA_STACK) && sv->start == STACK_TOP - STACK_MAX);
	SELFTEST_CHECK(t, mm_write(m, STACK_TOP - 100, "argv", 5) == 0);
	SELFTEST_CHECK(t, mm_write(m, STACK_TOP - 2, "argv", 5) == -EFAULT);
	struct mm_stats st;
	mm_get_stats(m, &st);
	SELFTEST_CHECK(t, st.vm_size_kb == (PG(5) + STACK_MAX) >> 10 && st.vm_peak_kb == st.vm_size_kb);
	SELFTEST_CHECK(t, st.stack_kb == STACK_MAX >> 10 && st.exec_kb == 8 && st.data_kb == 4 + 8);
	SELFTEST_CHECK(t, st.rss_anon_kb == m->rss_anon * 4 && st.rss_kb == st.rss_anon_kb && !st.rss_file_kb);
	SELFTEST_CHECK(t, mm_munmap(m, 0x600000, PG(2)) == 0);
	mm_get_stats(m, &st);
	SELFTEST_CHECK(t, st.vm_size_kb == (PG(3) + STACK_MAX) >> 10 &&
			  st.vm_peak_kb == (PG(5) + STACK_MAX) >> 10 && st.data_kb == 4);
	SELFTEST_CHECK(t, as_consistent(m));
	mm_put(m);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

/* MAP_SHARED|MAP_ANONYMOUS: one object behind both sides of a fork, even for pages first
 * touched afterwards. */
static void test_shared(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *a = mm_create();
	if (!a) {
		SELFTEST_CHECK(t, a != NULL);
		return;
	}
	uint64_t s = (uint64_t)mm_mmap(a, 0, PG(4), RW, MAP_SHARED | MAP_ANONYMOUS, NULL);
	uint64_t p = (uint64_t)mm_mmap(a, 0, PG(2), RW, ANON, NULL);
	SELFTEST_CHECK(t, s == MMAP_TOP - PG(4) && p == s - PG(2));
	SELFTEST_CHECK(t, mm_write(a, s, "parent", 7) == 0);
	struct mm *b = mm_fork(a);
	if (!b) {
		SELFTEST_CHECK(t, b != NULL);
		mm_put(a);
		return;
	}
	unsigned pa, pb;
	struct page *sp = as_page(a, s, &pa);
	SELFTEST_CHECK(t, sp && sp == as_page(b, s, &pb) && (pa & MMU_WRITE) && (pb & MMU_WRITE));
	SELFTEST_CHECK(t, sp && page_test(sp, PG_SHMEM) && page_mapcount(sp) == 2 && page_refcount(sp) == 3);
	SELFTEST_CHECK(t, mm_pagemap_entry(a, s) == (PM_PRESENT | PM_SHARED | page_to_pfn(sp)));
	char got[8];
	SELFTEST_CHECK(t, mm_write(b, s + PG(2), "child", 6) == 0);
	SELFTEST_CHECK(t, mm_read(a, s + PG(2), got, 6) == 0 && !strcmp(got, "child"));
	SELFTEST_CHECK(t, mm_write(b, s, "CHILD", 6) == 0);
	SELFTEST_CHECK(t, mm_read(a, s, got, 6) == 0 && !strcmp(got, "CHILD"));
	SELFTEST_CHECK(t, a->rss_shmem == 2 && b->rss_shmem == 2 && !a->rss_anon);
	/* DONTNEED unmaps; the data stays in the object. */
	SELFTEST_CHECK(t, mm_madvise(a, s, PG(4), MADV_DONTNEED) == 0 && !a->rss_shmem);
	SELFTEST_CHECK(t, page_mapcount(sp) == 1 && page_refcount(sp) == 2);
	SELFTEST_CHECK(t, mm_read(a, s, got, 6) == 0 && !strcmp(got, "CHILD") && as_page(a, s, NULL) == sp);
	SELFTEST_CHECK(t, mm_madvise(a, s, PG(1), MADV_FREE) == -EINVAL);
	/* KSM advice: shared VMAs are left alone silently, private ones are marked. */
	SELFTEST_CHECK(t, mm_madvise(a, p, PG(6), MADV_MERGEABLE) == 0);
	SELFTEST_CHECK(t, !(vma_find(&a->vmas, s)->flags & VMA_MERGEABLE) &&
			  (vma_find(&a->vmas, p)->flags & VMA_MERGEABLE));
	/* A partial munmap splits the shared VMA; both halves keep the object. */
	SELFTEST_CHECK(t, mm_munmap(a, s + PG(1), PG(1)) == 0 && a->vmas.count == 3);
	SELFTEST_CHECK(t, mm_read(a, s + PG(2), got, 6) == 0 && !strcmp(got, "child"));
	SELFTEST_CHECK(t, mm_write(a, s + PG(3), "late", 5) == 0 && mm_read(b, s + PG(3), got, 5) == 0 &&
			  !strcmp(got, "late"));
	SELFTEST_CHECK(t, mm_mprotect(b, s, PG(4), PROT_READ) == 0 && mm_write(b, s, "x", 1) == -EFAULT);
	SELFTEST_CHECK(t, mm_mprotect(b, s, PG(4), RW) == 0 && mm_write(b, s, "x", 1) == 0);
	SELFTEST_CHECK(t, mm_read(a, s, got, 6) == 0 && !strcmp(got, "xHILD"));
	SELFTEST_CHECK(t, as_consistent(a) && as_consistent(b));
	mm_put(a);
	SELFTEST_CHECK(t, page_mapcount(sp) == 1 && page_refcount(sp) == 2); /* b and the object */
	SELFTEST_CHECK(t, as_consistent(b));
	mm_put(b);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

/* The MMU sees what the bookkeeping says: load the address space and read through it.
 * (SMAP, which would forbid these kernel accesses to user pages, is off: qemu64 lacks it;
 * only reads, as CR0.WP makes read-only PTEs binding on the kernel too.) */
static void test_mmu(struct selftest *t)
{
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	uint64_t a = (uint64_t)mm_mmap(m, 0, PG(2), RW, ANON, NULL);
	SELFTEST_CHECK(t, mm_write(m, a, "mmu!", 5) == 0 && reads(m, a + PG(1), 0, 1));
	struct mm *c = mm_fork(m);
	SELFTEST_CHECK(t, c && mm_write(c, a, "copy", 5) == 0);
	uint64_t irq = irq_save();
	mm_activate(m);
	bool mv = !memcmp((const void *)a, "mmu!", 5) && *(volatile uint64_t *)(a + PG(1)) == 0;
	mm_activate(c);
	bool cv = c && !memcmp((const void *)a, "copy", 5);
	mm_activate(NULL);
	irq_restore(irq);
	SELFTEST_CHECK(t, mv && cv);
	if (c)
		mm_put(c);
	mm_put(m);
}

void selftest_as(struct selftest *t)
{
	if (!zero_page) {
		printk("selftest: address spaces not initialised (addrspace_init)\n");
		t->failed++;
		return;
	}
	test_private(t);
	test_file(t);
	test_shared(t);
	test_mmu(t);
	bool zero = true;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		zero &= ((uint64_t *)page_address(zero_page))[i] == 0;
	SELFTEST_CHECK(t, zero && page_refcount(zero_page) == 1 && page_mapcount(zero_page) == 0);
}
