/* The generic part of block devices (blockdev.h): the table of disks, request checks,
 * counters, synchronous I/O, and completion, calling each driver through its ops. */
#include "drivers/blockdev.h"
#include "arch-x86_64/cpu.h"
#include "kernel/sched.h"
#include "mm/page_alloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

/* disks[i] is set before ndisks (release) counts it; neither changes afterwards, so
 * readers need no lock. */
static struct blockdev *disks[BLK_MAX_DISKS];
static unsigned ndisks;

int blk_register(struct blockdev *d)
{
	BUG_ON(!d->ops || !d->ops->submit || !d->name[0] || blk_find(d->name));
	if (ndisks == BLK_MAX_DISKS)
		return -ENOSPC;
	d->index = ndisks;
	spin_lock_init(&d->lock, "blockdev");
	wait_queue_init(&d->wait);
	memset(&d->stats, 0, sizeof(d->stats));
	disks[d->index] = d;
	__atomic_store_n(&ndisks, d->index + 1, __ATOMIC_RELEASE);
	return 0;
}

static bool request_ok(const struct blockdev *d, const struct blk_request *r)
{
	if (!r->len || r->len % BLK_SECTOR_SIZE)
		return false;
	if (r->sector >= d->sectors || r->len / BLK_SECTOR_SIZE > d->sectors - r->sector)
		return false;
	uint64_t va = (uint64_t)r->buf;
	return va >= DIRECT_MAP_BASE && pfn_valid(PFN_DOWN(va - DIRECT_MAP_BASE + r->len - 1));
}

/* Counted before the driver sees r: its completion cannot come first. */
int blk_submit(struct blockdev *d, struct blk_request *r)
{
	BUG_ON(!irqs_enabled());
	if (!request_ok(d, r))
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&d->lock);
	if (r->write)
		d->stats.writes++;
	else
		d->stats.reads++;
	d->stats.in_flight++;
	d->stats.peak_in_flight = MAX(d->stats.peak_in_flight, d->stats.in_flight);
	spin_unlock_irqrestore(&d->lock, f);
	d->ops->submit(d, r);
	return 0;
}

/* done() may free its request, so each one's successor is read first. */
void blk_complete(struct blockdev *d, struct blk_request *finished)
{
	uint64_t f = spin_lock_irqsave(&d->lock);
	d->stats.irqs++;
	for (struct blk_request *r = finished; r; r = r->next_done) {
		d->stats.completed++;
		d->stats.errors += r->status != 0;
		d->stats.in_flight--;
	}
	spin_unlock_irqrestore(&d->lock, f);
	for (struct blk_request *r = finished, *next; r; r = next) {
		next = r->next_done;
		if (r->done)
			r->done(r);
	}
	if (finished)
		wake_up_all(&d->wait);
}

/* Runs in the completion: after the flag store the waiter may return and its stack (r
 * included) be reused, so nothing touches r afterwards; blk_complete()'s wake-up of d->wait
 * follows. */
static void rw_done(struct blk_request *r)
{
	__atomic_store_n((bool *)r->private, true, __ATOMIC_RELEASE);
}

int blk_rw(struct blockdev *d, uint64_t sector, void *buf, uint32_t len, bool write)
{
	bool finished = false;
	struct blk_request r = {
		.sector = sector, .buf = buf, .len = len, .write = write,
		.done = rw_done, .private = &finished,
	};
	int rc = blk_submit(d, &r);
	if (rc)
		return rc;
	wait_event(d->wait, __atomic_load_n(&finished, __ATOMIC_ACQUIRE));
	return r.status;
}

struct blockdev *blk_next(struct blockdev *prev)
{
	unsigned i = prev ? prev->index + 1 : 0;
	return i < __atomic_load_n(&ndisks, __ATOMIC_ACQUIRE) ? disks[i] : NULL;
}

struct blockdev *blk_find(const char *name)
{
	for (struct blockdev *d = blk_next(NULL); d; d = blk_next(d))
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

const char *blk_name(const struct blockdev *d)
{
	return d->name;
}

uint64_t blk_sectors(const struct blockdev *d)
{
	return d->sectors;
}

void blk_get_stats(struct blockdev *d, struct blk_stats *s)
{
	uint64_t f = spin_lock_irqsave(&d->lock);
	*s = d->stats;
	spin_unlock_irqrestore(&d->lock, f);
}
