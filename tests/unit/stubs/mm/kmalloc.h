/* Host stand-in for the kernel heap: malloc, plus a switch to make allocations fail. */
#ifndef STUB_MM_KMALLOC_H
#define STUB_MM_KMALLOC_H
#include <stdlib.h>
#include <string.h>
static int kmalloc_fail_after = -1; /* >= 0: that many more allocations succeed */
static inline void *kmalloc(size_t n)
{
	if (kmalloc_fail_after == 0)
		return NULL;
	if (kmalloc_fail_after > 0)
		kmalloc_fail_after--;
	return malloc(n);
}
static inline void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	return p ? memset(p, 0, n) : NULL;
}
static inline void kfree(const void *p) { free((void *)p); }
#endif
