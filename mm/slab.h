/* Slab caches: fixed-size objects carved out of blocks of 2^order frames ("slabs"). The
 * slab's state lives in the struct page of its first frame (free-object list, count in
 * use) and every frame of it points at its cache, so freeing an object needs only its
 * address. A slab that becomes empty goes back to the frame allocator at once.
 * Any function may be called from any CPU and from interrupt handlers. */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "lib/compiler.h"
#include "lib/list.h"
#include "mm/memlayout.h"
#include "arch-x86_64/spinlock.h"

#define KMEM_MAX_ORDER 3 /* slabs of up to 8 frames */
#define KMEM_MAX_SIZE  (PAGE_SIZE << KMEM_MAX_ORDER)

struct kmem_cache {
	spinlock_t lock;           /* guards partial, the counters, and the free lists and
				    * in-use counts of this cache's slabs */
	const char *name;
	uint32_t size;             /* object stride: the size asked for, rounded up to align */
	uint32_t align;
	unsigned order;            /* each slab is 2^order frames */
	unsigned per_slab;         /* objects per slab */
	struct list_head partial;  /* slabs with free objects (first frames); full slabs are
				    * on no list */
	uint64_t nr_slabs;         /* slabs held */
	uint64_t nr_inuse;         /* objects handed out */
};

/* Boot: make kmem_cache_create() usable. */
void slab_init(void);
/* Set up a cache the caller allocated (statically, before the heap exists): objects of
 * size bytes (1..KMEM_MAX_SIZE) aligned to align (a power of two up to PAGE_SIZE; 0 means
 * 8). name must outlive the cache. */
void kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align);
/* The same for a cache allocated here; NULL when out of memory. */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
/* Free a cache from kmem_cache_create(); it must hold no objects (BUG_ON). */
void kmem_cache_destroy(struct kmem_cache *c);
/* One object (contents undefined), or NULL when out of memory. Takes c->lock, and the
 * buddy lock inside it when a new slab is needed. */
void *kmem_cache_alloc(struct kmem_cache *c);
/* Give back an object from kmem_cache_alloc(c). BUG_ON when obj is not one of c's objects
 * or was just freed. Takes c->lock. */
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Frames held by all slab caches (lock-free snapshot). */
uint64_t slab_nr_pages(void);

#endif
