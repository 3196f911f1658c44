/* sysfuzz [CALLS [SEED]]: random system calls with hostile arguments, in forked children,
 * until CALLS calls were made (default 100000). Arguments come from a pool of trouble: 0,
 * -1, descriptors that may or may not be open, pointers into a valid buffer, at its very
 * end, into unmapped and kernel memory, past the end of user space, huge lengths, random
 * bits. Children may crash (they unmap their own stack, say) or block (a watchdog kills
 * them after 20 ms without progress): only the kernel has to survive. Each child
 * closes its standard descriptors onto /dev/null first, and never signals anyone but
 * itself. Prints "sysfuzz: N calls in C children (K ended by signals, W by the watchdog)". */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS_PER_CHILD 2000

static const long numbers[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21, 22, 24, 25, 28,
	32, 33, 34, 35, 36, 37, 38, 39, 40, 56, 57, 58, 59, 60, 61, 62, 63, 72, 79, 80, 89, 95, 96,
	97, 98, 99, 100, 102, 104, 107, 108, 109, 110, 111, 112, 115, 121, 124, 157, 158, 160, 186,
	200, 201, 202, 204, 217, 218, 222, 223, 224, 225, 226, 228, 229, 230, 231, 234, 257, 262,
	267, 269, 271, 273, 292, 293, 302, 318, 332, 334,
	/* a few that do not exist, and nonsense */
	15, 23, 41, 150, 250, 400, 511, 512, 1000, -1, 0x40000000,
};

static const char *const paths[] = {
	"/bin/hello", "/dev/null", "/proc/self/maps", "/proc/meminfo", "/", "/proc/self/pagemap",
	"/no/such/file", "/bin/sh/x", "",
};

struct shared {
	volatile long calls;
};

static char buffer[65536];
static char *playground; /* 1 MiB the memory calls mostly aim at */
static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One argument from the pool of trouble. */
static long trouble(void)
{
	switch (next() % 16) {
	case 0: return 0;
	case 1: return -1;
	case 2: return next() % 64;
	case 3: return (long)(next() % 0x7ffffffff000ul) & ~0xfffl;
	case 4: return (long)(buffer + next() % (sizeof(buffer) - 64));
	case 5: return (long)(0xffff800000000000ul + (next() % (1ul << 30)));
	case 6: return (long)(0x7ffffffff000ul - next() % 8192);
	case 7: return (long)(~0ul >> (next() % 48));
	case 8: return (long)next();
	case 9: return (long)paths[next() % (sizeof(paths) / sizeof(paths[0]))];
	case 10: return 0x1000;
	case 11: return (long)(buffer + sizeof(buffer) - 1 - next() % 8);
	case 12: return (long)(next() & 0xffff);
	case 13: return 8;
	case 14: return (long)(4096 * (next() % 256));
	default: return (long)(next() % 4096);
	}
}

/* futex's: mostly words of the playground (now and then misaligned), known operations with
 * their flags, small counts and short or invalid timeouts, so that calls get past the
 * checks and wait briefly at most; a quarter of the time the usual trouble. */
static long futex_argument(int index)
{
	static const struct timespec brief[] = { { 0, 0 }, { 0, 200000 }, { 0, 2000000 }, { -1, 0 } };
	if (next() % 4 == 0)
		return trouble();
	switch (index) {
	case 0:
	case 4:
		return (long)(playground + (next() % 64) * 4 + (next() % 16 == 0));
	case 1:
		return (long)(next() % 13) | (next() % 2 ? 128 : 0) | (next() % 8 ? 0 : 256);
	case 2:
		return next() % 4 ? (long)(next() % 3) : 0x7fffffff;
	case 3:
		return next() % 2 ? (long)&brief[next() % 4] : (long)(next() % 3);
	default:
		return next() % 2 ? -1 : (long)(next() & 0xffffffff);
	}
}

static long argument(int nr, int index)
{
	if (nr == SYS_futex)
		return futex_argument(index);
	bool memory = nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_mremap || nr == SYS_madvise ||
		      nr == SYS_brk || nr == SYS_mmap;
	if (memory && index == 0 && next() % 8) /* mostly the playground: our own code lives on */
		return (long)(playground + (next() % 256) * 4096);
	bool pidlike = nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_wait4 ||
		       nr == SYS_prlimit64 || nr == SYS_sched_getaffinity || nr == SYS_getpgid ||
		       nr == SYS_setpgid || nr == SYS_getsid;
	if (pidlike) { /* only ever ourselves (our own group), nobody, or no one that exists */
		static const long pids[] = { 0, -1, -2, 0x7fffffff };
		long pid = next() % 8 ? pids[next() % 4] : getpid();
		return nr == SYS_kill && pid == -1 ? -getpid() : pid; /* kill(-1): everyone */
	}
	/* timers: mostly a real clock, timer id or which, so the calls get past their checks */
	bool timer = nr == SYS_timer_create || nr == SYS_timer_settime || nr == SYS_timer_gettime ||
		     nr == SYS_timer_getoverrun || nr == SYS_timer_delete || nr == SYS_setitimer ||
		     nr == SYS_getitimer || nr == SYS_alarm;
	if (timer && index == 0 && next() % 4) {
		static const long clocks[] = { 0, 1, 2, 3, 4, 7, 8, 9, 11, -7, -6, -2 };
		if (nr == SYS_timer_create)
			return clocks[next() % (sizeof(clocks) / sizeof(clocks[0]))];
		return next() % (nr == SYS_alarm ? 2 : 4); /* an alarm short enough to fire */
	}
	return trouble();
}

static void fuzz(struct shared *sh, uint64_t seed)
{
	rng = seed * 0x9e3779b97f4a7c15ull ^ 0x2545f4914f6cdd1dull;
	if (!rng)
		rng = 1;
	setpgid(0, 0); /* a group of its own: kill(0) signals nobody else */
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	playground = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < CALLS_PER_CHILD; i++) {
		long nr = numbers[next() % (sizeof(numbers) / sizeof(numbers[0]))];
		if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_execve || nr == SYS_pause)
			if (next() % 16) /* rarely: they end (or stop) the child's run */
				continue;
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = argument((int)nr, k);
		long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
		if (r == 0 && (nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone))
			_exit(0); /* a child of ours: it must not fuzz on (nor linger) */
	}
	_exit(0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long target = argc > 1 ? atol(argv[1]) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("sysfuzz: mmap");
		return 1;
	}
	long children = 0, signaled = 0, watchdog = 0;
	while (sh->calls < target) {
		pid_t c = fork();
		if (c == 0)
			fuzz(sh, seed + (uint64_t)children * 0x10001);
		if (c < 0) {
			perror("sysfuzz: fork");
			return 1;
		}
		children++;
		long last = sh->calls;
		double progress = now();
		int st;
		for (;;) {
			pid_t w = waitpid(c, &st, WNOHANG);
			if (w == c)
				break;
			if (sh->calls != last) {
				last = sh->calls;
				progress = now();
			} else if (now() - progress > 0.02) {
				kill(c, SIGKILL);
				watchdog++;
			}
			struct timespec nap = { 0, 1000 * 1000 };
			nanosleep(&nap, NULL);
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			signaled++;
	}
	printf("sysfuzz: %ld calls in %ld children (%ld ended by signals, %ld by the watchdog)\n",
	       sh->calls, children, signaled, watchdog);
	return 0;
}
