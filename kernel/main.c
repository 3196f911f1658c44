/* kmain: the order in which the kernel brings itself up. Each step may use only what the
 * steps before it set up; the comments say what each one makes available. */
#include "kernel/bootinfo.h"
#include "kernel/printk.h"
#include "drivers/uart.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/percpu.h"
#include "mm/mm.h"
#include "arch-x86_64/arch.h"
#include "arch-x86_64/rtc.h"
#include "arch-x86_64/vdso.h"
#include "kernel/sched.h"
#include "kernel/futex.h"
#include "mm/addrspace.h"
#include "fs/vfs.h"
#include "drivers/tty.h"
#include "fs/procfs.h"
#include "fs/initramfs.h"
#include "shell/shell.h"
#include "kernel/trace.h"
#include "mm/numa.h"
#include "mm/ksm.h"
#include "mm/swap.h"
#include "arch-x86_64/pci.h"
#include "drivers/virtio_blk.h"
#include "drivers/ramdisk.h"
#include "arch-x86_64/smp.h"

__noreturn void kmain(uint32_t loader_magic, uint32_t info_phys);

void kmain(uint32_t loader_magic, uint32_t info_phys)
{
	percpu_init(0); /* this_cpu(): first, since every spinlock records its owner CPU */
	uart_init(); /* printk works from here on */
	if (!bootinfo_parse(loader_magic, info_phys)) {
		printk("boot: unknown boot loader (magic 0x%x): boot through GRUB multiboot2 or "
		       "QEMU PVH\n", loader_magic);
		cpu_halt_forever();
	}
	printk("ksm-kernel: booted by %s, command line \"%s\"\n", boot_info.loader, boot_info.cmdline);

	cpu_init(); /* GDT/TSS, IDT with exception handlers (arch-x86_64) */

	mm_init(); /* frame allocator, final page tables, kmalloc (mm/) */

	platform_init(); /* ACPI MADT, PIC off, LAPIC + IOAPIC, clock, timer, UART IRQ, sti */
	smp_boot_aps(); /* the other CPUs of the MADT, set up and parked for now */

	pci_init(); /* the PCI functions, one line each */
	virtio_blk_init(); /* disks vda, vdb, ... (drivers/blockdev.h), MSI-X completion */
	ramdisk_init(); /* ramdisk=SIZE: disk ram0, frames taken from the allocator for good */

	rtc_init(); /* wall-clock time for CLOCK_REALTIME */
	vdso_init(); /* user-mode clock reads, mapped by every exec */

	sched_init(); /* this context becomes CPU 0's idle task; tasks can be made */
	futex_init(); /* the futex hash buckets, before any user task */

	addrspace_init(); /* the zero page and reverse maps, for user page faults */

	vfs_init(); /* the file tree: /dev, /proc, /sys, then the initramfs */
	tty_init();
	procfs_init();
	trace_init();
	numa_init();
	initramfs_load();

	shell_start(); /* the shell kernel thread, pid 1, waiting for the end of boot */

	ksm_init(); /* ksmd (pid 2) and /sys/kernel/mm/ksm */

	kswapd_init(); /* the reclaim watermarks and kswapd0 (pid 3); the shell enables swap */

	shell_boot_done(); /* the prompt */

	sched_idle_loop();
}
