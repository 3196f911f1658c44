/* /proc/PID/smaps figures: what each VMA has resident, shared, private, dirty, KSM,
 * swapped out, as Linux's smaps accounts it (mm/smaps.c). */
#ifndef MM_SMAPS_H
#define MM_SMAPS_H

#include "lib/compiler.h"

struct mm;
struct vma;

/* Bytes, except the pss_* fields, which are bytes << PSS_SHIFT (a page mapped n times
 * adds PAGE_SIZE / n). */
#define PSS_SHIFT 12
struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, ksm, swap;
	uint64_t swap_private;		/* of swap: slots no other PTE holds (not in Linux's smaps) */
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, swap_pss;
};

/* Call fn(v, figures of v, ctx) for each VMA in address order, under mm->lock (fn must not
 * take it). The shared zero page counts nowhere (it is not the VMA's memory). */
void mm_smaps(struct mm *mm, void (*fn)(const struct vma *v, const struct mem_size_stats *st,
					void *ctx), void *ctx);

/* The pages only mm maps: resident ones mapped once (private_*), and swap slots nobody
 * else holds; what mm's teardown frees (the OOM killer's measure). Takes mm->lock. */
uint64_t mm_exclusive_pages(struct mm *mm);

/* /proc/kpageflags and /proc/kpagecount: Linux's KPF_* bits and the mapcount of frame
 * pfn (mm/pageinfo.c). false past the last frame. Lock-free snapshots. */
bool page_kpageflags(uint64_t pfn, uint64_t *flags);
bool page_kpagecount(uint64_t pfn, uint64_t *count);

#endif
