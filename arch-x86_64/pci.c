/* PCI configuration space, the bus scan, BAR decoding, capabilities and MSI-X (pci.h).
 *
 * BAR sizing (PCI Local Bus 3.0, 6.2.5.1): writing all ones to a BAR and reading it back
 * leaves zeros in the address bits below its size, so size = ~(read-back & address mask) + 1;
 * bit 0 says I/O (address mask ~3) or memory (mask ~0xf, type in bits 2:1, 2 = 64-bit with
 * the high half in the next BAR, bit 3 prefetchable). Decoding is off while a BAR holds the
 * probe value, so the device never answers at that bogus address.
 *
 * MSI-X (PCI 3.0, 6.8.2): capability 0x11; message control at +2 (table size - 1 in 10:0,
 * function mask bit 14, enable bit 15); at +4 the table's BAR index (BIR, bits 2:0) and
 * offset in it. Each 16-byte table entry: message address low, high, data, vector control
 * (bit 0 masks the entry). On x86 the address is 0xFEE00000 | destination LAPIC id << 12
 * (physical destination mode, no redirection hint) and the data is the vector with fixed
 * delivery mode and edge trigger (all other bits 0). */
#include "arch-x86_64/pci.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/spinlock.h"
#include "mm/ioremap.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/errno.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_CONFIG_ENABLE  0x80000000u

#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_SECONDARY_BUS 0x19   /* type-1 header: the bus behind the bridge */

#define BAR_IO         (1u << 0)
#define BAR_MEM_64     (2u << 1)
#define BAR_MEM_TYPE   (3u << 1)
#define BAR_PREFETCH   (1u << 3)

#define MSIX_CONTROL      2
#define MSIX_TABLE        4
#define MSIX_CTRL_SIZE    0x7ffu
#define MSIX_CTRL_MASKALL (1u << 14)
#define MSIX_CTRL_ENABLE  (1u << 15)
#define MSIX_ENTRY_WORDS  4      /* address low, address high, data, vector control */
#define MSIX_VECTOR_MASKED 1u
#define MSI_ADDRESS_BASE  0xfee00000u

/* The address/data port pair is one shared selector: every access is a select-then-transfer
 * pair that must not interleave with another CPU's or an interrupt handler's. */
static spinlock_t pci_config_lock = SPINLOCK_INIT("pci-config");
static struct list_head pci_devices = LIST_HEAD_INIT(pci_devices);

static uint16_t config_select(const struct pci_dev *d, unsigned off, unsigned width)
{
	BUG_ON(off >= 256 || off % width);
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (uint32_t)d->bus << 16 |
	     (uint32_t)d->dev << 11 | (uint32_t)d->fn << 8 | (off & 0xfc));
	return PCI_CONFIG_DATA + (off & 3);
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	uint64_t f = spin_lock_irqsave(&pci_config_lock);
	uint8_t v = inb(config_select(d, off, 1));
	spin_unlock_irqrestore(&pci_config_lock, f);
	return v;
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	uint64_t f = spin_lock_irqsave(&pci_config_lock);
	uint16_t v = inw(config_select(d, off, 2));
	spin_unlock_irqrestore(&pci_config_lock, f);
	return v;
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	uint64_t f = spin_lock_irqsave(&pci_config_lock);
	uint32_t v = inl(config_select(d, off, 4));
	spin_unlock_irqrestore(&pci_config_lock, f);
	return v;
}

/* A true 16-bit write: widening it would write back the status register's
 * write-one-to-clear bits next to the command register. */
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_config_lock);
	outw(config_select(d, off, 2), v);
	spin_unlock_irqrestore(&pci_config_lock, f);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	uint64_t f = spin_lock_irqsave(&pci_config_lock);
	outl(config_select(d, off, 4), v);
	spin_unlock_irqrestore(&pci_config_lock, f);
}

/* Write all ones to the BAR dword at off, return what reads back, restore the original. */
static uint32_t bar_probe(const struct pci_dev *d, unsigned off, uint32_t orig)
{
	pci_write32(d, off, 0xffffffff);
	uint32_t v = pci_read32(d, off);
	pci_write32(d, off, orig);
	return v;
}

static void decode_bars(struct pci_dev *d, unsigned nbars)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < nbars; i++) {
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t orig = pci_read32(d, off);
		uint32_t probe = bar_probe(d, off, orig);
		if (!probe)
			continue; /* unimplemented BAR */
		struct pci_bar *b = &d->bars[i];
		if (orig & BAR_IO) {
			uint32_t mask = probe & ~3u;
			if (!(mask >> 16))
				mask |= 0xffff0000u; /* a 16-bit decoder reads the top half as 0 */
			b->io = true;
			b->base = orig & ~3u;
			b->size = (uint32_t)(~mask + 1);
			continue;
		}
		uint64_t base = orig & ~0xfu, mask = 0xffffffff00000000ul | (probe & ~0xfu);
		if ((orig & BAR_MEM_TYPE) == BAR_MEM_64 && i + 1 < nbars) {
			uint32_t orig_hi = pci_read32(d, off + 4);
			uint32_t probe_hi = bar_probe(d, off + 4, orig_hi);
			base |= (uint64_t)orig_hi << 32;
			mask = (uint64_t)probe_hi << 32 | (probe & ~0xfu);
			b->is64 = true;
			i++;
		}
		b->base = base;
		b->size = ~mask + 1;
		b->prefetchable = orig & BAR_PREFETCH;
	}
	pci_write16(d, PCI_COMMAND, cmd);
}

static struct pci_dev *add_function(uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_dev *d = kzalloc(sizeof(*d));
	if (!d)
		panic("pci: out of memory for the device list");
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	uint32_t class_rev = pci_read32(d, PCI_CLASS_REV);
	d->class = class_rev >> 24;
	d->subclass = class_rev >> 16;
	d->prog_if = class_rev >> 8;
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & ~PCI_HEADER_MULTIFUNCTION;
	if (d->header_type <= 1)
		decode_bars(d, d->header_type == 0 ? PCI_NUM_BARS : 2);
	list_add_tail(&d->node, &pci_devices);
	printk("pci " PCI_FMT " %04x:%04x class %02x:%02x\n", PCI_ARGS(d), d->vendor, d->device,
	       d->class, d->subclass);
	return d;
}

/* Buses still to scan, each queued once (a misprogrammed bridge cannot make a loop). */
struct bus_queue {
	uint8_t bus[256];
	unsigned head, tail;
	bool queued[256];
};

static void queue_bus(struct bus_queue *q, uint8_t bus)
{
	if (!q->queued[bus]) {
		q->queued[bus] = true;
		q->bus[q->tail++] = bus;
	}
}

static void scan_bus(struct bus_queue *q, uint8_t bus)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		struct pci_dev probe = { .bus = bus, .dev = dev, .fn = 0 };
		if (pci_read16(&probe, PCI_VENDOR_ID) == 0xffff)
			continue;
		bool multi = pci_read8(&probe, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNCTION;
		for (unsigned fn = 0; fn < (multi ? 8u : 1u); fn++) {
			probe.fn = fn;
			if (pci_read16(&probe, PCI_VENDOR_ID) == 0xffff)
				continue;
			struct pci_dev *d = add_function(bus, dev, fn);
			if (d->header_type == 1)
				queue_bus(q, pci_read8(d, PCI_SECONDARY_BUS));
		}
	}
}

/* Bus 0, then the bus behind each PCI-to-PCI bridge, as the firmware numbered them:
 * probing all 256 bus numbers instead would cost 8192 probes (about 10 ms under TCG). */
void pci_init(void)
{
	static struct bus_queue q; /* boot only, once */
	queue_bus(&q, 0);
	while (q.head < q.tail)
		scan_bus(&q, q.bus[q.head++]);
}

struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *prev)
{
	struct list_head *pos = prev ? prev->node.next : pci_devices.next;
	for (; pos != &pci_devices; pos = pos->next) {
		struct pci_dev *d = list_entry(pos, struct pci_dev, node);
		if (d->vendor == vendor && d->device == device)
			return d;
	}
	return NULL;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

/* The list lives in bytes 0x40-0xff as 4-byte-aligned nodes (id, next); the bound on the
 * walk stops a malformed list that loops. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	if (d->header_type > 1 || !(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	unsigned off = pci_read8(d, PCI_CAP_PTR) & 0xfc;
	for (unsigned n = 0; off >= 0x40 && n < (256 - 0x40) / 4; n++) {
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1) & 0xfc;
	}
	return 0;
}

int pci_msix_enable(struct pci_dev *d, unsigned entry, int vector, int cpu)
{
	BUG_ON(cpu < 0 || cpu >= MAX_CPUS || !cpus[cpu].online);
	BUG_ON(vector < IRQ_VECTOR_DYN_FIRST || vector > IRQ_VECTOR_DYN_LAST);
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_read16(d, cap + MSIX_CONTROL);
	unsigned nentries = (ctrl & MSIX_CTRL_SIZE) + 1;
	if (entry >= nentries)
		return -EINVAL;
	if (!d->msix_table) {
		uint32_t loc = pci_read32(d, cap + MSIX_TABLE);
		unsigned bir = loc & 7;
		uint64_t offset = loc & ~7u, bytes = nentries * MSIX_ENTRY_WORDS * 4;
		if (bir >= PCI_NUM_BARS)
			return -EINVAL;
		const struct pci_bar *b = &d->bars[bir];
		if (b->io || !b->base || offset + bytes > b->size)
			return -EINVAL;
		d->msix_table = ioremap(b->base + offset, bytes);
	}
	uint32_t apic = cpus[cpu].lapic_id;
	BUG_ON(apic > 0xff); /* xAPIC message addresses carry 8 bits of destination */

	/* The function mask holds every message back while the entry is half-written. */
	pci_write16(d, cap + MSIX_CONTROL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	volatile uint32_t *e = d->msix_table + entry * MSIX_ENTRY_WORDS;
	e[0] = MSI_ADDRESS_BASE | apic << 12;
	e[1] = 0;
	e[2] = (uint32_t)vector;
	e[3] &= ~MSIX_VECTOR_MASKED;
	pci_write16(d, cap + MSIX_CONTROL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASKALL);
	return 0;
}

void pci_msix_disable(const struct pci_dev *d)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX);
	BUG_ON(!cap);
	uint16_t ctrl = pci_read16(d, cap + MSIX_CONTROL);
	pci_write16(d, cap + MSIX_CONTROL, ctrl & ~MSIX_CTRL_ENABLE);
}
