/* The vDSO: clock_gettime, gettimeofday, time and getcpu in user mode, as Linux's vDSO exports
 * them (musl and glibc look for __vdso_clock_gettime, version LINUX_2.6, through the
 * AT_SYSINFO_EHDR auxv entry). A system call costs about a microsecond under TCG; reading
 * the TSC and one multiply cost a few dozen nanoseconds, so timing a page fault from user
 * space measures the fault, not the clock.
 *
 * Built as a position-independent shared object with no relocations (vdso.lds); the
 * kernel maps it at exec with the [vvar] page just below it, and vdso_data is a hidden
 * symbol at that page's address. Clocks this code does not know (the CPU-time clocks) go
 * to the system call, with the same answer as without a vDSO. */
#include "arch-x86_64/vdso/vdso_data.h"

struct timespec_abi { int64_t sec, nsec; };
struct timeval_abi { int64_t sec, usec; };

extern const struct vdso_data vdso_data __attribute__((visibility("hidden")));

#define NSEC_PER_SEC 1000000000LL
#define SYS_gettimeofday 96
#define SYS_time 201
#define SYS_clock_gettime 228

enum { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
       CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };

static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static int64_t monotonic_ns(const volatile struct vdso_data *d)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t cycles = ((uint64_t)hi << 32 | lo) - d->tsc_base;
	return (int64_t)(((unsigned __int128)cycles * d->ns_mult) >> d->ns_shift);
}

/* The clock's reading in ns, or -1 for a clock left to the system call. */
static int64_t read_clock(long id)
{
	const volatile struct vdso_data *d = &vdso_data;
	if (!d->ready)
		return -1;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return monotonic_ns(d) + d->realtime_offset_ns;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return monotonic_ns(d);
	default:
		return -1;
	}
}

int __vdso_clock_gettime(long id, struct timespec_abi *ts)
{
	int64_t ns = read_clock(id);
	if (ns < 0)
		return (int)syscall2(SYS_clock_gettime, id, (long)ts);
	ts->sec = ns / NSEC_PER_SEC;
	ts->nsec = ns % NSEC_PER_SEC;
	return 0;
}

int __vdso_gettimeofday(struct timeval_abi *tv, void *tz)
{
	int64_t ns = read_clock(CLOCK_REALTIME);
	if (ns < 0 || tz)
		return (int)syscall2(SYS_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		tv->sec = ns / NSEC_PER_SEC;
		tv->usec = ns % NSEC_PER_SEC / 1000;
	}
	return 0;
}

long __vdso_time(long *t)
{
	int64_t ns = read_clock(CLOCK_REALTIME);
	if (ns < 0)
		return syscall2(SYS_time, (long)t, 0);
	long sec = ns / NSEC_PER_SEC;
	if (t)
		*t = sec;
	return sec;
}

int clock_gettime(long, struct timespec_abi *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_abi *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));

/* The CPU and node from the limit of the CPUNODE segment (arch-x86_64/gdt.h): each CPU's
 * GDT has its own, so the answer is the CPU the instruction ran on. */
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache __attribute__((unused)))
{
	unsigned p;
	__asm__ volatile("lsl %1, %0" : "=r"(p) : "r"(CPUNODE_SEL));
	if (cpu)
		*cpu = p & 0xfff;
	if (node)
		*node = p >> 12;
	return 0;
}
long getcpu(unsigned *cpu, unsigned *node, void *unused) __attribute__((weak, alias("__vdso_getcpu")));
