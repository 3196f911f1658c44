/* Host stand-in for mm/slab.h: a cache is a malloc wrapper that counts its objects. */
#ifndef STUB_MM_SLAB_H
#define STUB_MM_SLAB_H
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
struct kmem_cache { const char *name; size_t size; uint64_t nr_inuse; };
static inline void kmem_cache_init(struct kmem_cache *c, const char *name, size_t size, size_t align)
{
	(void)align;
	c->name = name;
	c->size = size;
	c->nr_inuse = 0;
}
static inline void *kmem_cache_alloc(struct kmem_cache *c)
{
	c->nr_inuse++;
	return malloc(c->size);
}
static inline void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	c->nr_inuse--;
	free(obj);
}
#endif
