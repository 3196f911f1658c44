/* Shell commands about the machine: help, meminfo, uptime, echo, selftest, fault, lockcheck
 * (debug build), poweroff. */
#include "shell/shell_cmds.h"
#include "fs/procfs.h"
#include "lib/seqbuf.h"
#include "kernel/selftest.h"
#include "arch-x86_64/smp_selftest.h"
#include "drivers/blockdev.h"
#include "mm/swap.h"
#include "kernel/clock.h"
#include "drivers/power.h"
#include "mm/mm.h"
#include "mm/memlayout.h"
#include "lib/string.h"
#include "kernel/lock.h"

int cmd_help(int argc, char **argv)
{
	size_t width = 0;
	for (unsigned i = 0; i < shell_ncommands; i++)
		width = MAX(width, strlen(shell_commands[i].name) + 1 + strlen(shell_commands[i].args));
	sh_printf("commands:\n");
	for (unsigned i = 0; i < shell_ncommands; i++) {
		const struct shell_command *c = &shell_commands[i];
		char usage[64];
		snprintf(usage, sizeof(usage), "%s%s%s", c->name, *c->args ? " " : "", c->args);
		sh_printf("  %-*s  %s\n", (int)width, usage, c->help);
	}
	return 0;
}

int cmd_meminfo(int argc, char **argv)
{
	struct seqbuf s;
	seq_init(&s);
	proc_meminfo_render(&s);
	if (s.buf)
		sh_printf("%s", s.buf);
	seq_free(&s);
	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	sh_printf("kernel's own use:\n");
	sh_printf("  image %lu kB, struct page array %lu kB, page tables %lu kB, slab %lu kB\n",
		  mi.kernel_image_kb, mi.struct_page_kb, mi.page_tables_kb, mi.slab_kb);
	return 0;
}

int cmd_uptime(int argc, char **argv)
{
	uint64_t ns = clock_ns();
	sh_printf("up %lu.%03lu s\n", ns / NSEC_PER_SEC, ns / 1000000 % 1000);
	return 0;
}

int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		sh_printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	sh_printf("\n");
	return 0;
}

/* The disk checks need sectors nobody uses: the last 64 KiB of each disk that is not swap. */
static void disk_selftests(struct selftest *t)
{
	const uint32_t sectors = 128;
	for (struct blockdev *d = blk_next(NULL); d; d = blk_next(d)) {
		if (swap_uses_disk(d) || blk_sectors(d) < sectors)
			continue;
		uint64_t first = blk_sectors(d) - sectors;
		sh_printf("selftest: disk %s, sectors %lu-%lu (restored afterwards)\n", blk_name(d), first,
			  first + sectors - 1);
		blk_selftest(t, d, first, sectors);
	}
}

int cmd_selftest(int argc, char **argv)
{
	struct selftest t = { 0, 0 };
	mm_selftest(&t);
	smp_selftest(&t);
	disk_selftests(&t);
	sh_printf("selftest: %d passed, %d failed\n", t.passed, t.failed);
	return t.failed ? SH_FAILED : 0;
}

/* Not inlined: the panic report's backtrace is meant to show this function by name. */
__attribute__((noinline)) int cmd_fault(int argc, char **argv)
{
	*(volatile uint64_t *)FAULT_TEST_VA = 0xdead;
	return 0;
}

#ifdef LOCK_DEBUG
/* The debug build's lock checker at work (kernel/lockdep.h). "orders" lists the lock
 * orders it has learnt; the other cases end in its panic report: "order" takes two
 * spinlocks in one order, then in the other; "chain" closes a cycle of three (a then b,
 * b then c, then a inside c); "irqoff" takes a mutex with interrupts off; "spin" a mutex
 * with a spinlock held. tests/boot/test_boot.py looks for the lines marked "lockcheck:"
 * in the reports. */
static spinlock_t check_a = SPINLOCK_INIT("lockcheck-a");
static spinlock_t check_b = SPINLOCK_INIT("lockcheck-b");
static spinlock_t check_c = SPINLOCK_INIT("lockcheck-c");
static struct mutex check_m = MUTEX_INIT(check_m, "lockcheck-m");

int cmd_lockcheck(int argc, char **argv)
{
	uint64_t f;
	if (!strcmp(argv[1], "orders")) {
		lockdep_print_orders();
		return 0;
	}
	if (!strcmp(argv[1], "order")) {
		f = spin_lock_irqsave(&check_a);	/* lockcheck: a first */
		spin_lock(&check_b);			/* lockcheck: b inside a */
		spin_unlock(&check_b);
		spin_unlock_irqrestore(&check_a, f);
		sh_printf("lockcheck: a then b: learnt\n");
		f = spin_lock_irqsave(&check_b);	/* lockcheck: b first */
		spin_lock(&check_a);			/* lockcheck: a inside b */
		spin_unlock(&check_a);
		spin_unlock_irqrestore(&check_b, f);
	} else if (!strcmp(argv[1], "chain")) {
		f = spin_lock_irqsave(&check_a);	/* lockcheck: chain a first */
		spin_lock(&check_b);			/* lockcheck: chain b inside a */
		spin_unlock(&check_b);
		spin_unlock_irqrestore(&check_a, f);
		f = spin_lock_irqsave(&check_b);	/* lockcheck: chain b first */
		spin_lock(&check_c);			/* lockcheck: chain c inside b */
		spin_unlock(&check_c);
		spin_unlock_irqrestore(&check_b, f);
		sh_printf("lockcheck: a then b, b then c: learnt\n");
		f = spin_lock_irqsave(&check_c);	/* lockcheck: chain c first */
		spin_lock(&check_a);			/* lockcheck: chain a inside c */
		spin_unlock(&check_a);
		spin_unlock_irqrestore(&check_c, f);
	} else if (!strcmp(argv[1], "spin")) {
		f = spin_lock_irqsave(&check_a);	/* lockcheck: spinlock held */
		mutex_lock(&check_m);			/* lockcheck: mutex under spinlock */
		mutex_unlock(&check_m);
		spin_unlock_irqrestore(&check_a, f);
	} else if (!strcmp(argv[1], "irqon")) {
		spin_lock(&check_a);			/* lockcheck: spinlock with interrupts on */
		spin_unlock(&check_a);
	} else if (!strcmp(argv[1], "irqoff")) {
		f = irq_save();
		mutex_lock(&check_m);			/* lockcheck: mutex with interrupts off */
		mutex_unlock(&check_m);
		irq_restore(f);
	} else {
		return SH_USAGE;
	}
	sh_printf("lockcheck: not caught\n");
	return SH_FAILED;
}
#endif

int cmd_poweroff(int argc, char **argv)
{
	poweroff();
}
