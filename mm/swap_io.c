/* Page I/O on swap slots: slot n of an area is its disk's bytes [n * 4096, (n + 1) * 4096).
 * Reads and writes go in batches, all requests of a batch in flight at once, so that the
 * disk's queue is kept busy: reclaim's write batches, and a fault's read of its page with
 * the neighbouring slots (readahead, swap_in.c). Completion runs in the disk's interrupt
 * handler, which only counts, clears PG_WRITEBACK and wakes the waiters; the task that
 * started a read clears PG_LOCKED itself, once it has dealt with a failure. */
#include "mm/swap_internal.h"
#include "drivers/blockdev.h"
#include "mm/page_alloc.h"
#include "kernel/sched.h"
#include "mm/vmstat.h"
#include "kernel/wait.h"
#include "kernel/printk.h"

#define SECTORS_PER_PAGE (PAGE_SIZE / 512)

/* Woken whenever a swap page's I/O ends (PG_LOCKED or PG_WRITEBACK cleared). */
static struct wait_queue swap_io_wait = WAIT_QUEUE_INIT(swap_io_wait);

/* The area's disk and the slot's first sector. The area cannot go while a PTE or a cache
 * page refers to the slot, which the caller's page does. */
static struct blockdev *slot_disk(uint64_t entry, uint64_t *sector, struct swap_area **area)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct swap_area *a = swap_area_of(entry);
	spin_unlock_irqrestore(&swap_lock, f);
	*sector = swp_offset(entry) * SECTORS_PER_PAGE;
	*area = a;
	return a->dev;
}

struct swap_req {
	struct blk_request req;
	struct page *page;
	struct swap_area *area;
	bool done;
};

/* In the disk's interrupt. The counting comes first: once PG_WRITEBACK is clear, swapoff
 * may take the page out of the cache and free its area. */
static void io_done(struct blk_request *r)
{
	struct swap_req *w = r->private;
	if (!r->status) {
		__atomic_add_fetch(r->write ? &w->area->pswpout : &w->area->pswpin, 1, __ATOMIC_RELAXED);
		count_vm_event(r->write ? PSWPOUT : PSWPIN);
	}
	if (r->write)
		page_clear(w->page, PG_WRITEBACK);
	WRITE_ONCE(w->done, true);
	wake_up_all(&swap_io_wait);
}

/* Move pages[i] (each in the swap cache) to or from its slot, all in flight at once, and
 * wait for every one; err[i] gets 0 or -EIO. */
static void swap_io(struct page **pages, int *err, unsigned n, bool write)
{
	BUG_ON(n > SWAP_BATCH_MAX);
	struct swap_req reqs[SWAP_BATCH_MAX];
	for (unsigned i = 0; i < n; i++) {
		struct swap_req *w = &reqs[i];
		struct page *p = pages[i];
		BUG_ON(!page_test(p, PG_SWAPCACHE) || !page_test(p, write ? PG_WRITEBACK : PG_LOCKED));
		*w = (struct swap_req){
			.req = { .write = write, .buf = page_address(p), .len = PAGE_SIZE,
				 .done = io_done, .private = w },
			.page = p,
		};
		uint64_t sector;
		struct blockdev *dev = slot_disk(p->swap, &sector, &w->area);
		w->req.sector = sector;
		err[i] = blk_submit(dev, &w->req);
		if (err[i]) { /* refused without being queued */
			if (write)
				page_clear(p, PG_WRITEBACK);
			w->done = true;
			wake_up_all(&swap_io_wait);
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct swap_req *w = &reqs[i];
		wait_event(swap_io_wait, READ_ONCE(w->done));
		if (!err[i])
			err[i] = w->req.status;
	}
}

void swap_read_pages(struct page **pages, int *err, unsigned n)
{
	swap_io(pages, err, n, false);
}

void swap_write_pages(struct page **pages, int *err, unsigned n)
{
	swap_io(pages, err, n, true);
}

void swap_wait_page(struct page *page, uint64_t flags)
{
	wait_event(swap_io_wait, !page_test(page, flags));
}

void swap_page_unlocked(struct page *page)
{
	page_clear(page, PG_LOCKED);
	wake_up_all(&swap_io_wait);
}
