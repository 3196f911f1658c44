/* ACPI: just enough to find the interrupt hardware, from the MADT ("APIC" table). */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "lib/compiler.h"
#include "arch-x86_64/percpu.h"

#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16

/* Common header of every system description table. */
struct acpi_header {
	char signature[4];
	uint32_t length;     /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;    /* all bytes of the table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

struct acpi_ioapic {
	uint8_t id;
	uint64_t phys;       /* register window */
	uint32_t gsi_base;   /* first global system interrupt of its input pins */
};

/* An ISA IRQ that is not wired to the GSI of the same number, or not edge/active-high. */
struct acpi_irq_override {
	uint8_t isa_irq;
	uint32_t gsi;
	bool active_low, level;
};

struct acpi_madt_info {
	uint64_t lapic_phys;
	unsigned ncpus;                 /* enabled processors (LAPIC entries) */
	uint8_t cpu_lapic_ids[MAX_CPUS];
	unsigned nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	struct acpi_irq_override overrides[ACPI_MAX_OVERRIDES];
};

/* Filled by acpi_init(), read-only afterwards. */
extern struct acpi_madt_info acpi_madt;

/* Find the RSDP, the root table and the MADT, fill acpi_madt and print one summary line.
 * Without a usable MADT, falls back to the PC defaults (one IOAPIC at 0xfec00000, ISA IRQs
 * identity-mapped) with a warning. Once, on the boot CPU. */
void acpi_init(void);
/* The checksum-valid table with this signature ("APIC", "FACP", "MCFG", ...), read
 * through the direct map, or NULL. Valid after acpi_init(). */
const struct acpi_header *acpi_find_table(const char *signature);

#endif
