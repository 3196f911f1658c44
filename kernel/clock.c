#include "kernel/clock.h"
#include "kernel/bootinfo.h"
#include "arch-x86_64/cpu.h"

/* ns = cycles * ns_mult / 2^32, with ns_mult = 10^9 * 2^32 / tsc_hz computed once: a 64x64
 * multiply (one instruction) instead of a division per conversion. The relative rounding
 * error of ns_mult is below 2^-30 for any TSC up to 4 GHz. */
#define NS_SHIFT 32
static uint64_t ns_mult, tsc_hz;
static uint64_t ticks;

void clock_init(uint64_t hz)
{
	tsc_hz = hz;
	WRITE_ONCE(ns_mult, (NSEC_PER_SEC << NS_SHIFT) / hz);
}

uint64_t clock_tsc_hz(void)
{
	return READ_ONCE(tsc_hz);
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * READ_ONCE(ns_mult)) >> NS_SHIFT);
}

void clock_tsc_conversion(uint64_t *base, uint64_t *mult, unsigned *shift)
{
	*base = boot_info.boot_tsc;
	*mult = READ_ONCE(ns_mult);
	*shift = NS_SHIFT;
}

uint64_t clock_ns(void)
{
	return tsc_to_ns(rdtsc() - boot_info.boot_tsc);
}

uint64_t clock_ticks(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}

void clock_tick(void)
{
	__atomic_fetch_add(&ticks, 1, __ATOMIC_RELAXED);
}
