/* The ACPI tables are read in place through the direct map: the firmware keeps them in
 * ACPI-reclaimable or reserved memory, which mm's direct map covers. */
#include "arch-x86_64/acpi.h"
#include "kernel/bootinfo.h"
#include "mm/memlayout.h"
#include "arch-x86_64/cpu.h"
#include "lib/string.h"
#include "kernel/printk.h"

struct acpi_madt_info acpi_madt;

struct rsdp {
	char signature[8];   /* "RSD PTR " */
	uint8_t checksum;    /* of the first 20 bytes (ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision;    /* 0: ACPI 1.0 (RSDT only); 2+: the fields below exist */
	uint32_t rsdt_phys;
	uint32_t length;
	uint64_t xsdt_phys;
	uint8_t ext_checksum; /* of the whole structure */
	uint8_t reserved[3];
} __packed;

/* The root table: an array of 32-bit (RSDT) or 64-bit (XSDT) table addresses. */
static const struct acpi_header *root;
static unsigned root_entry_size;

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_ADDR = 5 };
#define MADT_CPU_ENABLED        (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)
/* Override flags (MPS INTI): polarity in bits 0-1, trigger mode in bits 2-3; 0 means "as
 * the bus says", which for ISA is active high, edge. */
#define MPS_ACTIVE_LOW 0x3
#define MPS_LEVEL      (0x3 << 2)

#define PC_IOAPIC_PHYS 0xfec00000UL
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000UL /* IA32_APIC_BASE bits 12-51 */
#define MAX_TABLE_SIZE MiB(1) /* sanity bound before summing a table's bytes */

static bool checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

static bool rsdp_ok(const struct rsdp *r)
{
	if (memcmp(r->signature, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return false;
	return r->revision < 2 || checksum_ok(r, sizeof(*r));
}

static const struct rsdp *scan_rsdp(uint64_t phys, size_t len)
{
	for (uint64_t p = phys; p + sizeof(struct rsdp) <= phys + len; p += 16) /* 16-aligned */
		if (rsdp_ok(phys_to_virt(p)))
			return phys_to_virt(p);
	return NULL;
}

static const struct rsdp *find_rsdp(void)
{
	if (boot_info.have_rsdp && rsdp_ok((const void *)boot_info.rsdp))
		return (const void *)boot_info.rsdp;
	/* BIOS: the first KiB of the EBDA (its segment is stored at 0x40e), then the ROM area. */
	uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
	const struct rsdp *r = ebda ? scan_rsdp(ebda, 1024) : NULL;
	return r ? r : scan_rsdp(0xe0000, 0x20000);
}

static const struct acpi_header *table_at(uint64_t phys)
{
	const struct acpi_header *h = phys_to_virt(phys);
	if (!phys || h->length < sizeof(*h) || h->length > MAX_TABLE_SIZE)
		return NULL;
	return checksum_ok(h, h->length) ? h : NULL;
}

const struct acpi_header *acpi_find_table(const char *signature)
{
	if (!root)
		return NULL;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	unsigned n = (root->length - sizeof(*root)) / root_entry_size;
	for (unsigned i = 0; i < n; i++) {
		uint64_t phys = 0;
		memcpy(&phys, entries + i * root_entry_size, root_entry_size); /* unaligned */
		const struct acpi_header *h = phys_to_virt(phys);
		if (phys && !memcmp(h->signature, signature, 4))
			return table_at(phys);
	}
	return NULL;
}

static void add_cpu(uint8_t apic_id, uint32_t flags)
{
	if ((flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)) && acpi_madt.ncpus < MAX_CPUS)
		acpi_madt.cpu_lapic_ids[acpi_madt.ncpus++] = apic_id;
}

static void add_ioapic(uint8_t id, uint64_t phys, uint32_t gsi_base)
{
	if (acpi_madt.nioapics < ACPI_MAX_IOAPICS)
		acpi_madt.ioapics[acpi_madt.nioapics++] = (struct acpi_ioapic){ id, phys, gsi_base };
}

static void add_override(uint8_t isa_irq, uint32_t gsi, uint16_t flags)
{
	if (acpi_madt.noverrides < ACPI_MAX_OVERRIDES)
		acpi_madt.overrides[acpi_madt.noverrides++] = (struct acpi_irq_override){
			isa_irq, gsi, (flags & MPS_ACTIVE_LOW) == MPS_ACTIVE_LOW,
			(flags & MPS_LEVEL) == MPS_LEVEL };
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* MADT: the header, the 32-bit LAPIC address, 32-bit flags, then variable-length entries
 * (type, length, body). */
static void parse_madt(const struct acpi_header *madt)
{
	const uint8_t *p = (const uint8_t *)(madt + 1);
	const uint8_t *end = (const uint8_t *)madt + madt->length;

	acpi_madt.lapic_phys = rd32(p);
	for (p += 8; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		switch (p[0]) {
		case MADT_LAPIC:       /* acpi processor id, apic id, flags */
			add_cpu(p[3], rd32(p + 4));
			break;
		case MADT_IOAPIC:      /* id, reserved, address, gsi base */
			add_ioapic(p[2], rd32(p + 4), rd32(p + 8));
			break;
		case MADT_OVERRIDE:    /* bus (0 = ISA), source irq, gsi, flags */
			add_override(p[3], rd32(p + 4), p[8] | p[9] << 8);
			break;
		case MADT_LAPIC_ADDR:  /* reserved, 64-bit address */
			memcpy(&acpi_madt.lapic_phys, p + 4, 8);
			break;
		}
	}
}

static const char *find_madt(void)
{
	const struct rsdp *r = find_rsdp();
	if (!r)
		return "no RSDP";
	if (r->revision >= 2 && r->xsdt_phys) {
		root = table_at(r->xsdt_phys);
		root_entry_size = 8;
	} else {
		root = table_at(r->rsdt_phys);
		root_entry_size = 4;
	}
	if (!root)
		return "bad RSDT/XSDT checksum";
	const struct acpi_header *madt = acpi_find_table("APIC");
	if (!madt)
		return "no valid MADT";
	parse_madt(madt);
	if (!acpi_madt.nioapics)
		return "MADT lists no IOAPIC";
	return NULL;
}

void acpi_init(void)
{
	const char *err = find_madt();
	if (err) {
		printk("acpi: WARNING: %s; assuming PC defaults (ioapic at 0x%lx, ISA IRQs 1:1)\n",
		       err, PC_IOAPIC_PHYS);
		memset(&acpi_madt, 0, sizeof(acpi_madt));
		acpi_madt.lapic_phys = rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;
		add_ioapic(0, PC_IOAPIC_PHYS, 0);
		return;
	}
	printk("acpi: %s, MADT: lapic 0x%lx, %u cpu%s, %u ioapic%s, %u irq override%s\n",
	       root_entry_size == 8 ? "XSDT" : "RSDT", acpi_madt.lapic_phys,
	       acpi_madt.ncpus, acpi_madt.ncpus == 1 ? "" : "s",
	       acpi_madt.nioapics, acpi_madt.nioapics == 1 ? "" : "s",
	       acpi_madt.noverrides, acpi_madt.noverrides == 1 ? "" : "s");
}
