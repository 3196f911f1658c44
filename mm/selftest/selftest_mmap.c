/* Address-space self-test, part 2: the mmap family's argument checks and errno values,
 * placement (hints, top-down search, MAP_FIXED replacing, MAP_FIXED_NOREPLACE), brk,
 * the KSM flags (madvise, merge-any), the user-copy functions on the current task with bad
 * pointers, and out-of-memory at every step of a fork and of a fault leaking nothing. */
#include "mm/selftest/selftest_as.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "kernel/task.h"
#include "arch-x86_64/cpu.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

static void test_errors(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	static const uint8_t data[16];
	struct vma_file f = { data, sizeof(data), 0, "f" };
	SELFTEST_CHECK(t, mm_mmap(m, 0, 0, RW, ANON, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), 8, ANON, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), RW, MAP_ANONYMOUS, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), RW, MAP_ANONYMOUS | 4, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0x20000001, PG(1), RW, ANON | MAP_FIXED, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0x20000001, PG(1), RW, ANON | MAP_FIXED_NOREPLACE, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0, -1UL, RW, ANON, NULL) == -ENOMEM);
	SELFTEST_CHECK(t, mm_mmap(m, 0, USER_END + PG(1), RW, ANON, NULL) == -ENOMEM);
	SELFTEST_CHECK(t, mm_mmap(m, USER_END - PG(1), PG(2), RW, ANON | MAP_FIXED, NULL) == -ENOMEM);
	SELFTEST_CHECK(t, mm_mmap(m, 0x1000, PG(1), RW, ANON | MAP_FIXED, NULL) == -EPERM);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | 0x800000,
				  NULL) == -95 /* EOPNOTSUPP */);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), RW, ANON | MAP_HUGETLB, NULL) == -EINVAL);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), PROT_READ, MAP_SHARED, &f) == -EINVAL);
	/* File pages must end within 2^63 bytes (Linux's file_mmap_ok): -EOVERFLOW. */
	struct vma_file far = { data, sizeof(data), (1UL << 63) - PG(1), "f" };
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), PROT_READ, MAP_PRIVATE, &far) == -EOVERFLOW);
	SELFTEST_CHECK(t, mm_map_fixed(m, 0x20000000, PG(1), PROT_READ, &far) == -EOVERFLOW);
	far.offset = -PG(1);
	SELFTEST_CHECK(t, mm_mmap(m, 0, PG(1), PROT_READ, MAP_PRIVATE, &far) == -EOVERFLOW);
	SELFTEST_CHECK(t, m->vmas.count == 0);

	/* MAP_FIXED, MAP_FIXED_NOREPLACE, replacing populated pages. */
	const uint64_t x = 0x20000000;
	SELFTEST_CHECK(t, mm_mmap(m, x, PG(4), RW, ANON | MAP_FIXED | MAP_POPULATE, NULL) == (long)x);
	SELFTEST_CHECK(t, m->rss_anon == 0); /* MAP_POPULATE is ignored: demand paging */
	static uint8_t page[PG(4)];
	memset(page, 0x5a, sizeof(page));
	SELFTEST_CHECK(t, mm_write(m, x, page, PG(4)) == 0 && m->rss_anon == 4);
	SELFTEST_CHECK(t, mm_mmap(m, x + PG(2), PG(4), RW, ANON | MAP_FIXED_NOREPLACE, NULL) == -EEXIST);
	SELFTEST_CHECK(t, mm_mmap(m, x + PG(4), PG(1), RW, ANON | MAP_FIXED_NOREPLACE, NULL) ==
			  (long)(x + PG(4)) && m->vmas.count == 1);
	SELFTEST_CHECK(t, mm_mmap(m, x + PG(1), PG(2), PROT_READ, ANON | MAP_FIXED, NULL) ==
			  (long)(x + PG(1)));
	uint8_t b[8];
	SELFTEST_CHECK(t, m->rss_anon == 2 && m->vmas.count == 3 && mm_read(m, x + PG(1), b, 8) == 0 &&
			  !b[0] && mm_read(m, x + PG(3), b, 8) == 0 && b[7] == 0x5a);
	/* Hints: honoured when free (rounded down, raised to MMAP_BOTTOM), else top-down. */
	SELFTEST_CHECK(t, mm_mmap(m, 0x30000123, PG(1), RW, ANON, NULL) == 0x30000000);
	SELFTEST_CHECK(t, mm_mmap(m, 0x30000000, PG(1), RW, ANON, NULL) == (long)(MMAP_TOP - PG(1)));
	SELFTEST_CHECK(t, mm_mmap(m, 0x1000, PG(1), RW, ANON, NULL) == (long)MMAP_BOTTOM);
	SELFTEST_CHECK(t, mm_mmap(m, 0x100, PG(1), RW, ANON, NULL) == (long)(MMAP_TOP - PG(2))); /* 0: no hint */
	SELFTEST_CHECK(t, mm_mmap(m, USER_END - PG(1), PG(1), RW, ANON, NULL) == (long)(USER_END - PG(1)));
	SELFTEST_CHECK(t, mm_mmap(m, USER_END - PG(1), PG(2), RW, ANON, NULL) == (long)(MMAP_TOP - PG(4)));

	SELFTEST_CHECK(t, mm_munmap(m, x + 1, PG(1)) == -EINVAL && mm_munmap(m, x, 0) == -EINVAL);
	SELFTEST_CHECK(t, mm_munmap(m, USER_END, PG(1)) == -EINVAL && mm_munmap(m, x, -1UL) == -EINVAL);
	SELFTEST_CHECK(t, mm_munmap(m, 0x50000000, PG(1)) == 0); /* nothing there: fine */
	/* The last mapping under a page table goes: so does the table, and here the page
	 * directory and PDPT above it too (nothing else populated below 512 GiB). */
	uint64_t tables = pgtable_nr_pages();
	SELFTEST_CHECK(t, mm_munmap(m, x, PG(5)) == 0 && !vma_find(&m->vmas, x + PG(4)) && !m->rss_anon);
	SELFTEST_CHECK(t, pgtable_nr_pages() == tables - 3);
	SELFTEST_CHECK(t, mm_mmap(m, x, PG(1), RW, ANON | MAP_FIXED, NULL) == (long)x &&
			  mm_write(m, x, "again", 6) == 0 && pgtable_nr_pages() == tables);
	SELFTEST_CHECK(t, mm_munmap(m, x, PG(1)) == 0 && pgtable_nr_pages() == tables - 3);

	SELFTEST_CHECK(t, mm_mprotect(m, 0x30000001, PG(1), PROT_READ) == -EINVAL);
	SELFTEST_CHECK(t, mm_mprotect(m, 0x30000000, PG(1), 8) == -EINVAL);
	SELFTEST_CHECK(t, mm_mprotect(m, x, 0, PROT_READ) == 0);
	SELFTEST_CHECK(t, mm_mprotect(m, x, PG(1), PROT_READ) == -ENOMEM);
	SELFTEST_CHECK(t, mm_mprotect(m, 0x30000000, PG(2), PROT_READ) == -ENOMEM);
	SELFTEST_CHECK(t, mm_mprotect(m, 0x30000000, -1UL, PROT_READ) == -ENOMEM);

	SELFTEST_CHECK(t, mm_madvise(m, 0x30000000, PG(1), 100) == -EINVAL);
	SELFTEST_CHECK(t, mm_madvise(m, 0x30000000, PG(1), 10 /* MADV_DONTFORK */) == -EINVAL);
	SELFTEST_CHECK(t, mm_madvise(m, 0x30000001, PG(1), MADV_DONTNEED) == -EINVAL);
	SELFTEST_CHECK(t, mm_madvise(m, 0x30000000, -1UL, MADV_DONTNEED) == -EINVAL);
	SELFTEST_CHECK(t, mm_madvise(m, x, 0, MADV_DONTNEED) == 0);
	SELFTEST_CHECK(t, mm_madvise(m, x, PG(1), MADV_WILLNEED) == -ENOMEM);
	SELFTEST_CHECK(t, mm_madvise(m, 0x30000000, PG(1), MADV_SEQUENTIAL) == 0);
	SELFTEST_CHECK(t, as_consistent(m));
	/* References: mm_tryget fails once the last one is gone (checked on a live mm only). */
	SELFTEST_CHECK(t, mm_tryget(m) && m->users == 2);
	mm_put(m);
	mm_put(m);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

static bool all_vmas(struct mm *m, uint32_t flag, bool shared_too)
{
	bool ok = true;
	struct vma *v;
	vma_for_each(v, &m->vmas)
		ok &= !!(v->flags & flag) == (shared_too || !(v->flags & VMA_SHARED));
	return ok;
}

static void test_brk_merge(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	const uint64_t h = 0x5000000;
	SELFTEST_CHECK(t, mm_brk(m, 0) == 0 && mm_brk(m, h) == 0); /* no heap set up */
	m->brk_start = m->brk = h;
	SELFTEST_CHECK(t, mm_brk(m, 0) == h && mm_brk(m, h + 10000) == h + 10000);
	struct vma *v = vma_find(&m->vmas, h);
	SELFTEST_CHECK(t, v && v->flags == (VMA_READ | VMA_WRITE | VMA_HEAP) && v->end == h + PG(3));
	static uint8_t fillb[PG(3)];
	SELFTEST_CHECK(t, mm_write(m, h, fillb, PG(3)) == 0 && m->rss_anon == 3);
	SELFTEST_CHECK(t, mm_brk(m, h + 1) == h + 1 && m->rss_anon == 1 && vma_find(&m->vmas, h)->end == h + PG(1));
	SELFTEST_CHECK(t, mm_brk(m, h - PG(1)) == h + 1);
	SELFTEST_CHECK(t, mm_mmap(m, h + PG(16), PG(1), RW, ANON | MAP_FIXED, NULL) == (long)(h + PG(16)));
	SELFTEST_CHECK(t, mm_brk(m, h + PG(32)) == h + 1); /* never into another mapping */
	SELFTEST_CHECK(t, mm_brk(m, h + PG(16)) == h + PG(16) && m->vmas.count == 2);

	/* merge-any: every private VMA becomes mergeable, and new ones; off clears them. */
	uint64_t sh = (uint64_t)mm_mmap(m, 0, PG(1), RW, MAP_SHARED | MAP_ANONYMOUS, NULL);
	SELFTEST_CHECK(t, mm_set_merge_any(m, true) == 0 && m->merge_any);
	SELFTEST_CHECK(t, all_vmas(m, VMA_MERGEABLE, false) && m->vmas.count == 3);
	uint64_t n = (uint64_t)mm_mmap(m, 0, PG(1), RW, ANON, NULL);
	SELFTEST_CHECK(t, n == sh - PG(1) && (vma_find(&m->vmas, n)->flags & VMA_MERGEABLE));
	SELFTEST_CHECK(t, mm_brk(m, h + PG(17)) == h + PG(16)); /* the mapping at h + 16 pages */
	SELFTEST_CHECK(t, mm_munmap(m, h + PG(16), PG(1)) == 0 && mm_brk(m, h + PG(17)) == h + PG(17));
	v = vma_find(&m->vmas, h);
	SELFTEST_CHECK(t, v && v->end == h + PG(17) && (v->flags & VMA_MERGEABLE));
	struct mm *c = mm_fork(m);
	SELFTEST_CHECK(t, c && c->merge_any && all_vmas(c, VMA_MERGEABLE, false) && c->brk == m->brk);
	if (c)
		mm_put(c);
	SELFTEST_CHECK(t, mm_set_merge_any(m, false) == 0 && !m->merge_any);
	bool none = true;
	vma_for_each(v, &m->vmas)
		none &= !(v->flags & VMA_MERGEABLE);
	SELFTEST_CHECK(t, none);

	/* MADV_MERGEABLE on part of a VMA splits it; UNMERGEABLE merges it back. */
	uint64_t a = (uint64_t)mm_mmap(m, 0x40000000, PG(4), RW, ANON, NULL);
	unsigned count = m->vmas.count;
	SELFTEST_CHECK(t, mm_madvise(m, a + PG(1), PG(2), MADV_MERGEABLE) == 0 && m->vmas.count == count + 2);
	SELFTEST_CHECK(t, (vma_find(&m->vmas, a + PG(2))->flags & VMA_MERGEABLE) &&
			  !(vma_find(&m->vmas, a)->flags & VMA_MERGEABLE));
	SELFTEST_CHECK(t, mm_madvise(m, a, PG(8), MADV_UNMERGEABLE) == -ENOMEM && m->vmas.count == count);
	SELFTEST_CHECK(t, as_consistent(m));
	mm_put(m);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

/* copy_{to,from}_user and strncpy_from_user work on current's mm: lend it one. */
static void test_uaccess(struct selftest *t)
{
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	uint64_t a = (uint64_t)mm_mmap(m, 0, PG(2), RW, ANON, NULL);
	uint64_t ro = (uint64_t)mm_mmap(m, 0, PG(1), PROT_READ, ANON, NULL);
	uint64_t none = (uint64_t)mm_mmap(m, 0, PG(1), PROT_NONE, ANON, NULL);
	SELFTEST_CHECK(t, a == MMAP_TOP - PG(2) && ro == a - PG(1) && none == ro - PG(1));
	struct task *cur = current();
	struct mm *saved = cur->mm;
	uint64_t irq = irq_save(); /* the user copies reach m's pages through the MMU */
	cur->mm = m;
	mm_activate(m);
	irq_restore(irq);
	char k[32];
	SELFTEST_CHECK(t, copy_to_user((void *)a, "hello", 6) == 0);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)a, 6) == 0 && !strcmp(k, "hello"));
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)a, sizeof(k)) == 5 && !strcmp(k, "hello"));
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)a, 6) == 5);
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)a, 5) == -ENAMETOOLONG);
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)a, 0) == -ENAMETOOLONG);
	uint64_t end = a + PG(2); /* unmapped from here */
	SELFTEST_CHECK(t, copy_to_user((void *)(end - 3), "xy", 3) == 0);
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)(end - 3), sizeof(k)) == 2 && !strcmp(k, "xy"));
	SELFTEST_CHECK(t, copy_to_user((void *)(end - 3), "abc", 3) == 0);
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)(end - 3), sizeof(k)) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)(end - 4), 8) == -EFAULT);
	SELFTEST_CHECK(t, copy_to_user((void *)(end - 4), k, 8) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)ro, 4) == 0 && !k[0] && !k[3]);
	SELFTEST_CHECK(t, copy_to_user((void *)ro, "x", 1) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)none, 1) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)DIRECT_MAP_BASE, 8) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)KERNEL_VMA, 8) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)(USER_END - 4), 8) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, (const void *)-8UL, 16) == -EFAULT);
	SELFTEST_CHECK(t, copy_from_user(k, NULL, 1) == -EFAULT && copy_from_user(k, NULL, 0) == 0);
	SELFTEST_CHECK(t, strncpy_from_user(k, (const char *)USER_END, 8) == -EFAULT);
	irq = irq_save();
	cur->mm = saved;
	mm_activate(saved);
	irq_restore(irq);
	SELFTEST_CHECK(t, saved || copy_from_user(k, (const void *)a, 1) == -EFAULT); /* no mm */
	/* A write through the direct map sets no dirty bit: ksmd learns of it by the count. */
	uint64_t writes = m->kernel_writes;
	SELFTEST_CHECK(t, mm_write(m, a, "k", 1) == 0 && m->kernel_writes == writes + 1);
	SELFTEST_CHECK(t, mm_read(m, a, k, 1) == 0 && m->kernel_writes == writes + 1 && k[0] == 'k');
	SELFTEST_CHECK(t, as_consistent(m));
	mm_put(m);
}

/* Hold every free frame but n (blocks on held, through their ->list). */
static void hold_all_but(struct list_head *held, uint64_t n)
{
	for (unsigned order = MAX_ORDER;;) {
		struct page *p = alloc_pages(order);
		if (p)
			list_add(&p->list, held);
		else if (order)
			order--;
		else
			break;
	}
	while (nr_free_pages() < n && !list_empty(held)) { /* smallest blocks first */
		struct page *p = list_first_entry(held, struct page, list);
		list_del(&p->list);
		free_pages(p, p->order);
	}
	while (nr_free_pages() > n) {
		struct page *p = alloc_page();
		if (!p)
			break;
		list_add(&p->list, held);
	}
}

static void release_held(struct list_head *held)
{
	while (!list_empty(held)) {
		struct page *p = list_first_entry(held, struct page, list);
		list_del(&p->list);
		free_pages(p, p->order);
	}
}

/* Out of memory at each allocation a fork or a fault makes: they fail cleanly (NULL or
 * -ENOMEM), leave the parent consistent and give back every frame. */
static void test_oom(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct mm *m = mm_create();
	if (!m) {
		SELFTEST_CHECK(t, m != NULL);
		return;
	}
	uint64_t a = (uint64_t)mm_mmap(m, 0, PG(8), RW, ANON, NULL);
	uint64_t s = (uint64_t)mm_mmap(m, 0, PG(2), RW, MAP_SHARED | MAP_ANONYMOUS, NULL);
	static uint8_t six[PG(6)];
	bool setup = mm_write(m, a, six, PG(6)) == 0 && mm_read(m, a + PG(7), six, 1) == 0 &&
		     mm_write(m, s, "s", 1) == 0 && mm_map_fixed(m, 0x7000000000, PG(1), RW, NULL) == 0 &&
		     mm_write(m, 0x7000000000, "far", 3) == 0;
	SELFTEST_CHECK(t, setup);
	struct list_head held;
	bool exact = true, consistent = true;
	unsigned failed = 0, forked = 0, write_failed = 0;
	for (uint64_t n = 0; n < 24; n++) {
		list_init(&held);
		hold_all_but(&held, n);
		uint64_t before = nr_free_pages();
		struct mm *c = mm_fork(m);
		if (c) {
			forked++;
			int rc = mm_write(c, a + PG(1), "c", 1); /* a copy-on-write break */
			exact &= rc == 0 || rc == -ENOMEM;
			write_failed += rc == -ENOMEM;
			consistent &= as_consistent(c);
			mm_put(c);
		} else {
			failed++;
		}
		exact &= nr_free_pages() == before;
		consistent &= as_consistent(m);
		release_held(&held);
	}
	SELFTEST_CHECK(t, exact && consistent);
	SELFTEST_CHECK(t, failed > 0 && forked > 0 && write_failed > 0);
	list_init(&held);
	hold_all_but(&held, 0);
	SELFTEST_CHECK(t, mm_write(m, a + PG(7), "x", 1) == -ENOMEM); /* the zero page's copy */
	SELFTEST_CHECK(t, mm_handle_fault(m, a + PG(7), true, false) == -ENOMEM);
	SELFTEST_CHECK(t, mm_handle_fault(m, 0x7000000000, true, false) == 0); /* reuse */
	SELFTEST_CHECK(t, nr_free_pages() == 0 && as_consistent(m));
	release_held(&held);
	mm_put(m);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}

void selftest_mmap(struct selftest *t)
{
	if (!zero_page)
		return; /* selftest_as() reported it */
	test_errors(t);
	test_brk_merge(t);
	test_uaccess(t);
	test_oom(t);
	selftest_random(t);
}
