/* Kernel messages and fatal errors. */
#ifndef PRINTK_H
#define PRINTK_H

#include "lib/compiler.h"
#include "lib/format.h"

/* Format and write to the console. Safe from any context, including interrupts. */
int printk(const char *fmt, ...) __printf(1, 2);

/* Print "KERNEL PANIC at file:line: message" and a backtrace, then stop (see panic_stop). */
__noreturn void panic_at(const char *file, int line, const char *fmt, ...) __printf(3, 4);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
/* An invariant: failing it is a kernel bug and panics with the condition's text. */
#define BUG_ON(cond) do { if (unlikely(cond)) panic("BUG_ON(%s)", #cond); } while (0)

/* Print a frame-pointer backtrace starting at frame pointer rbp. sp: the interrupted stack
 * pointer of a trap (0 if none): a leaf function has no frame of its own (gcc omits it even
 * with -fno-omit-frame-pointer), so its caller's return address, at the top of the stack,
 * is printed first, marked "?" as the word may also be a stale one. */
void backtrace_from(uint64_t rbp, uint64_t sp);
/* The first step of a panic report: interrupts off; the first CPU to panic goes on, with
 * the other CPUs stopped (smp_stop_others) and the console's lock no longer taken on it;
 * another CPU that panics meanwhile halts quietly. */
void panic_enter(void);
/* Whether some CPU reports a panic (lock-free): an NMI then stops this CPU. */
bool panic_in_progress(void);
/* Whether this CPU is the one reporting it (the console then writes without its lock, which
 * a stopped CPU may hold). */
bool panic_on_this_cpu(void);
/* End after a panic: exit QEMU with the panic code when the command line says panic=exit,
 * otherwise halt this CPU for good. */
__noreturn void panic_stop(void);

#endif
