/* Shared anonymous memory (mmap MAP_SHARED|MAP_ANONYMOUS): the pages live in an object that
 * every VMA mapping them references, whichever address space the VMA is in (fork shares
 * the object). A fault in such a VMA maps the object's page for that offset, allocating it
 * zero-filled the first time, so every sharer sees the same bytes even when the page was
 * first touched after the fork. MADV_DONTNEED only unmaps: the data stays in the object
 * until its last VMA goes.
 *
 * Each page held by an object is PG_SHMEM with one reference owned by the object; every
 * PTE that maps it adds a reference, a mapcount and a reverse-map entry (rmap.h).
 * Locking: s->lock (spinlock, a leaf apart from the buddy/slab locks) guards the slots;
 * references are atomic. */
#ifndef MM_SHMEM_H
#define MM_SHMEM_H

#include "lib/compiler.h"
#include "mm/page.h"
#include "arch-x86_64/spinlock.h"

#define SHMEM_LEAF 512	/* slots per leaf array (one 4 KiB kmalloc block) */

struct shmem {
	int refs;			/* atomic: VMAs that reference it */
	uint64_t serial;		/* [const] unique for ever: names the object even after
					 * it is gone (futex keys, mm_uword_key) */
	spinlock_t lock;		/* guards the slot arrays and npresent */
	uint64_t npages;		/* size */
	uint64_t npresent;		/* pages held */
	unsigned nleaves;
	struct page ***leaves;		/* leaves[i / SHMEM_LEAF][i % SHMEM_LEAF], leaf arrays
					 * allocated on first use */
};

/* An object of size bytes (rounded up to pages) with one reference; NULL when out of
 * memory or larger than the slot directory allows (ENOMEM). */
struct shmem *shmem_create(uint64_t size);
void shmem_get(struct shmem *s);
/* Drop a reference; the last one drops every page the object holds and frees it. */
void shmem_put(struct shmem *s);
/* The page at page index idx, allocated zero-filled when the object has none there yet,
 * with one more reference for the caller (the mapping about to be made). NULL when out of
 * memory. */
struct page *shmem_page(struct shmem *s, uint64_t idx);
/* The same for a page the object must not hold yet (userfaultfd's UFFDIO_COPY/ZEROPAGE): a
 * new one filled from src's PAGE_SIZE bytes (zeros for NULL), or NULL with *err -EEXIST
 * (the object has one there) or -ENOMEM. */
struct page *shmem_new_page(struct shmem *s, uint64_t idx, const void *src, int *err);
/* Whether the object holds a page at idx (a snapshot: the caller's locks decide how long it
 * stays true). */
bool shmem_has_page(struct shmem *s, uint64_t idx);

#endif
