/* The general-purpose kernel heap: power-of-two size classes 8..2048 bytes on slab caches
 * (objects aligned to their class size), larger requests as whole frames (page-aligned,
 * at most 4 MiB). Any CPU, any context; takes a cache lock or the buddy lock. */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "lib/compiler.h"

#define KMALLOC_MAX_SMALL 2048        /* larger requests get whole frames */
#define KMALLOC_MAX       (4UL << 20) /* largest request: one MAX_ORDER block */

/* size bytes, contents undefined; NULL when out of memory, for size 0 or above KMALLOC_MAX. */
void *kmalloc(size_t size);
/* kmalloc() zero-filled. */
void *kzalloc(size_t size);
/* Free what kmalloc/kzalloc returned; NULL is ignored. BUG_ON for any other pointer. */
void kfree(const void *ptr);

/* Boot: set up the size-class caches. */
void kmalloc_init(void);

#endif
