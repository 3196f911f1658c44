/* Block devices: disks addressed in 512-byte sectors, read and written by asynchronous
 * requests that complete from the disk's interrupt, or synchronously with blk_rw(). The
 * generic part (drivers/blockdev.c: checks, names, counters, completion) calls each disk's
 * driver through its struct blockdev_ops: virtio-blk ("vda", "vdb", ..., drivers/virtio_blk.c)
 * and the RAM disk ("ram0", drivers/ramdisk.c). Disks are registered at boot and stay for
 * good, so a struct blockdev pointer never goes stale. */
#ifndef BLOCKDEV_H
#define BLOCKDEV_H

#include "lib/compiler.h"
#include "arch-x86_64/spinlock.h"
#include "kernel/wait.h"

#define BLK_SECTOR_SIZE 512

struct blockdev;
struct selftest;

/* One transfer between a disk and memory. Owned by the caller, who must keep it (and buf)
 * alive and untouched from blk_submit() until done() is called. */
struct blk_request {
	uint64_t sector;                      /* first sector */
	void *buf;                            /* direct-map address, physically contiguous */
	uint32_t len;                         /* bytes: a multiple of 512, > 0 */
	bool write;                           /* false: disk to buf, true: buf to disk */
	void (*done)(struct blk_request *r);  /* from the disk's interrupt handler, with no
					       * driver lock held; may be NULL; may free r */
	void *private;                        /* the caller's */
	int status;                           /* set before done(): 0 or -EIO */
	struct blk_request *next_done;        /* driver's: its list of requests, and the
					       * batch it hands to blk_complete() */
};

/* Queue r (its fields as documented above) on d; it completes later through r->done.
 * Returns 0, or -EINVAL (r untouched, done never called) when len is 0 or not a multiple
 * of 512, the range runs past the disk's end, or buf is not a direct-map address. May sleep
 * while the driver has no room (virtio-blk: its ring is full), so only from a task that may
 * sleep (interrupts on: BUG_ON otherwise); takes d's lock, never held across the sleep. */
int blk_submit(struct blockdev *d, struct blk_request *r);
/* Synchronous transfer: blk_submit() and sleep (not killable: the disk writes into buf)
 * until it completes. Returns 0, -EIO, or blk_submit()'s -EINVAL. Same context as
 * blk_submit(). */
int blk_rw(struct blockdev *d, uint64_t sector, void *buf, uint32_t len, bool write);

/* The disk called name ("vda"), or NULL. Lock-free. */
struct blockdev *blk_find(const char *name);
/* The disk after prev in probe order (prev NULL: the first); NULL after the last.
 * Lock-free. */
struct blockdev *blk_next(struct blockdev *prev);
/* d's name. Lock-free (fixed at probe). */
const char *blk_name(const struct blockdev *d);
/* d's capacity in 512-byte sectors. Lock-free (fixed at probe). */
uint64_t blk_sectors(const struct blockdev *d);

/* Counters since boot: requests accepted by blk_submit (reads, writes), completed (errors:
 * those that completed with -EIO), completion interrupts taken (blk_complete() calls);
 * requests accepted and not yet completed now (a submitter waiting for room on the
 * driver's queue included) and the most there ever were at once. */
struct blk_stats {
	uint64_t reads, writes, completed, errors, irqs;
	uint32_t in_flight, peak_in_flight;
};

/* What a driver provides. */
struct blockdev_ops {
	/* Start r, already checked by blk_submit() (whole sectors within the disk, direct-map
	 * buf) and counted. May sleep until the driver has room. Must not call r->done itself:
	 * r completes later, by the driver passing it to blk_complete() with r->status set.
	 * From a task that may sleep, interrupts on, no lock held. */
	void (*submit)(struct blockdev *d, struct blk_request *r);
};

/* A disk: embedded in the driver's own structure (container_of), filled by the driver
 * (name, sectors, ops) before blk_register(); the rest is the generic part's. */
struct blockdev {
	char name[8];                /* "vda", "ram0" */
	uint64_t sectors;            /* capacity, 512-byte sectors, fixed */
	const struct blockdev_ops *ops;
	unsigned index;              /* in registration order */
	spinlock_t lock;             /* guards stats */
	struct wait_queue wait;      /* woken after every completion batch */
	struct blk_stats stats;
};

/* Make d (name, sectors and ops set, name unique) a disk that blk_find() and blk_next()
 * return. Returns 0, or -ENOSPC when BLK_MAX_DISKS are registered already. Boot CPU, at
 * boot; the driver must be ready to take requests. */
#define BLK_MAX_DISKS 32
int blk_register(struct blockdev *d);
/* The driver's completion of a batch: requests linked by next_done (NULL-terminated; the
 * list may be empty), each with its status set, no longer the driver's. Counts one
 * interrupt and the batch, then calls each done() and wakes the disk's waiters. With
 * interrupts off (the disk's interrupt handler) and no driver lock held. */
void blk_complete(struct blockdev *d, struct blk_request *finished);
/* A consistent snapshot of d's counters in *s. Takes d's lock. */
void blk_get_stats(struct blockdev *d, struct blk_stats *s);

/* Self-test of d on sectors [sector, sector + nsectors), which nobody else may use while it
 * runs: saves them, writes distinct patterns with many requests in flight (more than fit
 * on the ring at once when the range allows), reads them back with page-sized requests in
 * flight, checks counters and refusals (-EINVAL), then restores the saved data. Uses up to
 * the first 64 KiB of the range and needs at least 8 KiB. From a task that may sleep. */
void blk_selftest(struct selftest *t, struct blockdev *d, uint64_t sector, uint32_t nsectors);

#endif
