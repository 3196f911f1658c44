#include "arch-x86_64/apic_timer.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/pit.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/cpu.h"
#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/profile.h"
#include "arch-x86_64/percpu.h"
#include "kernel/printk.h"

#define CALIB_PIT_TICKS (PIT_HZ / 100)   /* 10 ms */
/* A PIT that never counts down (no port 0x61, as on QEMU's microvm) would hang the boot:
 * give up after 2^32 TSC cycles, about a second at any plausible TSC rate. */
#define CALIB_MAX_CYCLES (1UL << 32)

/* The boot CPU keeps time (and the scheduler's sleep timers); every CPU's tick drives the
 * quantum of the task it runs (the switch itself happens after the EOI, at trap_dispatch()'s
 * preemption point or on the way back to ring 3) and feeds the profiler. A CPU's scheduling
 * starts with sched_init() or sched_init_cpu(), which set current(); ticks before that only
 * count. */
static void timer_interrupt(int vector, void *ctx)
{
	const struct trap_frame *tf = this_cpu()->irq_frame;
	profile_tick(tf->rip, tf->rbp, trap_from_user(tf));
	if (this_cpu()->id == 0)
		clock_tick();
	if (current())
		sched_tick();
	lapic_eoi();
}

static uint32_t tick_count; /* LAPIC timer counts per tick: the same bus clock on every CPU */

void apic_timer_start_cpu(void)
{
	lapic_timer_periodic(IRQ_VECTOR_TIMER, tick_count);
}

/* TSC cycles and LAPIC timer ticks that elapse during pit_ticks of the PIT. */
static void measure(uint16_t pit_ticks, uint64_t *tsc, uint32_t *apic)
{
	lapic_timer_oneshot(UINT32_MAX);
	pit_oneshot_start(pit_ticks);
	uint64_t tsc0 = rdtsc();
	uint32_t apic0 = lapic_timer_count();
	while (!pit_oneshot_done())
		if (rdtsc() - tsc0 > CALIB_MAX_CYCLES)
			panic("clock: PIT channel 2 does not count: cannot calibrate the timers");
	*tsc = rdtsc() - tsc0;
	*apic = apic0 - lapic_timer_count();
}

void apic_timer_init(void)
{
	uint64_t tsc;
	uint32_t apic;

	/* A first, short run pays for cold caches (and under QEMU's TCG for translating this
	 * code, tens of microseconds), which would otherwise lengthen the measured window. */
	measure(CALIB_PIT_TICKS / 10, &tsc, &apic);
	measure(CALIB_PIT_TICKS, &tsc, &apic);
	uint64_t tsc_hz = tsc * PIT_HZ / CALIB_PIT_TICKS;
	uint64_t apic_hz = (uint64_t)apic * PIT_HZ / CALIB_PIT_TICKS;
	if (!tsc_hz || apic_hz < HZ)
		panic("clock: calibration failed (tsc %lu Hz, lapic timer %lu Hz)", tsc_hz, apic_hz);
	clock_init(tsc_hz);
	irq_register(IRQ_VECTOR_TIMER, timer_interrupt, NULL, "timer");
	tick_count = apic_hz / HZ;
	lapic_timer_periodic(IRQ_VECTOR_TIMER, tick_count);
	printk("clock: tsc %lu.%03lu MHz, lapic timer %lu.%03lu MHz (bus / %d), %d Hz tick on vector 0x%x\n",
	       tsc_hz / 1000000, tsc_hz / 1000 % 1000, apic_hz / 1000000, apic_hz / 1000 % 1000,
	       LAPIC_TIMER_DIVIDE, HZ, IRQ_VECTOR_TIMER);
}
