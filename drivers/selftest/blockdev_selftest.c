/* blk_selftest() (blockdev.h): the block-device contract checked on a real disk. Writes go
 * one sector per request, so a 64 KiB range puts 128 requests to the ring at once, more
 * than a 256-entry virtqueue holds (85): submitters must sleep for slots. Reads go one page
 * per request. The range's own data is saved first and written back at the end. The
 * generic part's contract is checked for every driver alike: completions run as from an
 * interrupt (interrupts off), counters add up, the disk is found by its name. */
#include "drivers/blockdev.h"
#include "kernel/selftest.h"
#include "kernel/wait.h"
#include "arch-x86_64/cpu.h"
#include "kernel/sched.h"
#include "mm/page_alloc.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"

#define ST_ORDER 4
#define ST_PAGES (1u << ST_ORDER)           /* at most 64 KiB of the range is used */
#define SECTORS_PER_PAGE (PAGE_SIZE / BLK_SECTOR_SIZE)

struct batch {
	uint32_t ndone, nerrors, irqs_on;   /* irqs_on: completions run with interrupts on */
};

/* Completions of every batch wake this queue; each waiter checks its own count. */
static struct wait_queue batch_wait = WAIT_QUEUE_INIT(batch_wait);

/* Interrupt context. Once ndone is incremented the waiter may return and free b and r, so
 * the count comes last and only the static queue is touched after it. */
static void batch_done(struct blk_request *r)
{
	struct batch *b = r->private;
	if (r->status)
		__atomic_add_fetch(&b->nerrors, 1, __ATOMIC_RELAXED);
	if (irqs_enabled())
		__atomic_add_fetch(&b->irqs_on, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&b->ndone, 1, __ATOMIC_RELEASE);
	wake_up_all(&batch_wait);
}

/* Submit reqs[0..n) one after the other without waiting for any, then sleep until every
 * accepted one has completed. Returns how many were refused or failed. */
static uint32_t run_batch(struct selftest *t, struct blockdev *d, struct blk_request *reqs,
			  unsigned n)
{
	struct batch b = { 0, 0, 0 };
	unsigned accepted = 0;
	for (unsigned i = 0; i < n; i++) {
		reqs[i].done = batch_done;
		reqs[i].private = &b;
		if (blk_submit(d, &reqs[i]) == 0)
			accepted++;
	}
	wait_event(batch_wait, __atomic_load_n(&b.ndone, __ATOMIC_ACQUIRE) == accepted);
	SELFTEST_CHECK(t, b.irqs_on == 0);
	return (n - accepted) + b.nerrors;
}

static uint64_t pattern(uint64_t sector, unsigned word)
{
	return ((sector << 16 | word) + 1) * 0x9e3779b97f4a7c15ul;
}

static void test_refusals(struct selftest *t, struct blockdev *d, uint64_t sector, void *buf)
{
	uint64_t end = blk_sectors(d);
	struct blk_request r = { .sector = end, .buf = buf, .len = BLK_SECTOR_SIZE };
	SELFTEST_CHECK(t, blk_submit(d, &r) == -EINVAL);          /* starts past the end */
	r.sector = end - 1;
	r.len = 2 * BLK_SECTOR_SIZE;
	SELFTEST_CHECK(t, blk_submit(d, &r) == -EINVAL);          /* runs past the end */
	r.sector = sector;
	r.len = 100;
	SELFTEST_CHECK(t, blk_submit(d, &r) == -EINVAL);          /* not whole sectors */
	r.len = 0;
	SELFTEST_CHECK(t, blk_submit(d, &r) == -EINVAL);
	r.len = BLK_SECTOR_SIZE;
	r.buf = &batch_wait;
	SELFTEST_CHECK(t, blk_submit(d, &r) == -EINVAL);          /* not a direct-map address */
	SELFTEST_CHECK(t, blk_rw(d, end, buf, BLK_SECTOR_SIZE, false) == -EINVAL);
}

/* The range's first npages pages: patterns out, back in, compared; counters; refusals. */
static void exercise(struct selftest *t, struct blockdev *d, uint64_t sector, unsigned npages,
		     uint64_t *data, uint64_t *back, struct blk_request *reqs)
{
	unsigned nsect = npages * SECTORS_PER_PAGE, words = BLK_SECTOR_SIZE / 8;
	struct blk_stats before, after;
	blk_get_stats(d, &before);

	for (unsigned s = 0; s < nsect; s++) {
		for (unsigned w = 0; w < words; w++)
			data[s * words + w] = pattern(sector + s, w);
		reqs[s] = (struct blk_request){ .sector = sector + s, .buf = data + s * words,
						.len = BLK_SECTOR_SIZE, .write = true };
	}
	SELFTEST_CHECK(t, run_batch(t, d, reqs, nsect) == 0);

	memset(back, 0, npages * PAGE_SIZE);
	for (unsigned p = 0; p < npages; p++)
		reqs[p] = (struct blk_request){ .sector = sector + p * SECTORS_PER_PAGE,
						.buf = (char *)back + p * PAGE_SIZE,
						.len = PAGE_SIZE, .write = false };
	SELFTEST_CHECK(t, run_batch(t, d, reqs, npages) == 0);
	SELFTEST_CHECK(t, memcmp(back, data, npages * PAGE_SIZE) == 0);

	/* Others may use the rest of the disk meanwhile: the deltas are lower bounds. */
	blk_get_stats(d, &after);
	SELFTEST_CHECK(t, after.writes - before.writes >= nsect);
	SELFTEST_CHECK(t, after.reads - before.reads >= npages);
	SELFTEST_CHECK(t, after.completed - before.completed >= nsect + npages);
	SELFTEST_CHECK(t, after.irqs > before.irqs);
	/* Not > 1: a disk that completes each request at once (the RAM disk, whose interrupt
	 * comes as soon as it is raised) never has two in flight; swap's boot tests check that
	 * virtio-blk does. */
	SELFTEST_CHECK(t, after.peak_in_flight >= 1 && after.in_flight <= after.peak_in_flight);
	SELFTEST_CHECK(t, after.completed <= after.reads + after.writes);
	SELFTEST_CHECK(t, blk_find(blk_name(d)) == d);

	test_refusals(t, d, sector, back);
}

void blk_selftest(struct selftest *t, struct blockdev *d, uint64_t sector, uint32_t nsectors)
{
	unsigned npages = MIN(nsectors / SECTORS_PER_PAGE, ST_PAGES);
	uint32_t bytes = npages * PAGE_SIZE;
	SELFTEST_CHECK(t, npages >= 2 && sector + nsectors <= blk_sectors(d));
	if (npages < 2 || sector + nsectors > blk_sectors(d))
		return;
	struct page *saved = alloc_pages(ST_ORDER), *data = alloc_pages(ST_ORDER),
		    *back = alloc_pages(ST_ORDER);
	struct blk_request *reqs = kzalloc(ST_PAGES * SECTORS_PER_PAGE * sizeof(*reqs));
	SELFTEST_CHECK(t, saved && data && back && reqs);
	if (!saved || !data || !back || !reqs)
		goto out;

	/* Nothing is written unless the original contents are safe. */
	int rc = blk_rw(d, sector, page_address(saved), bytes, false);
	SELFTEST_CHECK(t, rc == 0);
	if (rc)
		goto out;
	exercise(t, d, sector, npages, page_address(data), page_address(back), reqs);
	SELFTEST_CHECK(t, blk_rw(d, sector, page_address(saved), bytes, true) == 0);
	SELFTEST_CHECK(t, blk_rw(d, sector, page_address(back), bytes, false) == 0);
	SELFTEST_CHECK(t, memcmp(page_address(back), page_address(saved), bytes) == 0);

out:
	kfree(reqs);
	if (back)
		free_pages(back, ST_ORDER);
	if (data)
		free_pages(data, ST_ORDER);
	if (saved)
		free_pages(saved, ST_ORDER);
}
