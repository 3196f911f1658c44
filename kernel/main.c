/* kmain: the order in which the kernel brings itself up. Each step may use only what the
 * steps before it set up; the comments say what each one makes available. */
#include "bootinfo.h"
#include "printk.h"
#include "uart.h"
#include "cpu.h"
#include "power.h"

__noreturn void kmain(uint32_t loader_magic, uint32_t info_phys);

void kmain(uint32_t loader_magic, uint32_t info_phys)
{
	uart_init(); /* printk works from here on */
	if (!bootinfo_parse(loader_magic, info_phys)) {
		printk("boot: unknown boot loader (magic 0x%x): boot through GRUB multiboot2 or "
		       "QEMU PVH\n", loader_magic);
		cpu_halt_forever();
	}
	printk("ksm-kernel: booted by %s, command line \"%s\"\n", boot_info.loader, boot_info.cmdline);

	/* STEP cpu: GDT/TSS, IDT with exception handlers, per-CPU data (arch-x86_64) */

	/* STEP mm: frame allocator, final page tables, kmalloc (mm/) */

	/* STEP platform: ACPI MADT, PIC off, LAPIC + IOAPIC, clock, timer, UART IRQ, sti */

	/* STEP shell */
	poweroff();
}
