#include "arch-x86_64/arch.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/idt.h"
#include "arch-x86_64/fault.h"
#include "arch-x86_64/acpi.h"
#include "arch-x86_64/pic.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/ioapic.h"
#include "arch-x86_64/apic_timer.h"
#include "arch-x86_64/irq.h"
#include "drivers/uart.h"
#include "arch-x86_64/fpu.h"
#include "arch-x86_64/syscall_entry.h"
#include "arch-x86_64/cpu.h"
#include "kernel/printk.h"

void cpu_init(void)
{
	gdt_init(); /* percpu_init(0) came first of all, in kmain */
	idt_init();
	idt_load();
	fault_init();
	write_cr0(read_cr0() | CR0_WP); /* ring 0 honours read-only pages too (copy-on-write) */
	fpu_init();
	syscall_init();
}

static void com1_interrupt(int vector, void *ctx)
{
	uart_rx_poll();
	lapic_eoi();
}

/* Bytes typed before this point wait in the UART (uart_init kept its FIFO), and
 * uart_enable_rx_irq() drains them once the interrupt is routed. */
static void com1_irq_init(void)
{
	int vector = irq_alloc_vector();
	BUG_ON(vector < 0);
	irq_register(vector, com1_interrupt, NULL, "com1");
	ioapic_route_isa_irq(COM1_IRQ, vector);
	uart_enable_rx_irq();
}

void platform_init(void)
{
	acpi_init();
	pic_disable();
	lapic_init();
	ioapic_init();
	apic_timer_init();
	com1_irq_init();
	irq_enable();
}
