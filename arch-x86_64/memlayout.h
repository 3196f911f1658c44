/* x86-64's virtual and physical address layout (see docs/architecture.md). Generic code
 * reaches these through mm/memlayout.h. */
#ifndef ARCH_MEMLAYOUT_H
#define ARCH_MEMLAYOUT_H

#include "lib/compiler.h"

#define PAGE_SHIFT 12

/* Every physical frame is mapped here, so a frame's contents are reachable by arithmetic. */
#define DIRECT_MAP_BASE 0xffff800000000000UL
/* Never mapped (the direct map ends below it: 32 TiB of RAM at most): the shell's `fault`
 * command writes here to show a kernel page fault. */
#define FAULT_TEST_VA   0xffffa00000000000UL
/* Device memory (LAPIC, IOAPIC, PCI BARs) is mapped uncached by ioremap() in this window. */
#define IOREMAP_BASE    0xffffc00000000000UL
#define IOREMAP_SIZE    GiB(1)
/* The kernel image: linked at KERNEL_VMA + its physical load address. */
#define KERNEL_VMA      0xffffffff80000000UL
/* User space: [USER_BASE, USER_END), one page short of the canonical hole (sysret safety;
 * syscall_entry.asm repeats USER_END). */
#define USER_BASE       0x0000000000001000UL
#define USER_END        0x00007ffffffff000UL

/* Physical memory the early boot tables (boot/boot.asm) reach through the direct map; mm_init
 * replaces them with tables that map all RAM. */
#define BOOT_DIRECT_MAP_END GiB(4)
/* The legacy first MiB (BIOS data, EBDA, VGA, option ROMs): always direct-mapped (ACPI and
 * MP-table searches read it), never given to the page allocator. */
#define LOW_MEM_END MiB(1)

/* x86-64's architectural limit: no physical address reaches 2^52. */
#define PHYS_LIMIT (1UL << 52)

#endif
