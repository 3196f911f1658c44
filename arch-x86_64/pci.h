/* PCI through the legacy configuration mechanism (ports 0xCF8/0xCFC): the boot-time scan,
 * one record per function with its BARs decoded, and what drivers need to run a device:
 * decoding and bus mastering, the capability list, MSI-X.
 *
 * Hardware contract: writing 0x80000000 | bus << 16 | device << 11 | function << 8 | offset
 * to CONFIG_ADDRESS (0xCF8, a dword) selects one aligned dword of a function's 256-byte
 * configuration space, which CONFIG_DATA (0xCFC-0xCFF) then reads or writes in 1, 2 or 4
 * byte pieces. An absent function reads vendor 0xFFFF. The firmware (SeaBIOS) has assigned
 * bus numbers and BAR addresses before the kernel runs; nothing here reassigns them. */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include "lib/compiler.h"
#include "lib/list.h"

/* Type-0 configuration header offsets. */
#define PCI_VENDOR_ID   0x00
#define PCI_DEVICE_ID   0x02
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_CLASS_REV   0x08  /* class 31:24, subclass 23:16, prog-if 15:8, revision 7:0 */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0        0x10
#define PCI_CAP_PTR     0x34

#define PCI_CMD_IO     (1u << 0)
#define PCI_CMD_MEM    (1u << 1)
#define PCI_CMD_MASTER (1u << 2)

#define PCI_CAP_MSIX 0x11

#define PCI_NUM_BARS 6

/* One base address register as the firmware left it. */
struct pci_bar {
	uint64_t base;      /* bus address (the physical address on x86); 0: not assigned */
	uint64_t size;      /* bytes; 0: no BAR here, or the upper half of a 64-bit one */
	bool io;            /* I/O ports (base is a port number); else memory */
	bool is64;          /* memory BAR taking this slot and the next */
	bool prefetchable;
};

/* One function found by pci_init(). Records are made at boot and never freed; everything
 * but msix_table is read-only afterwards, so it is read without a lock. */
struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint8_t class, subclass, prog_if;
	uint8_t header_type;               /* 0 device, 1 PCI bridge, 2 CardBus; without bit 7 */
	struct pci_bar bars[PCI_NUM_BARS]; /* header type 0: six, type 1: two, type 2: none */
	volatile uint32_t *msix_table;     /* mapped by the first pci_msix_enable(), else NULL */
	struct list_head node;             /* on the list of all functions, in scan order */
};

/* printk("pci " PCI_FMT "\n", PCI_ARGS(d)) prints "pci 00:03.0". */
#define PCI_FMT "%02x:%02x.%x"
#define PCI_ARGS(d) (d)->bus, (d)->dev, (d)->fn

/* Scan bus 0 and every bus behind a PCI-to-PCI bridge, each device and (multifunction
 * devices) each function; record every function found and print one line for it. Once, on
 * the boot CPU, after mm_init (records are kmalloc'd). */
void pci_init(void);

/* The next function after prev (NULL: the first) with this vendor and device id, in scan
 * order (bus 0 first); NULL when there is none. Lock-free (the list is fixed after pci_init). */
struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *prev);

/* Configuration-space access to d at offset off (< 256, naturally aligned for the width:
 * BUG_ON otherwise). Any context, any CPU; each access takes the config lock. */
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/* Turn on I/O and memory decoding and bus mastering (DMA and MSI writes) for d. For d's
 * driver, before it touches the BARs. */
void pci_enable(const struct pci_dev *d);

/* Configuration-space offset of d's first capability with this id, or 0 if it has none. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id);

/* Make MSI-X table entry `entry` of d deliver `vector` (fixed delivery, edge) to the LAPIC
 * of CPU cpu (online; irq_pick_cpu() chooses) and unmask it, then enable MSI-X for d (which ends its INTx); the
 * other entries keep their masks. Needs pci_enable(d) (the table is in a memory BAR).
 * Returns 0, -ENODEV if d has no MSI-X capability, -EINVAL if entry is past d's table or
 * the table's BAR is not an assigned memory BAR. For d's driver (one caller at a time). */
int pci_msix_enable(struct pci_dev *d, unsigned entry, int vector, int cpu);
/* Disable MSI-X for d again (a driver giving up on the device). */
void pci_msix_disable(const struct pci_dev *d);

#endif
