/* Pages, frames and the kernel's address translations, over the architecture's layout
 * (arch-x86_64/memlayout.h: PAGE_SHIFT, the direct map, the kernel image, user space). */
#ifndef MM_MEMLAYOUT_H
#define MM_MEMLAYOUT_H

#include "lib/compiler.h"
#include "arch-x86_64/memlayout.h"

#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define PFN_DOWN(pa) ((uint64_t)(pa) >> PAGE_SHIFT)
#define PFN_UP(pa)   (((uint64_t)(pa) + PAGE_SIZE - 1) >> PAGE_SHIFT)

static inline void *phys_to_virt(uint64_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }

/* Physical address of a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}

/* Linker-script symbols bounding the kernel image. */
extern char __kernel_phys_start[], __kernel_phys_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[], __kernel_end[];

#endif
