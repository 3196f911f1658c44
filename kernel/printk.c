#include "kernel/printk.h"
#include "kernel/lockdep.h"
#include "drivers/console.h"
#include "kernel/cmdline.h"
#include "kernel/ksyms.h"
#include "drivers/power.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/smp.h"
#include "mm/memlayout.h"

int printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	return n;
}

static bool frame_pointer_ok(uint64_t rbp)
{
	/* Kernel stacks live in the kernel image (boot stack) or the direct map. */
	return rbp >= DIRECT_MAP_BASE && IS_ALIGNED(rbp, 8) && rbp < 0xfffffffffffff000UL;
}

static void print_frame(uint64_t ret, const char *mark)
{
	uint64_t off;
	const char *name = ksym_lookup(ret, &off);
	if (name)
		printk("  [%016lx] %s%s+0x%lx\n", ret, mark, name, off);
	else
		printk("  [%016lx] ?\n", ret);
}

void backtrace_from(uint64_t rbp, uint64_t sp)
{
	printk("backtrace:\n");
	uint64_t off;
	if (sp && frame_pointer_ok(sp) && ksym_lookup(*(const uint64_t *)sp, &off))
		print_frame(*(const uint64_t *)sp, "? ");
	for (int depth = 0; depth < 32 && frame_pointer_ok(rbp); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			break;
		print_frame(ret, "");
		if (frame[0] <= rbp) /* stacks grow down: callers' frames are higher */
			break;
		rbp = frame[0];
	}
}

static int panicking; /* the id + 1 of the CPU that reports a panic, 0 if none */

bool panic_in_progress(void)
{
	return __atomic_load_n(&panicking, __ATOMIC_ACQUIRE) != 0;
}

bool panic_on_this_cpu(void)
{
	return __atomic_load_n(&panicking, __ATOMIC_ACQUIRE) == this_cpu()->id + 1;
}

void panic_enter(void)
{
	irq_disable();
	int none = 0;
	if (!__atomic_compare_exchange_n(&panicking, &none, this_cpu()->id + 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (panic_on_this_cpu())
			panic_stop(); /* a fault inside the report: end it */
		cpu_halt_forever(); /* another CPU reports: keep quiet */
	}
#ifdef LOCK_DEBUG
	lockdep_off(); /* the report takes locks of its own, in whatever order */
#endif
	smp_stop_others();
}

void panic_stop(void)
{
	irq_disable();
	if (cmdline_is("panic", "exit"))
		qemu_exit(QEMU_EXIT_PANIC);
	printk("system halted\n");
	cpu_halt_forever();
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	panic_enter();
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk("\nKERNEL PANIC at %s:%d: %s\n", file, line, msg);
	backtrace_from((uint64_t)__builtin_frame_address(0), 0);
	panic_stop();
}
