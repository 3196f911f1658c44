/* /proc/kpageflags and /proc/kpagecount: what mm knows of each frame, in Linux's bits
 * (include/uapi/linux/kernel-page-flags.h), so a program can look up the frames it finds
 * in /proc/PID/pagemap. */
#include "mm/smaps.h"
#include "mm/page.h"
#include "mm/rmap.h"

#define KPF_UPTODATE    3
#define KPF_LRU         5
#define KPF_SLAB        7
#define KPF_BUDDY       10
#define KPF_MMAP        11
#define KPF_ANON        12
#define KPF_SWAPBACKED  14
#define KPF_KSM         21
#define KPF_ZERO_PAGE   24
#define KPF_PGTABLE     26
#define KPF_RESERVED    32

#define BIT(n) (1UL << (n))

bool page_kpageflags(uint64_t pfn, uint64_t *flags)
{
	if (!pfn_valid(pfn))
		return false;
	const struct page *p = pfn_to_page(pfn);
	uint64_t f = 0;
	if (page_test(p, PG_RESERVED))
		f |= BIT(KPF_RESERVED);
	if (page_test(p, PG_BUDDY))
		f |= BIT(KPF_BUDDY);
	if (page_test(p, PG_SLAB))
		f |= BIT(KPF_SLAB);
	if (page_test(p, PG_PGTABLE))
		f |= BIT(KPF_PGTABLE);
	if (page_test(p, PG_ZERO))
		f |= BIT(KPF_ZERO_PAGE) | BIT(KPF_UPTODATE);
	if (page_test(p, PG_ANON | PG_SHMEM)) /* user memory: on Linux's LRU, swap-backed */
		f |= BIT(KPF_UPTODATE) | BIT(KPF_LRU) | BIT(KPF_SWAPBACKED);
	if (page_test(p, PG_ANON))
		f |= BIT(KPF_ANON);
	if (page_test(p, PG_KSM))
		f |= BIT(KPF_KSM);
	if (page_mapcount(p) > 0)
		f |= BIT(KPF_MMAP);
	*flags = f;
	return true;
}

bool page_kpagecount(uint64_t pfn, uint64_t *count)
{
	if (!pfn_valid(pfn))
		return false;
	int32_t n = page_mapcount(pfn_to_page(pfn));
	*count = n > 0 ? (uint64_t)n : 0;
	return true;
}
