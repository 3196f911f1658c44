/* vdsocount: the vDSO's functions (clock_gettime, gettimeofday, time, getcpu) make no
 * system call, in a musl and a glibc static program alike (built twice: vdsocount and
 * vdsocount-glibc). The task's count of system calls (our /proc/self/status "Syscalls:")
 * grows while the program calls them a thousand times by exactly what reading the count
 * costs; and what they return agrees with the system calls. */
#define _GNU_SOURCE
#define SELFCHECK_NAME "vdsocount"
#include "selfcheck.h"
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CALLS 1000

/* The system calls this task made so far (the reading's own included), or -1. Raw calls
 * and a fixed buffer, so that every reading costs the same number of them. */
static long syscalls_made(void)
{
	static char buf[4096];
	long fd = syscall(SYS_open, "/proc/self/status", O_RDONLY);
	if (fd < 0)
		return -1;
	long n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	const char *line = strstr(buf, "\nSyscalls:");
	return line ? strtol(line + strlen("\nSyscalls:"), NULL, 10) : -1;
}

static long long ts_ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
	long a = syscalls_made(), b = syscalls_made();
	long cost = b - a; /* of one reading */
	CHECK(a > 0 && cost > 0);

	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	static const char *const names[] = { "realtime", "monotonic", "boottime" };
	for (unsigned c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		struct timespec t, prev = { 0, 0 };
		int ordered = 1;
		long before = syscalls_made();
		for (int i = 0; i < CALLS; i++) {
			clock_gettime(clocks[c], &t);
			ordered &= ts_ns(t) >= ts_ns(prev);
			prev = t;
		}
		long made = syscalls_made() - before - cost;
		printf("vdsocount: clock_gettime %s x%d: %ld system calls\n", names[c], CALLS, made);
		CHECK(made == 0 && ordered);
		struct timespec x, y, z;
		CHECK(clock_gettime(clocks[c], &x) == 0 && syscall(SYS_clock_gettime, clocks[c], &y) == 0 &&
		      clock_gettime(clocks[c], &z) == 0);
		CHECK(ts_ns(x) <= ts_ns(y) && ts_ns(y) <= ts_ns(z));
	}

	struct timeval tv;
	long before = syscalls_made();
	for (int i = 0; i < CALLS; i++)
		gettimeofday(&tv, NULL);
	long made = syscalls_made() - before - cost;
	printf("vdsocount: gettimeofday x%d: %ld system calls\n", CALLS, made);
	CHECK(made == 0);

	before = syscalls_made();
	time_t now = 0;
	for (int i = 0; i < CALLS; i++)
		now = time(NULL);
	made = syscalls_made() - before - cost;
	printf("vdsocount: time x%d: %ld system calls\n", CALLS, made);
	CHECK(made == 0);
	CHECK(now >= tv.tv_sec && now <= syscall(SYS_time, NULL));

	before = syscalls_made();
	int cpu = -1;
	for (int i = 0; i < CALLS; i++)
		cpu = sched_getcpu();
	made = syscalls_made() - before - cost;
	printf("vdsocount: sched_getcpu x%d: %ld system calls\n", CALLS, made);
	CHECK(made == 0);
	unsigned on = 99;
	CHECK(syscall(SYS_getcpu, &on, NULL, NULL) == 0 && cpu == (int)on);

	/* The count is no fixed figure: a real system call shows. */
	before = syscalls_made();
	for (int i = 0; i < 10; i++)
		syscall(SYS_getppid);
	CHECK(syscalls_made() - before - cost == 10);
	return checks_report();
}
