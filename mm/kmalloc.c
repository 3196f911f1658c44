/* kmalloc: a slab cache per size class; big blocks straight from the buddy allocator,
 * marked PG_KMALLOC in their first frame, whose ->order says how many frames to free. */
#include "mm/kmalloc.h"
#include "mm/slab.h"
#include "mm/page_alloc.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define MIN_SHIFT 3  /* 8 bytes */
#define MAX_SHIFT 11 /* KMALLOC_MAX_SMALL */
_Static_assert(KMALLOC_MAX_SMALL == 1 << MAX_SHIFT, "size classes");
_Static_assert(KMALLOC_MAX == PAGE_SIZE << MAX_ORDER, "large kmalloc limit");

static struct kmem_cache classes[MAX_SHIFT - MIN_SHIFT + 1];
static const char *const class_names[] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256",
	"kmalloc-512", "kmalloc-1024", "kmalloc-2048",
};
_Static_assert(ARRAY_SIZE(class_names) == ARRAY_SIZE(classes), "one name per class");

void kmalloc_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(classes); i++)
		kmem_cache_init(&classes[i], class_names[i], 1UL << (i + MIN_SHIFT), 1UL << (i + MIN_SHIFT));
}

/* ceil(log2(n)) for n >= 1 */
static unsigned log2_up(uint64_t n)
{
	return n <= 1 ? 0 : 64 - (unsigned)__builtin_clzl(n - 1);
}

void *kmalloc(size_t size)
{
	if (!size || size > KMALLOC_MAX)
		return NULL;
	if (size <= KMALLOC_MAX_SMALL)
		return kmem_cache_alloc(&classes[MAX(log2_up(size), MIN_SHIFT) - MIN_SHIFT]);
	struct page *p = alloc_kernel_pages(log2_up(DIV_ROUND_UP(size, PAGE_SIZE)));
	if (!p)
		return NULL;
	page_set(p, PG_KMALLOC);
	return page_address(p);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p && size <= KMALLOC_MAX_SMALL) /* large blocks come zeroed (alloc_kernel_pages) */
		memset(p, 0, size);
	return p;
}

void kfree(const void *ptr)
{
	if (!ptr)
		return;
	uint64_t pfn = PFN_DOWN(virt_to_phys(ptr));
	BUG_ON(!pfn_valid(pfn));
	struct page *p = pfn_to_page(pfn);
	if (page_test(p, PG_SLAB)) {
		kmem_cache_free(p->slab_cache, (void *)ptr);
		return;
	}
	BUG_ON(!page_test(p, PG_KMALLOC) || ptr != page_address(p));
	page_clear(p, PG_KMALLOC);
	free_pages(p, p->order);
}
