/* Cross-CPU calls (smp_call.h). Each (target, caller) pair has one slot: the caller writes
 * the function and its argument, publishes them by bumping `posted`, sends the target an
 * IPI and waits for `done` to catch up. The target runs every slot whose `posted` is ahead,
 * from the IPI handler or, with interrupts off, from any spin wait (spinlock.h calls
 * smp_run_calls()): a CPU that waits with interrupts off still answers, which is what
 * keeps a TLB shootdown sent under a page-table lock from deadlocking against a CPU that
 * spins on that lock. One slot per pair needs no lock: a caller waits for its call to be
 * done before it posts the next. */
#include "arch-x86_64/smp_call.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/cpu.h"
#include "kernel/printk.h"

struct call_slot {
	void (*fn)(void *arg);
	void *arg;
	uint32_t posted;	/* calls the caller made (written by the caller) */
	uint32_t done;		/* calls the target ran (written by the target) */
} __aligned(64);

static struct call_slot slots[MAX_CPUS][MAX_CPUS]; /* [target][caller] */
static uint64_t answered[MAX_CPUS];

void smp_run_calls(void)
{
	int me = this_cpu()->id;
	for (int from = 0; from < MAX_CPUS; from++) {
		struct call_slot *s = &slots[me][from];
		uint32_t posted = __atomic_load_n(&s->posted, __ATOMIC_ACQUIRE);
		if (posted == __atomic_load_n(&s->done, __ATOMIC_RELAXED))
			continue;
		s->fn(s->arg);
		answered[me]++;
		__atomic_store_n(&s->done, posted, __ATOMIC_RELEASE);
	}
}

static void call_interrupt(int vector, void *ctx)
{
	smp_run_calls();
	lapic_eoi();
}

uint64_t smp_online_mask(void)
{
	uint64_t mask = 0;
	for (int i = 0; i < MAX_CPUS; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			mask |= 1ULL << i;
	return mask;
}

unsigned smp_nr_online(void)
{
	unsigned n = 0; /* a loop: __builtin_popcount needs libgcc without POPCNT */
	for (uint64_t m = smp_online_mask(); m; m &= m - 1)
		n++;
	return n;
}

void smp_call_many(uint64_t mask, void (*fn)(void *arg), void *arg)
{
	uint64_t f = irq_save();
	int me = this_cpu()->id;
	mask &= smp_online_mask();
	if (mask & (1ULL << me))
		fn(arg);
	mask &= ~(1ULL << me);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!(mask & (1ULL << cpu)))
			continue;
		struct call_slot *s = &slots[cpu][me];
		s->fn = fn;
		s->arg = arg;
		__atomic_store_n(&s->posted, s->posted + 1, __ATOMIC_RELEASE);
		lapic_send_ipi(cpus[cpu].lapic_id, IRQ_VECTOR_CALL);
	}
	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!(mask & (1ULL << cpu)))
			continue;
		struct call_slot *s = &slots[cpu][me];
		while (__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) != s->posted) {
			smp_run_calls();
			cpu_relax();
		}
	}
	irq_restore(f);
}

uint64_t smp_calls_answered(int cpu)
{
	return READ_ONCE(answered[cpu]);
}

void smp_call_init(void)
{
	irq_register(IRQ_VECTOR_CALL, call_interrupt, NULL, "smp-call");
}
