/* Kernel messages and fatal errors. */
#ifndef PRINTK_H
#define PRINTK_H

#include "compiler.h"
#include "lib/format.h"

/* Format and write to the console. Safe from any context, including interrupts. */
int printk(const char *fmt, ...) __printf(1, 2);

/* Print "KERNEL PANIC at file:line: message" and a backtrace, then stop (see panic_stop). */
__noreturn void panic_at(const char *file, int line, const char *fmt, ...) __printf(3, 4);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
/* An invariant: failing it is a kernel bug and panics with the condition's text. */
#define BUG_ON(cond) do { if (unlikely(cond)) panic("BUG_ON(%s)", #cond); } while (0)

/* Print a frame-pointer backtrace starting at frame pointer rbp. */
void backtrace_from(uint64_t rbp);
/* End after a panic: exit QEMU with the panic code when the command line says panic=exit,
 * otherwise halt this CPU for good. */
__noreturn void panic_stop(void);

#endif
