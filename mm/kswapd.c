/* When reclaim runs. Three watermarks of free frames, sized as Linux sizes them
 * (min_free_kbytes = sqrt(16 * RAM in KiB), low = min * 5/4, high = min * 3/2):
 *  - below low, a user-page allocation wakes kswapd, which reclaims in the background
 *    until free memory is back above high;
 *  - at min, user-page allocations fail (the frames left are the kernel's reserve, for page
 *    tables, reverse maps and the reclaim path itself); the faulting task then reclaims
 *    directly, without locks, and only if that frees nothing the OOM killer runs. */
#include "mm/swap.h"
#include "mm/mm.h"
#include "mm/oom.h"
#include "mm/page_alloc.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/clock.h"
#include "kernel/wait.h"
#include "kernel/printk.h"

uint64_t wmark_min, wmark_low, wmark_high;

/* Frames one reclaim call aims to free: one write batch. */
#define RECLAIM_CHUNK 32

static struct wait_queue kswapd_wait = WAIT_QUEUE_INIT(kswapd_wait);
static bool kswapd_wanted; /* atomic: a wake-up is pending */
static struct task *kswapd;
static bool disabled; /* atomic: reclaim_disable() */

void reclaim_disable(bool on)
{
	WRITE_ONCE(disabled, on);
	if (!on)
		wake_up_all(&kswapd_wait); /* a wake-up may have come meanwhile */
}

static uint64_t isqrt(uint64_t n)
{
	uint64_t r = 0;
	while ((r + 1) * (r + 1) <= n)
		r++;
	return r;
}

bool user_alloc_allowed(void)
{
	if (READ_ONCE(disabled))
		return true;
	uint64_t free = nr_free_pages();
	if (free < wmark_low && kswapd && !READ_ONCE(kswapd_wanted)) {
		WRITE_ONCE(kswapd_wanted, true);
		wake_up_all(&kswapd_wait);
	}
	return free > wmark_min;
}

bool make_room_for_user_page(void)
{
	if (READ_ONCE(disabled) || current()->pending_kill)
		return false; /* a dying task frees memory by going */
	if (reclaim_pages(RECLAIM_CHUNK))
		return true;
	if (nr_free_pages() > wmark_min)
		return true; /* somebody else freed memory meanwhile */
	return out_of_memory();
}

static void kswapd_main(void *arg)
{
	for (;;) {
		wait_event(kswapd_wait, READ_ONCE(kswapd_wanted) && !READ_ONCE(disabled));
		uint64_t progress = 0, got;
		while (nr_free_pages() < wmark_high && !READ_ONCE(disabled) &&
		       (got = reclaim_pages(RECLAIM_CHUNK)))
			progress += got;
		/* Nothing to take (no swap, or all of it full): do not spin on every wake-up. */
		if (!progress)
			sleep_ms(100);
		WRITE_ONCE(kswapd_wanted, false);
	}
}

void kswapd_init(void)
{
	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	uint64_t min_kb = isqrt(mi.total_kb * 16);
	min_kb = MIN(MAX(min_kb, 128), 65536); /* Linux's bounds */
	wmark_min = min_kb / (PAGE_SIZE / 1024);
	wmark_low = wmark_min + wmark_min / 4;
	wmark_high = wmark_min + wmark_min / 2;
	kswapd = kthread_create("kswapd0", kswapd_main, NULL);
	if (!kswapd)
		panic("swap: cannot start kswapd");
}
