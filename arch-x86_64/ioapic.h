/* I/O APICs: route device interrupt lines (global system interrupts, GSIs) to vectors. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

/* Map every IOAPIC the MADT lists and mask all their entries. Needs acpi_init() and
 * lapic_init(); once, on the boot CPU. Prints one line per IOAPIC. */
void ioapic_init(void);
/* Deliver ISA IRQ isa_irq (0-15) as vector to the boot CPU, with the GSI, polarity and
 * trigger mode the MADT overrides give (ISA default: same-numbered GSI, edge, active high),
 * and unmask it. Panics if no IOAPIC serves the GSI. Takes the IOAPIC lock. */
void ioapic_route_isa_irq(int isa_irq, int vector);

#endif
