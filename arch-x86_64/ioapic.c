#include "arch-x86_64/ioapic.h"
#include "arch-x86_64/acpi.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/spinlock.h"
#include "mm/ioremap.h"
#include "kernel/printk.h"

/* Registers are reached indirectly: write the index to IOREGSEL, then access IOWIN. The
 * pair is not atomic, so every access takes ioapic_lock. */
#define IOREGSEL 0
#define IOWIN    (0x10 / 4)
#define IOAPIC_WINDOW_SIZE 0x20
enum { IOAPIC_REG_VER = 1, IOAPIC_REG_REDTBL = 0x10 }; /* entry n: 0x10 + 2n (low), +1 (high) */

/* Redirection entry, low dword; the high dword holds the destination LAPIC id in 31:24. */
#define RTE_MASKED     (1u << 16)
#define RTE_LEVEL      (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
/* delivery mode fixed (0) and destination mode physical (0) are the zero bits */

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base, ngsi;
};

static spinlock_t ioapic_lock = SPINLOCK_INIT("ioapic");
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL] = reg;
	return io->regs[IOWIN];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL] = reg;
	io->regs[IOWIN] = v;
}

static void write_entry(struct ioapic *io, uint32_t pin, uint32_t low, uint32_t high)
{
	/* Masked while half-written, so a stale vector never fires with the new destination. */
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, RTE_MASKED);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, high);
	ioapic_write(io, IOAPIC_REG_REDTBL + 2 * pin, low);
}

void ioapic_init(void)
{
	uint64_t f = spin_lock_irqsave(&ioapic_lock);
	for (unsigned i = 0; i < acpi_madt.nioapics; i++) {
		const struct acpi_ioapic *a = &acpi_madt.ioapics[i];
		struct ioapic *io = &ioapics[nioapics++];
		io->regs = ioremap(a->phys, IOAPIC_WINDOW_SIZE);
		io->gsi_base = a->gsi_base;
		io->ngsi = ((ioapic_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1; /* max entry + 1 */
		for (uint32_t pin = 0; pin < io->ngsi; pin++)
			write_entry(io, pin, RTE_MASKED, 0);
		printk("ioapic: id %u at 0x%lx, gsi %u-%u, all masked\n",
		       a->id, a->phys, io->gsi_base, io->gsi_base + io->ngsi - 1);
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
}

void ioapic_route_isa_irq(int isa_irq, int vector)
{
	uint32_t gsi = isa_irq, low = vector;
	for (unsigned i = 0; i < acpi_madt.noverrides; i++) {
		const struct acpi_irq_override *o = &acpi_madt.overrides[i];
		if (o->isa_irq == isa_irq) {
			gsi = o->gsi;
			low |= (o->active_low ? RTE_ACTIVE_LOW : 0) | (o->level ? RTE_LEVEL : 0);
		}
	}
	uint64_t f = spin_lock_irqsave(&ioapic_lock);
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->ngsi) {
			write_entry(io, gsi - io->gsi_base, low, cpus[0].lapic_id << 24);
			spin_unlock_irqrestore(&ioapic_lock, f);
			return;
		}
	}
	spin_unlock_irqrestore(&ioapic_lock, f);
	panic("ioapic: no IOAPIC serves GSI %u (ISA IRQ %d)", gsi, isa_irq);
}
