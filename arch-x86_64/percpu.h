/* Per-CPU data. Each CPU's GS base points at its own struct cpu, whose first field points
 * back at itself, so this_cpu() is one load from %gs:0 wherever the code runs.
 * Once user mode exists, GS belongs to user space while it runs: every entry from ring 3
 * does swapgs (isr.asm, the syscall entry) so that kernel code always sees this GS base. */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include "lib/compiler.h"

#define MAX_CPUS 8
#define PERCPU_STATS 16  /* counters kept per CPU (mm/vmstat.h's events, then KSM's) */

struct tss;
struct trap_frame;
struct pgtable;

struct cpu {
	struct cpu *self;     /* offset 0: what this_cpu() reads */
	uint64_t user_rsp;    /* offset 8: syscall entry scratch: the user stack pointer */
	uint64_t kernel_rsp;  /* offset 16: syscall entry: the kernel stack to switch to */
	void *current;        /* the running task (the scheduler's, through current()) */
	struct tss *tss;      /* this CPU's TSS (gdt.c) */
	int id;               /* 0 = the boot CPU (BSP) */
	uint32_t lapic_id;    /* set by lapic_init() */
	int spin_held;        /* spinlocks this CPU holds (counted in the debug build only) */
	const struct trap_frame *irq_frame; /* the interrupt being handled (irq_dispatch), or NULL */
	bool online;          /* set up and running (smp.c); the boot CPU from percpu_init */
	struct pgtable *pgtable; /* the page tables loaded here (pgtable_activate) */
	uint64_t stats[PERCPU_STATS]; /* hot event counters, this CPU's share (percpu_stat_inc) */
} __aligned(64);          /* one cache line each: no false sharing between CPUs */

/* Offsets the assembly entry code uses as %gs:OFFSET (checked in percpu.c). */
#define CPU_USER_RSP   8
#define CPU_KERNEL_RSP 16

extern struct cpu cpus[MAX_CPUS];

/* Point this CPU's GS base at cpus[id]. Run once per CPU, first thing (before any lock: a
 * spinlock records its owner's id), with interrupts off. */
void percpu_init(int id);

/* The running CPU's data. Meaningful while the caller cannot migrate (interrupts off or,
 * later, preemption disabled). */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Count one event of counter i (< PERCPU_STATS) on this CPU: one instruction on the GS
 * segment, so it is never split by an interrupt or a move to another CPU, and no other
 * CPU writes the same word: no atomic, no lock, any context. */
static inline void percpu_stat_inc(unsigned i)
{
	__asm__ __volatile__("incq %%gs:%c0(,%1,8)"
			     :: "i"(__builtin_offsetof(struct cpu, stats)), "r"((uint64_t)i) : "memory");
}

/* Add delta (negative too) to counter i on this CPU, as percpu_stat_inc. */
static inline void percpu_stat_add(unsigned i, int64_t delta)
{
	__asm__ __volatile__("addq %1, %%gs:%c0(,%2,8)"
			     :: "i"(__builtin_offsetof(struct cpu, stats)), "r"(delta), "r"((uint64_t)i)
			     : "memory");
}

/* Counter i summed over every CPU (each share read once: a snapshot). A counter that
 * percpu_stat_add() decrements sums right as a signed value (each share wraps). */
uint64_t percpu_stat_sum(unsigned i);

#endif
