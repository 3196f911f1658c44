/* The RAM disk "ram0" (Linux's brd names its disks the same way): a disk of frames taken
 * from the page allocator at boot, for "ramdisk=SIZE" (ramdisk.h). Swap, the self-test and
 * the shell use it through blockdev.h like any disk.
 *
 * Requests keep the completion contract of a real disk: the submitter copies the data
 * (between the request's buffer and the disk's frames, page by page), queues the request,
 * and raises the disk's own interrupt vector on its CPU (a self-IPI); the interrupt
 * handler hands every queued request to blk_complete(), so done() runs from an interrupt,
 * never inside blk_submit(), with no driver lock held.
 *
 * Locking: the disk's lock (irqsave) guards the list of copied requests awaiting their
 * interrupt. The frames need none: like a disk, the RAM disk does not order requests to
 * the same sectors that are in flight at once. */
#include "drivers/ramdisk.h"
#include "drivers/blockdev.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/lapic.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "mm/page_alloc.h"
#include "mm/kmalloc.h"
#include "lib/format.h"
#include "lib/string.h"

/* The memory a RAM disk must leave to the rest of the system. */
#define RD_KEEP_FREE_PAGES (MiB(16) / PAGE_SIZE)

struct ramdisk {
	struct blockdev blk;
	struct page **frames;          /* one per 4 KiB of the disk */
	uint64_t npages;
	int vector;
	spinlock_t lock;               /* guards done_head, done_tail */
	struct blk_request *done_head, **done_tail;
};

static struct ramdisk ram0;

/* Every copied request, in submission order, to blk_complete(). */
static void rd_interrupt(int vector, void *ctx)
{
	struct ramdisk *rd = ctx;
	uint64_t f = spin_lock_irqsave(&rd->lock);
	struct blk_request *finished = rd->done_head;
	rd->done_head = NULL;
	rd->done_tail = &rd->done_head;
	spin_unlock_irqrestore(&rd->lock, f);
	blk_complete(&rd->blk, finished);
	lapic_eoi();
}

static void rd_submit(struct blockdev *b, struct blk_request *r)
{
	struct ramdisk *rd = container_of(b, struct ramdisk, blk);
	uint64_t pos = r->sector * BLK_SECTOR_SIZE;
	for (uint32_t done = 0; done < r->len;) {
		uint64_t off = pos % PAGE_SIZE;
		uint32_t n = MIN(r->len - done, PAGE_SIZE - off);
		char *disk = (char *)page_address(rd->frames[pos / PAGE_SIZE]) + off;
		char *mem = (char *)r->buf + done;
		if (r->write)
			memcpy(disk, mem, n);
		else
			memcpy(mem, disk, n);
		done += n;
		pos += n;
	}
	r->status = 0;
	r->next_done = NULL;
	uint64_t f = spin_lock_irqsave(&rd->lock);
	*rd->done_tail = r;
	rd->done_tail = &r->next_done;
	spin_unlock_irqrestore(&rd->lock, f);
	lapic_self_ipi(rd->vector);
}

static const struct blockdev_ops rd_ops = {
	.submit = rd_submit,
};

static void free_frames(struct ramdisk *rd, uint64_t n)
{
	while (n)
		free_page(rd->frames[--n]);
	kfree(rd->frames);
	rd->frames = NULL;
}

/* The disk's bytes from the command line's value, or 0 with *why set. */
static uint64_t wanted_bytes(const char *value, const char **why)
{
	uint64_t bytes;
	if (parse_size(value, &bytes)) {
		*why = "not a size (a number with an optional K, M or G suffix, like ramdisk=32M)";
		return 0;
	}
	if (!bytes || bytes % PAGE_SIZE) {
		*why = "the size must be a non-zero multiple of 4 KiB";
		return 0;
	}
	return bytes;
}

void ramdisk_init(void)
{
	char value[32];
	if (!cmdline_get("ramdisk", value, sizeof(value)))
		return;
	struct ramdisk *rd = &ram0;
	const char *why = NULL;
	uint64_t bytes = wanted_bytes(value, &why), free = nr_free_pages();
	if (!bytes)
		goto fail;
	rd->npages = bytes / PAGE_SIZE;
	if (rd->npages + RD_KEEP_FREE_PAGES > free) {
		printk("ramdisk: ramdisk=%s: not enough memory (%lu MiB free, %lu MiB must stay free), "
		       "no RAM disk\n", value, free * PAGE_SIZE >> 20, RD_KEEP_FREE_PAGES * PAGE_SIZE >> 20);
		return;
	}
	rd->frames = kmalloc(rd->npages * sizeof(*rd->frames));
	if (!rd->frames) {
		why = "out of memory for its frame table";
		goto fail;
	}
	for (uint64_t i = 0; i < rd->npages; i++) {
		rd->frames[i] = alloc_page();
		if (!rd->frames[i]) {
			free_frames(rd, i);
			why = "out of memory";
			goto fail;
		}
		memset(page_address(rd->frames[i]), 0, PAGE_SIZE);
	}
	/* A vector that is not used stays reserved: irq.h has no way to return one. */
	rd->vector = irq_alloc_vector();
	if (rd->vector < 0) {
		free_frames(rd, rd->npages);
		why = "no free interrupt vector";
		goto fail;
	}
	spin_lock_init(&rd->lock, "ramdisk");
	rd->done_tail = &rd->done_head;
	memcpy(rd->blk.name, "ram0", sizeof("ram0"));
	rd->blk.sectors = bytes / BLK_SECTOR_SIZE;
	rd->blk.ops = &rd_ops;
	irq_register(rd->vector, rd_interrupt, rd, rd->blk.name);
	if (blk_register(&rd->blk)) {
		free_frames(rd, rd->npages); /* no request can have come: it was never found */
		why = "too many disks";
		goto fail;
	}
	printk("ram0: RAM disk, %lu sectors (%lu MiB), completion vector 0x%x\n", rd->blk.sectors,
	       bytes >> 20, rd->vector);
	return;
fail:
	printk("ramdisk: ramdisk=%s: %s, no RAM disk\n", value, why);
}
