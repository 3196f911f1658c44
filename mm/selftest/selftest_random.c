/* Address-space self-test, part 3: random operations (fixed mmap, munmap, mprotect,
 * MADV_DONTNEED, writes, reads, faults, fork, exit) on a few related address spaces,
 * checked against a page-level model of each one's VMAs and contents, and with
 * as_consistent() (reverse maps, mapcounts, references, rss) after every step. */
#include "mm/selftest/selftest_as.h"
#include "lib/errno.h"
#include "kernel/printk.h"

#define WIN    0x10000000UL	/* the window the operations work in */
#define NP     48		/* its pages */
#define NMM    4
#define ROUNDS 1500
#define OFF    17		/* the byte of each page the model follows */

struct model {
	struct mm *mm;
	int8_t prot[NP];	/* -1: unmapped, else PROT_* */
	uint8_t val[NP];	/* byte OFF of the page */
};

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return (rnd_state >> 8) % n;
}

static uint64_t va_of(unsigned p) { return WIN + PG(p); }

static bool check_contents(struct model *m)
{
	bool ok = true;
	for (unsigned p = 0; p < NP; p++) {
		uint8_t b = 0xee;
		int rc = mm_read(m->mm, va_of(p) + OFF, &b, 1);
		if (m->prot[p] < 0 || !(m->prot[p] & PROT_READ))
			ok &= rc == -EFAULT;
		else
			ok &= rc == 0 && b == m->val[p];
	}
	return ok;
}

/* One random operation on ms[i]; false if its result differs from the model's. */
static bool step(struct model *ms, unsigned *n, unsigned i)
{
	struct model *m = &ms[i];
	unsigned a = rnd(NP), len = 1 + rnd(8), b = MIN(a + len, NP);
	int prot = (int)rnd(4) | (rnd(4) == 0 ? PROT_EXEC : 0); /* NONE, R, W, RW (+X) */
	bool all = true, ok = true;
	for (unsigned p = a; p < b; p++)
		all &= m->prot[p] >= 0;
	switch (rnd(10)) {
	case 0: /* mmap MAP_FIXED over whatever is there */
		ok = mm_mmap(m->mm, va_of(a), PG(b - a), prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			     NULL) == (long)va_of(a);
		for (unsigned p = a; p < b; p++) {
			m->prot[p] = (int8_t)prot;
			m->val[p] = 0;
		}
		break;
	case 1:
		ok = mm_munmap(m->mm, va_of(a), PG(b - a)) == 0;
		for (unsigned p = a; p < b; p++)
			m->prot[p] = -1;
		break;
	case 2:
		ok = mm_mprotect(m->mm, va_of(a), PG(b - a), prot) == (all ? 0 : -ENOMEM);
		for (unsigned p = a; p < b && all; p++)
			m->prot[p] = (int8_t)prot;
		break;
	case 3:
		ok = mm_madvise(m->mm, va_of(a), PG(b - a), MADV_DONTNEED) == (all ? 0 : -ENOMEM);
		for (unsigned p = a; p < b; p++)
			m->val[p] = 0;
		break;
	case 4: case 5: case 6: { /* a write */
		uint8_t v = (uint8_t)(1 + rnd(255));
		bool can = m->prot[a] >= 0 && (m->prot[a] & PROT_WRITE);
		ok = mm_write(m->mm, va_of(a) + OFF, &v, 1) == (can ? 0 : -EFAULT);
		if (can)
			m->val[a] = v;
		break;
	}
	case 7: { /* a user fault */
		bool write = rnd(2), can = m->prot[a] >= 0 && (write ? (m->prot[a] & PROT_WRITE) : m->prot[a]);
		ok = mm_handle_fault(m->mm, va_of(a) + OFF, write, false) == (can ? 0 : -EFAULT);
		break;
	}
	case 8: /* fork, or exit when full */
		if (*n < NMM) {
			ms[*n] = *m;
			ms[*n].mm = mm_fork(m->mm);
			ok = ms[*n].mm != NULL;
			*n += ok;
		} else {
			mm_put(m->mm);
			ms[i] = ms[--*n];
		}
		break;
	default:
		ok = check_contents(m);
	}
	return ok;
}

void selftest_random(struct selftest *t)
{
	struct as_counts c0;
	as_counts_take(&c0);
	struct model ms[NMM];
	unsigned n = 1;
	ms[0].mm = mm_create();
	if (!ms[0].mm) {
		SELFTEST_CHECK(t, ms[0].mm != NULL);
		return;
	}
	for (unsigned p = 0; p < NP; p++) {
		ms[0].prot[p] = -1;
		ms[0].val[p] = 0;
	}
	rnd_state = 2024;
	bool ok = true, consistent = true;
	for (unsigned r = 0; r < ROUNDS && ok && consistent; r++) {
		unsigned i = rnd(n);
		ok &= step(ms, &n, i);
		if (!ok)
			printk("selftest_random: round %u differs from the model\n", r);
		for (unsigned j = 0; j < n; j++)
			consistent &= as_consistent(ms[j].mm);
	}
	for (unsigned j = 0; j < n; j++)
		ok &= check_contents(&ms[j]);
	SELFTEST_CHECK(t, ok);
	SELFTEST_CHECK(t, consistent);
	for (unsigned j = 0; j < n; j++)
		mm_put(ms[j].mm);
	SELFTEST_CHECK(t, as_counts_same(&c0));
}
