/* Helpers shared by the address-space self-tests (selftest_as.c, selftest_mmap.c, selftest_random.c): PTE and
 * page inspection, and a whole-address-space consistency check. */
#ifndef MM_SELFTEST_AS_H
#define MM_SELFTEST_AS_H

#include "mm/mapping.h"
#include "kernel/selftest.h"

#define PG(n) ((uint64_t)(n) * PAGE_SIZE)
#define RW    (PROT_READ | PROT_WRITE)
#define ANON  (MAP_PRIVATE | MAP_ANONYMOUS)

/* The page mapped at va in mm (NULL if none), its PTE protection in *prot if not NULL. */
struct page *as_page(struct mm *mm, uint64_t va, unsigned *prot);
/* Every invariant of mm (mapping.h, rmap.h) holds: each PTE lies in a VMA and has the
 * protection the VMA and the page allow, each page is on the reverse map exactly as often
 * as mapped, references cover mappings, rss counts what is mapped. Prints what fails. */
bool as_consistent(struct mm *mm);

/* Counters that must come back exactly once a test has dropped its address spaces. */
struct as_counts {
	uint64_t free, tables, slab, rmap;
};
void as_counts_take(struct as_counts *c);
bool as_counts_same(const struct as_counts *c);

/* The parts of the address-space self-test, called by mm_selftest(). */
void selftest_as(struct selftest *t);
void selftest_mmap(struct selftest *t);
void selftest_random(struct selftest *t);

#endif
