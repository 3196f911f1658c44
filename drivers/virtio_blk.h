/* The virtio-blk driver's start-up; the disks it finds are used through blockdev.h. */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

/* Set up every legacy virtio-blk PCI function as a disk (vda, vdb, ... in PCI scan order) and
 * print one line per disk, or one line per device that cannot be used (no MSI-X, ...).
 * Once, on the boot CPU, after pci_init(); interrupts on. */
void virtio_blk_init(void);

#endif
