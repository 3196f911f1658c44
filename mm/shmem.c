/* Shared anonymous objects (see shmem.h): a two-level array of page pointers, the leaf
 * arrays allocated on first use so a large, sparsely used mapping costs little. */
#include "mm/shmem.h"
#include "mm/kmalloc.h"
#include "mm/page_alloc.h"
#include "mm/page_ref.h"
#include "mm/page_copy.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

struct shmem *shmem_create(uint64_t size)
{
	uint64_t npages = DIV_ROUND_UP(size, PAGE_SIZE);
	uint64_t nleaves = DIV_ROUND_UP(npages, SHMEM_LEAF);
	if (!npages || nleaves > KMALLOC_MAX / sizeof(struct page **))
		return NULL;
	struct shmem *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->leaves = kzalloc(nleaves * sizeof(struct page **));
	if (!s->leaves) {
		kfree(s);
		return NULL;
	}
	static uint64_t last_serial;
	s->refs = 1;
	s->serial = __atomic_add_fetch(&last_serial, 1, __ATOMIC_RELAXED);
	spin_lock_init(&s->lock, "shmem");
	s->npages = npages;
	s->nleaves = (unsigned)nleaves;
	return s;
}

void shmem_get(struct shmem *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void shmem_put(struct shmem *s)
{
	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned i = 0; i < s->nleaves; i++) {
		if (!s->leaves[i])
			continue;
		for (unsigned j = 0; j < SHMEM_LEAF; j++)
			if (s->leaves[i][j])
				put_page(s->leaves[i][j]);
		kfree(s->leaves[i]);
	}
	kfree(s->leaves);
	kfree(s);
}

/* The page at idx with one more reference for the caller, allocated from src's bytes
 * (zeros for NULL) when the object has none there yet; with only_new, an existing page is
 * -EEXIST. NULL with *err when it fails. */
static struct page *page_at(struct shmem *s, uint64_t idx, const void *src, bool only_new,
			    int *err)
{
	BUG_ON(idx >= s->npages);
	struct page ***leaf = &s->leaves[idx / SHMEM_LEAF];
	struct page **slot_leaf = NULL, *fresh = NULL, *page;
	*err = -ENOMEM;
	for (;;) {
		uint64_t flags = spin_lock_irqsave(&s->lock);
		if (!*leaf && slot_leaf) {
			*leaf = slot_leaf;
			slot_leaf = NULL;
		}
		page = *leaf ? (*leaf)[idx % SHMEM_LEAF] : NULL;
		if (page && only_new) {
			spin_unlock_irqrestore(&s->lock, flags);
			*err = -EEXIST;
			page = NULL;
			break;
		}
		if (!page && *leaf && fresh) {
			page = (*leaf)[idx % SHMEM_LEAF] = fresh;
			fresh = NULL;
			s->npresent++;
		}
		if (page)
			get_page(page); /* for the caller's mapping */
		bool need_leaf = !*leaf;
		spin_unlock_irqrestore(&s->lock, flags);
		if (page)
			break;
		/* Allocate outside the lock what is missing, then look again. */
		if (need_leaf && !(slot_leaf = kzalloc(SHMEM_LEAF * sizeof(struct page *))))
			break;
		if (!need_leaf && !fresh) {
			fresh = alloc_page();
			if (!fresh)
				break;
			if (src)
				copy_page(page_address(fresh), src);
			else
				clear_page(page_address(fresh));
			fresh->rmap = NULL;
			page_set(fresh, PG_SHMEM);
		}
	}
	kfree(slot_leaf);	/* someone else installed the leaf first */
	if (fresh)		/* someone else installed the page first */
		put_page(fresh);
	return page;
}

struct page *shmem_page(struct shmem *s, uint64_t idx)
{
	int err;
	return page_at(s, idx, NULL, false, &err);
}

struct page *shmem_new_page(struct shmem *s, uint64_t idx, const void *src, int *err)
{
	return page_at(s, idx, src, true, err);
}

bool shmem_has_page(struct shmem *s, uint64_t idx)
{
	BUG_ON(idx >= s->npages);
	uint64_t flags = spin_lock_irqsave(&s->lock);
	struct page **leaf = s->leaves[idx / SHMEM_LEAF];
	bool has = leaf && leaf[idx % SHMEM_LEAF];
	spin_unlock_irqrestore(&s->lock, flags);
	return has;
}
