/* What a process may ask about the system and about itself: sysinfo, times, getrusage,
 * resource limits, random bytes, umask. */
#include "kernel/syscall_table.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "fs/file.h"
#include "kernel/random.h"
#include "mm/addrspace.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "lib/errno.h"


struct sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo");

static void count_task(struct task *t, void *ctx)
{
	(*(unsigned *)ctx)++;
}

long sys_sysinfo(struct sysinfo *uinfo)
{
	struct sysinfo si;
	struct mm_meminfo mi;
	memset(&si, 0, sizeof(si));
	mm_get_meminfo(&mi);
	unsigned procs = 0;
	task_for_each(count_task, &procs);
	si.uptime = clock_ns() / NSEC_PER_SEC;
	struct cpu_times ct;
	sched_cpu_times(-1, &ct);
	for (int i = 0; i < 3; i++) /* 1, 5, 15-minute averages, fixed point 1 << 16 */
		si.loads[i] = ct.load_avg[i] * 65536 / 100;
	si.totalram = mi.total_kb * 1024;
	si.freeram = mi.free_kb * 1024;
	si.totalswap = mi.swap_total_kb * 1024;
	si.freeswap = mi.swap_free_kb * 1024;
	si.procs = procs;
	si.mem_unit = 1;
	return copy_to_user(uinfo, &si, sizeof(si));
}

struct tms {
	int64_t utime, stime, cutime, cstime;
};

long sys_times(struct tms *ubuf)
{
	struct task *t = current();
	struct tms tms = { t->utime_ns / NS_PER_USER_TICK, t->stime_ns / NS_PER_USER_TICK,
			   t->cutime_ns / NS_PER_USER_TICK, t->cstime_ns / NS_PER_USER_TICK };
	if (ubuf && copy_to_user(ubuf, &tms, sizeof(tms)))
		return -EFAULT;
	return clock_ns() / NS_PER_USER_TICK;
}

struct rusage {
	struct { int64_t sec, usec; } utime, stime;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock;
	int64_t msgsnd, msgrcv, nsignals, nvcsw, nivcsw;
};

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

long sys_getrusage(int who, struct rusage *uru)
{
	struct task *t = current();
	if (who == RUSAGE_THREAD)
		who = RUSAGE_SELF; /* one thread a process, so far */
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN)
		return -EINVAL;
	uint64_t u = who == RUSAGE_SELF ? t->utime_ns : t->cutime_ns;
	uint64_t s = who == RUSAGE_SELF ? t->stime_ns : t->cstime_ns;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	ru.utime.sec = u / NSEC_PER_SEC;
	ru.utime.usec = u % NSEC_PER_SEC / 1000;
	ru.stime.sec = s / NSEC_PER_SEC;
	ru.stime.usec = s % NSEC_PER_SEC / 1000;
	if (who == RUSAGE_SELF && t->mm) {
		struct mm_stats st;
		mm_get_stats(t->mm, &st);
		ru.maxrss = st.rss_kb;
	}
	ru.nvcsw = who == RUSAGE_SELF ? (int64_t)t->switches : 0;
	return copy_to_user(uru, &ru, sizeof(ru));
}

/* Resource limits: reported as this kernel has them (RLIMIT_STACK is the stack VMA's size,
 * RLIMIT_NOFILE and RLIMIT_NPROC its table sizes, the rest unlimited); setting one to a
 * valid value succeeds and changes nothing, as no other limit is enforced. */
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_NLIMITS 16
#define RLIM_INFINITY (~0UL)

struct rlimit {
	uint64_t cur, max;
};

static struct rlimit limit_of(int resource)
{
	switch (resource) {
	case RLIMIT_STACK: return (struct rlimit){ STACK_MAX, RLIM_INFINITY };
	case RLIMIT_CORE: return (struct rlimit){ 0, RLIM_INFINITY };
	case RLIMIT_NPROC: return (struct rlimit){ MAX_TASKS, MAX_TASKS };
	case RLIMIT_NOFILE: return (struct rlimit){ MAX_FDS, MAX_FDS };
	default: return (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	}
}

/* 0 when pid is 0, the caller, or a live task; else -ESRCH. */
static int pid_check(int pid)
{
	if (!pid || pid == current()->pid)
		return 0;
	struct task *t = task_find(pid);
	if (!t)
		return -ESRCH;
	task_put(t);
	return 0;
}

/* Linux's do_prlimit on kernel copies: -EINVAL for a bad resource or cur above max. */
static long do_prlimit(int resource, const struct rlimit *want, struct rlimit *old)
{
	if (resource < 0 || resource >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (want && want->cur > want->max)
		return -EINVAL;
	if (old)
		*old = limit_of(resource);
	return 0;
}

long sys_prlimit64(int pid, int resource, const struct rlimit *unew, struct rlimit *uold)
{
	struct rlimit want, old;
	if (unew && copy_from_user(&want, unew, sizeof(want)))
		return -EFAULT;
	long rc = pid_check(pid);
	if (!rc)
		rc = do_prlimit(resource, unew ? &want : NULL, &old);
	if (!rc && uold)
		rc = copy_to_user(uold, &old, sizeof(old));
	return rc;
}

long sys_getrlimit(int resource, struct rlimit *uold)
{
	struct rlimit old;
	long rc = do_prlimit(resource, NULL, &old);
	return rc ? rc : copy_to_user(uold, &old, sizeof(old));
}

long sys_setrlimit(int resource, const struct rlimit *unew)
{
	struct rlimit want;
	if (copy_from_user(&want, unew, sizeof(want)))
		return -EFAULT;
	return do_prlimit(resource, &want, NULL);
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

long sys_getrandom(char *ubuf, size_t len, unsigned flags)
{
	if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
	    (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, (size_t)0x1ffffff);
	uint8_t chunk[256];
	for (size_t done = 0; done < len;) {
		if (done && fatal_signal_pending())
			return done;
		size_t n = MIN(len - done, sizeof(chunk));
		random_bytes(chunk, n);
		if (copy_to_user(ubuf + done, chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return len;
}

long sys_umask(unsigned mask)
{
	unsigned old = current()->umask;
	current()->umask = mask & 0777;
	return old;
}

long sys_getgroups(int size, uint32_t *ulist) { return size < 0 ? -EINVAL : 0; }

/* Known calls that are not there, answered -ENOSYS without a log line: libc probes them
 * and falls back (restartable sequences; clone3, for which glibc's threads use clone). */
long sys_ni(void) { return -ENOSYS; }
