#include "drivers/power.h"
#include "arch-x86_64/cpu.h"
#include "kernel/printk.h"

#define DEBUG_EXIT_PORT 0xf4
#define ACPI_PM1A_CNT   0x604  /* QEMU's PIIX4/ICH9 PM1a control block, as set by the firmware */
#define ACPI_SLP_EN_S5  0x2000

void qemu_exit(uint8_t code)
{
	irq_disable();
	outl(DEBUG_EXIT_PORT, code);
	/* No isa-debug-exit device: try ACPI soft-off, then stop. */
	outw(ACPI_PM1A_CNT, ACPI_SLP_EN_S5);
	cpu_halt_forever();
}

void poweroff(void)
{
	printk("power off\n");
	qemu_exit(QEMU_EXIT_POWEROFF);
}
