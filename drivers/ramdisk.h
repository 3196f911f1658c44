/* The RAM disk's start-up; the disk is used through blockdev.h. */
#ifndef RAMDISK_H
#define RAMDISK_H

/* With "ramdisk=SIZE" on the command line (K, M or G suffix; whole 4 KiB pages), take SIZE
 * of frames from the page allocator for good and make them disk "ram0", zero-filled; print
 * one line saying so, or why not (a bad size, memory short: then no disk). Once, on the
 * boot CPU, after platform_init() and virtio_blk_init(); interrupts on. */
void ramdisk_init(void);

#endif
