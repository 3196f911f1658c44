/* Ending the machine: QEMU's isa-debug-exit device, then ACPI power-off as a fallback. */
#ifndef POWER_H
#define POWER_H

#include "lib/compiler.h"

/* Codes written to isa-debug-exit; QEMU exits with status (code << 1) | 1. qemu.mk names
 * those statuses for the Makefile and the boot-test harness: 33 is success; anything else
 * (0 = triple fault) fails. */
#define QEMU_EXIT_POWEROFF 0x10 /* status 33 */
#define QEMU_EXIT_PANIC    0x20 /* status 65 */

__noreturn void qemu_exit(uint8_t code);
/* Orderly power-off: exit QEMU with the success code; halts if no exit device exists. */
__noreturn void poweroff(void);

#endif
