/* Slab allocator. Free objects of a slab form a list threaded through their first word,
 * headed by ->freelist in the slab's first struct page; ->inuse counts the others. */
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

static uint64_t slab_pages; /* frames in slabs, all caches (atomic) */

/* The cache of struct kmem_cache, for kmem_cache_create(). */
static struct kmem_cache cache_cache;

void slab_init(void)
{
	kmem_cache_init(&cache_cache, "kmem_cache", sizeof(struct kmem_cache), 0);
}

void kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	if (!align)
		align = 8;
	BUG_ON(align & (align - 1) || align > PAGE_SIZE || !size || size > KMEM_MAX_SIZE);
	spin_lock_init(&c->lock, name);
	c->name = name;
	c->align = (uint32_t)align;
	c->size = (uint32_t)ALIGN_UP(MAX(size, sizeof(void *)), align);
	c->order = 0; /* the smallest slab holding 8 objects, else the largest */
	while (c->order < KMEM_MAX_ORDER && (PAGE_SIZE << c->order) / c->size < 8)
		c->order++;
	c->per_slab = (unsigned)((PAGE_SIZE << c->order) / c->size);
	list_init(&c->partial);
	c->nr_slabs = c->nr_inuse = 0;
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align)
{
	struct kmem_cache *c = kmem_cache_alloc(&cache_cache);
	if (c)
		kmem_cache_init(c, name, size, align);
	return c;
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	uint64_t flags = spin_lock_irqsave(&c->lock);
	BUG_ON(c->nr_inuse || c->nr_slabs);
	spin_unlock_irqrestore(&c->lock, flags);
	kmem_cache_free(&cache_cache, c);
}

/* Add a slab of free objects to c->partial; false when out of memory. Under c->lock. */
static bool slab_grow(struct kmem_cache *c)
{
	assert_held(&c->lock);
	struct page *head = alloc_kernel_pages(c->order);
	if (!head)
		return false;
	for (unsigned i = 0; i < 1u << c->order; i++) {
		head[i].slab_cache = c;
		page_set(&head[i], PG_SLAB);
	}
	char *base = page_address(head);
	for (unsigned i = 0; i < c->per_slab; i++)
		*(void **)(base + i * c->size) = i + 1 < c->per_slab ? base + (i + 1) * c->size : NULL;
	head->freelist = base;
	head->inuse = 0;
	list_add(&head->list, &c->partial);
	c->nr_slabs++;
	__atomic_add_fetch(&slab_pages, 1UL << c->order, __ATOMIC_RELAXED);
	return true;
}

/* Return the empty slab at head to the frame allocator. Under c->lock. */
static void slab_release(struct kmem_cache *c, struct page *head)
{
	assert_held(&c->lock);
	list_del(&head->list);
	for (unsigned i = 0; i < 1u << c->order; i++) {
		page_clear(&head[i], PG_SLAB);
		head[i].slab_cache = NULL;
	}
	head->freelist = NULL;
	c->nr_slabs--;
	__atomic_sub_fetch(&slab_pages, 1UL << c->order, __ATOMIC_RELAXED);
	free_pages(head, c->order);
}

void *kmem_cache_alloc(struct kmem_cache *c)
{
	uint64_t flags = spin_lock_irqsave(&c->lock);
	if (list_empty(&c->partial) && !slab_grow(c)) {
		spin_unlock_irqrestore(&c->lock, flags);
		return NULL;
	}
	struct page *head = list_first_entry(&c->partial, struct page, list);
	void **obj = head->freelist;
	head->freelist = *obj;
	if (++head->inuse == c->per_slab)
		list_del(&head->list);
	c->nr_inuse++;
	spin_unlock_irqrestore(&c->lock, flags);
	return obj;
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	uint64_t pfn = PFN_DOWN(virt_to_phys(obj));
	BUG_ON(!pfn_valid(pfn));
	struct page *page = pfn_to_page(pfn);
	BUG_ON(!page_test(page, PG_SLAB) || page->slab_cache != c);
	struct page *head = pfn_to_page(ALIGN_DOWN(pfn, 1UL << c->order));
	uint64_t off = (uint64_t)((char *)obj - (char *)page_address(head));
	BUG_ON(off % c->size || off / c->size >= c->per_slab);

	uint64_t flags = spin_lock_irqsave(&c->lock);
	BUG_ON(!head->inuse || obj == head->freelist);
	*(void **)obj = head->freelist;
	head->freelist = obj;
	if (head->inuse-- == c->per_slab) /* was full: free objects again */
		list_add(&head->list, &c->partial);
	c->nr_inuse--;
	if (!head->inuse)
		slab_release(c, head);
	spin_unlock_irqrestore(&c->lock, flags);
}

uint64_t slab_nr_pages(void)
{
	return __atomic_load_n(&slab_pages, __ATOMIC_RELAXED);
}
