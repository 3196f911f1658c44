/* virtio-blk over the legacy virtio PCI interface, completing requests by MSI-X interrupt,
 * with up to a third of the queue size in flight (blockdev.h).
 *
 * Hardware contract (the virtio 1.x specification's "Legacy Interfaces: A Note on PCI
 * Device Layout" and its block device chapter; what QEMU's transitional virtio-blk-pci,
 * vendor 0x1af4 device 0x1001, implements): registers in I/O BAR 0, little-endian:
 *   0x00 device features (u32, RO)     0x04 driver features (u32)
 *   0x08 queue PFN (u32: ring address >> 12, 0 stops the queue)
 *   0x0c queue size (u16, RO)          0x0e queue select (u16)
 *   0x10 queue notify (u16: queue index)
 *   0x12 device status (u8: 0 resets; ACKNOWLEDGE 1, DRIVER 2, DRIVER_OK 4, FAILED 0x80)
 *   0x13 ISR status (u8; unused with MSI-X)
 * and, only while MSI-X is enabled in PCI config space, 0x14 configuration-change vector
 * and 0x16 the selected queue's vector (u16 MSI-X table entries; reading back 0xffff means
 * the device refused). The device's own configuration follows: at 0x18 with MSI-X on
 * (0x14 with it off); its first field is the capacity (u64, 512-byte sectors).
 * A request is a chain of three buffers on queue 0: a 16-byte header the device reads
 * (type u32: IN 0 = read, OUT 1 = write; reserved u32; sector u64), the data (written by
 * the device for a read), and one status byte the device writes (0 OK, 1 I/O error,
 * 2 unsupported). No optional feature is negotiated.
 *
 * Locking: each disk's lock (irqsave) guards its virtqueue, request slots and counters;
 * completion callbacks and wake-ups run after it is dropped. */
#include "drivers/virtio_blk.h"
#include "drivers/blockdev.h"
#include "drivers/virtqueue.h"
#include "arch-x86_64/pci.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/spinlock.h"
#include "kernel/wait.h"
#include "kernel/sched.h"
#include "mm/page_alloc.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

#define VIRTIO_VENDOR_ID         0x1af4
#define VIRTIO_BLK_LEGACY_ID     0x1001
#define VIRTIO_BLK_MODERN_ID     0x1042

#define VIRTIO_PCI_GUEST_FEATURES 0x04
#define VIRTIO_PCI_QUEUE_PFN      0x08
#define VIRTIO_PCI_QUEUE_NUM      0x0c
#define VIRTIO_PCI_QUEUE_SEL      0x0e
#define VIRTIO_PCI_QUEUE_NOTIFY   0x10
#define VIRTIO_PCI_STATUS         0x12
#define VIRTIO_MSI_CONFIG_VECTOR  0x14
#define VIRTIO_MSI_QUEUE_VECTOR   0x16
#define VIRTIO_PCI_CONFIG_MSIX    0x18
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_MSI_NO_VECTOR      0xffff

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FAILED      0x80

#define VIRTIO_BLK_T_IN   0
#define VIRTIO_BLK_T_OUT  1
#define VIRTIO_BLK_S_OK   0
#define VBLK_STATUS_UNSET 0xff   /* what a status byte holds until the device writes it */

#define VBLK_QUEUE       0       /* virtio-blk's only queue without multi-queue */
#define VBLK_MSIX_ENTRY  0       /* the queue's MSI-X table entry */
#define DESCS_PER_REQ    3
#define BLK_MAX_DISKS    26      /* vda-vdz */

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "request header layout");

/* One request's device-visible part (header, status) and the request it belongs to. */
struct vblk_slot {
	struct virtio_blk_req_hdr hdr;
	uint8_t status;
	struct blk_request *req;     /* on the ring with this slot, or NULL */
	struct vblk_slot *next_free;
};

struct blockdev {
	char name[8];
	unsigned index;              /* in disks[] */
	uint16_t io;                 /* legacy register block (BAR 0) */
	int vector;                  /* the queue's interrupt */
	uint64_t sectors;
	spinlock_t lock;             /* guards vq, the slots, free_slots, stats */
	struct virtqueue vq;
	struct page *slot_pages;     /* queue size / 3 slots, in frames of their own */
	unsigned slot_order;
	struct vblk_slot *free_slots;
	struct wait_queue wait;      /* submitters waiting for a slot, blk_rw() for completion */
	struct blk_stats stats;
};

/* disks[i] is set before its interrupt handler is registered, ndisks (release) once the
 * disk is ready; neither changes afterwards, so readers need no lock. */
static struct blockdev *disks[BLK_MAX_DISKS];
static unsigned ndisks;

static struct blockdev *disk_of_vector(uint64_t vector)
{
	for (unsigned i = 0; i < BLK_MAX_DISKS; i++) {
		struct blockdev *d = __atomic_load_n(&disks[i], __ATOMIC_ACQUIRE);
		if (!d)
			break;
		if ((uint64_t)d->vector == vector)
			return d;
	}
	return NULL;
}

/* Take every finished request off the ring under the lock, then complete them without it:
 * done() may free its request, so each one's successor is read first. */
static void vblk_interrupt(struct trap_frame *tf)
{
	struct blockdev *d = disk_of_vector(tf->vector);
	BUG_ON(!d);
	struct blk_request *finished = NULL, **tail = &finished;
	uint64_t f = spin_lock_irqsave(&d->lock);
	d->stats.irqs++;
	struct vblk_slot *s;
	while ((s = vq_pop(&d->vq, NULL))) {
		struct blk_request *r = s->req;
		r->status = s->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
		d->stats.completed++;
		d->stats.errors += r->status != 0;
		d->stats.in_flight--;
		s->req = NULL;
		s->next_free = d->free_slots;
		d->free_slots = s;
		r->next_done = NULL;
		*tail = r;
		tail = &r->next_done;
	}
	spin_unlock_irqrestore(&d->lock, f);
	for (struct blk_request *r = finished, *next; r; r = next) {
		next = r->next_done;
		if (r->done)
			r->done(r);
	}
	if (finished)
		wake_up_all(&d->wait);
	lapic_eoi();
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

int blk_submit(struct blockdev *d, struct blk_request *r)
{
	BUG_ON(!irqs_enabled());
	if (!request_ok(d, r))
		return -EINVAL;
	uint64_t f;
	for (;;) {
		f = spin_lock_irqsave(&d->lock);
		if (d->free_slots)
			break;
		spin_unlock_irqrestore(&d->lock, f);
		wait_event(d->wait, READ_ONCE(d->free_slots) != NULL);
	}
	struct vblk_slot *s = d->free_slots;
	d->free_slots = s->next_free;
	s->hdr.type = r->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	s->hdr.reserved = 0;
	s->hdr.sector = r->sector;
	s->status = VBLK_STATUS_UNSET; /* a device that never writes it fails the request */
	s->req = r;
	const struct vq_buf chain[DESCS_PER_REQ] = {
		{ virt_to_phys(&s->hdr), sizeof(s->hdr), false },
		{ virt_to_phys(r->buf), r->len, !r->write },
		{ virt_to_phys(&s->status), 1, true },
	};
	int rc = vq_add(&d->vq, chain, DESCS_PER_REQ, s);
	BUG_ON(rc); /* slots are queue size / 3: a free slot means three free descriptors */
	if (r->write)
		d->stats.writes++;
	else
		d->stats.reads++;
	d->stats.in_flight++;
	d->stats.peak_in_flight = MAX(d->stats.peak_in_flight, d->stats.in_flight);
	if (vq_kick_needed(&d->vq))
		outw(d->io + VIRTIO_PCI_QUEUE_NOTIFY, VBLK_QUEUE);
	spin_unlock_irqrestore(&d->lock, f);
	return 0;
}

/* Runs in the interrupt handler: after the flag store the waiter may return and its stack
 * (r included) be reused, so nothing touches r afterwards; the handler's wake-up of
 * d->wait follows. */
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

/* The slots live in frames of their own so that each header is physically contiguous. */
static int alloc_slots(struct blockdev *d)
{
	unsigned nslots = d->vq.num / DESCS_PER_REQ;
	size_t bytes = nslots * sizeof(struct vblk_slot);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	d->slot_pages = alloc_pages(order);
	if (!d->slot_pages)
		return -ENOMEM;
	d->slot_order = order;
	struct vblk_slot *slots = page_address(d->slot_pages);
	memset(slots, 0, bytes);
	for (unsigned i = nslots; i-- > 0;) {
		slots[i].next_free = d->free_slots;
		d->free_slots = &slots[i];
	}
	return 0;
}

/* Bring one device up as disk number ndisks (the legacy initialization order: reset,
 * ACKNOWLEDGE, DRIVER, features, queue, vectors, DRIVER_OK). On failure one line says
 * why, and a device already touched is reset and marked FAILED. */
static void vblk_probe(struct pci_dev *pci)
{
	const char *why;
	const struct pci_bar *bar0 = &pci->bars[0];
	struct blockdev *d = NULL;
	if (ndisks == BLK_MAX_DISKS) {
		why = "more disks than names vda-vdz";
		goto fail_report;
	}
	if (!bar0->io || !bar0->base) {
		why = "no legacy I/O BAR 0";
		goto fail_report;
	}
	d = kzalloc(sizeof(*d));
	if (!d) {
		why = "out of memory";
		goto fail_report;
	}
	d->io = bar0->base;
	d->index = ndisks;
	spin_lock_init(&d->lock, "virtio-blk");
	wait_queue_init(&d->wait);

	pci_enable(pci);
	outb(d->io + VIRTIO_PCI_STATUS, 0);
	outb(d->io + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	outb(d->io + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	outl(d->io + VIRTIO_PCI_GUEST_FEATURES, 0);

	outw(d->io + VIRTIO_PCI_QUEUE_SEL, VBLK_QUEUE);
	uint16_t num = inw(d->io + VIRTIO_PCI_QUEUE_NUM);
	int rc = num < DESCS_PER_REQ ? -EINVAL : vq_init(&d->vq, num);
	if (rc) {
		why = rc == -ENOMEM ? "out of memory" : "unusable queue size";
		goto fail_free;
	}
	if (alloc_slots(d)) {
		why = "out of memory";
		goto fail_queue;
	}
	uint64_t pfn = vq_phys(&d->vq) >> VIRTIO_PCI_QUEUE_ADDR_SHIFT;
	if (pfn > UINT32_MAX) {
		why = "ring above the 16 TiB a legacy queue address reaches";
		goto fail_slots;
	}
	outl(d->io + VIRTIO_PCI_QUEUE_PFN, (uint32_t)pfn);

	/* A vector that is not used stays reserved: irq.h has no way to return one. */
	d->vector = irq_alloc_vector();
	if (d->vector < 0) {
		why = "no free interrupt vector";
		goto fail_reset;
	}
	if (pci_msix_enable(pci, VBLK_MSIX_ENTRY, d->vector)) {
		why = "no usable MSI-X";
		goto fail_reset;
	}
	/* Capacity is read once: no configuration-change interrupts. */
	outw(d->io + VIRTIO_MSI_CONFIG_VECTOR, VIRTIO_MSI_NO_VECTOR);
	outw(d->io + VIRTIO_MSI_QUEUE_VECTOR, VBLK_MSIX_ENTRY);
	if (inw(d->io + VIRTIO_MSI_QUEUE_VECTOR) != VBLK_MSIX_ENTRY) {
		why = "device refused the MSI-X vector";
		goto fail_msix;
	}
	uint16_t cfg = d->io + VIRTIO_PCI_CONFIG_MSIX;
	d->sectors = inl(cfg) | (uint64_t)inl(cfg + 4) << 32;

	d->name[0] = 'v';
	d->name[1] = 'd';
	d->name[2] = 'a' + d->index;
	__atomic_store_n(&disks[d->index], d, __ATOMIC_RELEASE);
	irq_register(d->vector, vblk_interrupt, d->name);
	outb(d->io + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	     VIRTIO_STATUS_DRIVER_OK);
	__atomic_store_n(&ndisks, d->index + 1, __ATOMIC_RELEASE);
	printk("%s: virtio-blk, %lu sectors (%lu MiB), msi-x vector 0x%x\n", d->name, d->sectors,
	       d->sectors * BLK_SECTOR_SIZE >> 20, d->vector);
	return;

fail_msix:
	pci_msix_disable(pci);
fail_reset:
	outb(d->io + VIRTIO_PCI_STATUS, 0); /* the device forgets the ring before it is freed */
fail_slots:
	free_pages(d->slot_pages, d->slot_order);
fail_queue:
	vq_destroy(&d->vq);
fail_free:
	outb(d->io + VIRTIO_PCI_STATUS, VIRTIO_STATUS_FAILED);
	kfree(d);
fail_report:
	printk("virtio-blk " PCI_FMT ": %s, not used\n", PCI_ARGS(pci), why);
}

void virtio_blk_init(void)
{
	struct pci_dev *p = NULL;
	while ((p = pci_find_device(VIRTIO_VENDOR_ID, VIRTIO_BLK_LEGACY_ID, p)))
		vblk_probe(p);
	while ((p = pci_find_device(VIRTIO_VENDOR_ID, VIRTIO_BLK_MODERN_ID, p)))
		printk("virtio-blk " PCI_FMT ": modern-only device (no legacy interface), not used\n",
		       PCI_ARGS(p));
}
