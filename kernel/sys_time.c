/* Time system calls: clocks and sleeping. */
#include "kernel/syscall_table.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "arch-x86_64/rtc.h"
#include "mm/addrspace.h"
#include "lib/errno.h"

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define TIMER_ABSTIME            1

struct timespec {
	int64_t sec, nsec;
};

struct timeval {
	int64_t sec, usec;
};

/* The clock's reading in ns, or -EINVAL for a clock this kernel does not have. */
static int64_t clock_read(int id)
{
	struct task *t = current();
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return rtc_boot_epoch_ns() + clock_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: /* the machine never suspends */
		return clock_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		/* The slice running now counts too, as far as it has gone. */
		return t->utime_ns + t->stime_ns + (clock_ns() - t->account_from);
	default:
		return -EINVAL;
	}
}

static struct timespec to_timespec(int64_t ns)
{
	return (struct timespec){ ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC };
}

long sys_clock_gettime(int id, struct timespec *uts)
{
	int64_t ns = clock_read(id);
	if (ns < 0)
		return ns;
	struct timespec ts = to_timespec(ns);
	return copy_to_user(uts, &ts, sizeof(ts));
}

long sys_clock_getres(int id, struct timespec *uts)
{
	if (clock_read(id) < 0)
		return -EINVAL;
	struct timespec ts = { 0, 1 };
	return uts ? copy_to_user(uts, &ts, sizeof(ts)) : 0;
}

long sys_gettimeofday(struct timeval *utv, void *utz)
{
	int64_t ns = clock_read(CLOCK_REALTIME);
	struct timeval tv = { ns / (int64_t)NSEC_PER_SEC, ns % (int64_t)NSEC_PER_SEC / 1000 };
	return utv ? copy_to_user(utv, &tv, sizeof(tv)) : 0;
}

long sys_time(int64_t *ut)
{
	int64_t sec = clock_read(CLOCK_REALTIME) / (int64_t)NSEC_PER_SEC;
	if (ut && copy_to_user(ut, &sec, sizeof(sec)))
		return -EFAULT;
	return sec;
}

int get_timespec_ns(const struct timespec *uts, int64_t *ns)
{
	struct timespec ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*ns = ts.sec > INT64_MAX / (int64_t)NSEC_PER_SEC - 1 ? INT64_MAX
							      : ts.sec * (int64_t)NSEC_PER_SEC + ts.nsec;
	return 0;
}

int user_timeout_deadline(const void *uts, uint64_t *deadline)
{
	*deadline = UINT64_MAX;
	if (!uts)
		return 0;
	int64_t ns;
	int rc = get_timespec_ns(uts, &ns);
	if (rc)
		return rc;
	uint64_t now = clock_ns();
	*deadline = (uint64_t)ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	return 0;
}

/* Sleep until the monotonic clock reaches deadline; on a signal, -EINTR with the time
 * left in urem (Linux restarts only if no handler runs: nothing else can wake it here). */
static long sleep_to(uint64_t deadline, struct timespec *urem)
{
	if (!sleep_until_ns_interruptible(deadline))
		return 0;
	if (urem) {
		uint64_t now = clock_ns();
		struct timespec rem = to_timespec(deadline > now ? deadline - now : 0);
		copy_to_user(urem, &rem, sizeof(rem));
	}
	return -EINTR;
}

long sys_nanosleep(const struct timespec *ureq, struct timespec *urem)
{
	int64_t ns;
	int rc = get_timespec_ns(ureq, &ns);
	if (rc)
		return rc;
	uint64_t now = clock_ns();
	return sleep_to((uint64_t)ns > UINT64_MAX - now ? UINT64_MAX : now + ns, urem);
}

long sys_clock_nanosleep(int id, int flags, const struct timespec *ureq, struct timespec *urem)
{
	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EOPNOTSUPP; /* Linux has no sleep on this clock either */
	if (id == CLOCK_PROCESS_CPUTIME_ID)
		return -EINVAL; /* Linux sleeps until the process has used that much CPU: not here */
	int64_t origin = clock_read(id);
	if (origin < 0)
		return origin;
	int64_t ns;
	int rc = get_timespec_ns(ureq, &ns);
	if (rc)
		return rc;
	uint64_t now = clock_ns();
	uint64_t deadline;
	if (flags & TIMER_ABSTIME) /* an absolute time on clock id, mapped to the monotonic clock */
		deadline = ns <= origin ? now : now + (uint64_t)(ns - origin);
	else
		deadline = (uint64_t)ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
	return sleep_to(deadline, flags & TIMER_ABSTIME ? NULL : urem);
}
