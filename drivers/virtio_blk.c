/* virtio-blk over the legacy virtio PCI interface, completing requests by MSI-X interrupt,
 * with up to a third of the queue size in flight: the blockdev_ops of disks vda, vdb, ...
 * (blockdev.h).
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
 * Locking: each disk's lock (irqsave) guards its virtqueue and request slots; completion
 * (blk_complete: counters, callbacks, wake-ups) runs after it is dropped. */
#include "drivers/virtio_blk.h"
#include "drivers/blockdev.h"
#include "drivers/virtqueue.h"
#include "arch-x86_64/pci.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/spinlock.h"
#include "kernel/sched.h"
#include "mm/page_alloc.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/format.h"
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
#define VBLK_MAX_DISKS   26      /* vda-vdz */

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

struct vblk {
	struct blockdev blk;         /* name, capacity, ops: the generic part */
	uint16_t io;                 /* legacy register block (BAR 0) */
	int vector;                  /* the queue's interrupt */
	int irq_cpu;                 /* the CPU it is delivered to */
	spinlock_t lock;             /* guards vq, the slots, free_slots */
	struct virtqueue vq;
	struct page *slot_pages;     /* queue size / 3 slots, in frames of their own */
	unsigned slot_order;
	struct vblk_slot *free_slots;
};

static unsigned ndisks;          /* virtio disks brought up: the next one's letter */

/* Take every finished request off the ring under the lock, then complete them without it. */
static void vblk_interrupt(int vector, void *ctx)
{
	struct vblk *d = ctx;
	struct blk_request *finished = NULL, **tail = &finished;
	uint64_t f = spin_lock_irqsave(&d->lock);
	struct vblk_slot *s;
	while ((s = vq_pop(&d->vq, NULL))) {
		struct blk_request *r = s->req;
		r->status = s->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
		s->req = NULL;
		s->next_free = d->free_slots;
		d->free_slots = s;
		r->next_done = NULL;
		*tail = r;
		tail = &r->next_done;
	}
	spin_unlock_irqrestore(&d->lock, f);
	blk_complete(&d->blk, finished);
	lapic_eoi();
}

/* Sleeps on the disk's wait queue, which every completion batch wakes, while no slot is
 * free. */
static void vblk_submit(struct blockdev *b, struct blk_request *r)
{
	struct vblk *d = container_of(b, struct vblk, blk);
	uint64_t f;
	for (;;) {
		f = spin_lock_irqsave(&d->lock);
		if (d->free_slots)
			break;
		spin_unlock_irqrestore(&d->lock, f);
		wait_event(b->wait, READ_ONCE(d->free_slots) != NULL);
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
	/* Always notified, NO_NOTIFY or not: with the flag honoured (and the barrier the
	 * protocol asks for), QEMU 7.2 under TCG sometimes left a request in the available
	 * ring unseen, idle, for good: its queue status showed last_avail_idx one behind
	 * avail->idx, and swap hung on that read (1 run in 8, 3 in 5 with the debug kernel;
	 * none in 8 debug runs with the kick). One port write per request is the cost. */
	outw(d->io + VIRTIO_PCI_QUEUE_NOTIFY, VBLK_QUEUE);
	spin_unlock_irqrestore(&d->lock, f);
}

static const struct blockdev_ops vblk_ops = {
	.submit = vblk_submit,
};

/* The slots live in frames of their own so that each header is physically contiguous. */
static int alloc_slots(struct vblk *d)
{
	unsigned nslots = d->vq.num / DESCS_PER_REQ;
	size_t bytes = nslots * sizeof(struct vblk_slot);
	unsigned order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	d->slot_pages = alloc_kernel_pages(order);
	if (!d->slot_pages)
		return -ENOMEM;
	d->slot_order = order;
	struct vblk_slot *slots = page_address(d->slot_pages);
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
	struct vblk *d = NULL;
	if (ndisks == VBLK_MAX_DISKS) {
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
	spin_lock_init(&d->lock, "virtio-blk");

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
	d->irq_cpu = irq_pick_cpu();
	if (pci_msix_enable(pci, VBLK_MSIX_ENTRY, d->vector, d->irq_cpu)) {
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
	struct blockdev *b = &d->blk;
	b->sectors = inl(cfg) | (uint64_t)inl(cfg + 4) << 32;
	b->ops = &vblk_ops;
	snprintf(b->name, sizeof(b->name), "vd%c", 'a' + ndisks);

	irq_register(d->vector, vblk_interrupt, d, b->name);
	outb(d->io + VIRTIO_PCI_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	     VIRTIO_STATUS_DRIVER_OK);
	/* Cannot fail: the virtio disks (26 at most) come first, before the RAM disk. */
	BUG_ON(blk_register(b));
	ndisks++;
	printk("%s: virtio-blk, %lu sectors (%lu MiB), msi-x vector 0x%x on CPU %d\n", b->name,
	       b->sectors, b->sectors * BLK_SECTOR_SIZE >> 20, d->vector, d->irq_cpu);
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
