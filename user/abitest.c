/* abitest: the Linux ABI beyond the basics, each call checked against Linux's documented
 * behaviour: the stat family on files, links and /proc, file mappings (private, written
 * copy-on-write), shared anonymous memory across fork, mremap, poll, vectored reads and
 * writes (one buffer: a readv does not wait to fill every vector, writevs do not
 * interleave), signals with dispositions and masks, close-on-exec, resource and system queries, /proc's memory
 * figures agreeing with each other, and the vDSO's clocks agreeing with the system calls.
 * Prints "abitest: N checks, F failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#define SELFCHECK_NAME "abitest"
#include "selfcheck.h"

static void test_stat(void)
{
	struct stat st;
	CHECK(stat("/bin/hello", &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 1000 && (st.st_mode & 0111));
	CHECK(lstat("/bin/sh", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("/bin/sh", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(stat("/proc", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode));
	int fd = open("/proc/meminfo", O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
	close(fd);
	CHECK(fstatat(AT_FDCWD, "/dev/null", &st, 0) == 0 && S_ISCHR(st.st_mode));
	CHECK(stat("/no/such", &st) == -1 && errno == ENOENT);
	char exe[64] = "";
	CHECK(readlink("/proc/self/exe", exe, sizeof(exe)) == 12 && !memcmp(exe, "/bin/abitest", 12));
	CHECK(access("/bin/hello", X_OK) == 0 && access("/proc/meminfo", W_OK) == -1);
}

static void test_file_mmap(void)
{
	int fd = open("/bin/hello", O_RDONLY);
	unsigned char *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(ro != MAP_FAILED && !memcmp(ro, "\x7f" "ELF", 4));
	unsigned char *rw = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(rw != MAP_FAILED && rw[1] == 'E');
	rw[1] = 'X'; /* copy-on-write: the file and the other mapping keep their bytes */
	char hdr[4];
	CHECK(pread(fd, hdr, 4, 0) == 4 && hdr[1] == 'E' && ro[1] == 'E' && rw[1] == 'X');
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 123) == MAP_FAILED && errno == EINVAL);
	munmap(ro, 8192);
	munmap(rw, 8192);
	close(fd);
	fd = open("/proc/meminfo", O_RDONLY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == ENODEV);
	close(fd);
}

/* Issue 12: edge cases whose errno must be Linux 6.x's exactly. */
static void test_linux_edge_errnos(void)
{
	int fd = open("/bin/hello", O_RDONLY);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 8192);
	/* mmap of a regular file: offset + length past MAX_LFS_FILESIZE (2^63 - 1) is
	 * EOVERFLOW (file_mmap_ok), an unaligned offset EINVAL (even for anonymous memory) */
	const unsigned long top = 1ul << 63;
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, -4096L) == -1 && errno == EOVERFLOW);
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, top) == -1 && errno == EOVERFLOW);
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, top - 4096) == -1 && errno == EOVERFLOW);
	CHECK(syscall(SYS_mmap, 0, 8192, PROT_READ, MAP_PRIVATE, fd, top - 8192) == -1 && errno == EOVERFLOW);
	long far = syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, top - 8192);
	CHECK(far != -1 && munmap((void *)far, 4096) == 0);
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 4097) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 123) == -1 && errno == EINVAL);
	int proc = open("/proc/meminfo", O_RDONLY); /* no mmap, but the checks come first */
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, proc, top) == -1 && errno == EOVERFLOW);
	CHECK(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE, proc, 0) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, proc, top - 8192) == -1 && errno == ENODEV);
	close(proc);
	unsigned char *at1 = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096), bytes[64];
	CHECK(at1 != MAP_FAILED && pread(fd, bytes, 64, 4096) == 64 && !memcmp(at1, bytes, 64));
	munmap(at1, 4096);

	/* mremap: a shrink unmaps the tail, whatever VMAs or holes it covers; only the VMA at
	 * addr must exist; old_len 0 (duplicate) on a private mapping is EINVAL */
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && mprotect(p + 2 * 4096, 2 * 4096, PROT_READ) == 0); /* two VMAs */
	p[0] = 5;
	CHECK(mremap(p, 4 * 4096, 4096, 0) == p && p[0] == 5);
	void *tail = mmap(p + 4096, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(tail == p + 4096); /* the tail was free */
	CHECK(munmap(p + 2 * 4096, 4096) == 0 && mremap(p, 4 * 4096, 4096, 0) == p); /* with a hole */
	CHECK(mremap(p + 4096, 2 * 4096, 4096, 0) == MAP_FAILED && errno == EFAULT);
	CHECK(mremap(p, 0, 4096, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(mremap(p, 0, 4096, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL);
	munmap(p, 4 * 4096);

	/* vectors: an iov_len that does not fit ssize_t is EINVAL, one past user space EFAULT,
	 * more than IOV_MAX (1024) vectors EINVAL; readv, writev, preadv and pwritev alike */
	int nul = open("/dev/null", O_WRONLY), knob = open("/proc/sys/vm/max_map_count", O_WRONLY);
	char buf[16] = "65530\n";
	struct iovec iov[2] = { { buf, 4 }, { buf, SIZE_MAX } };
	CHECK(nul >= 0 && knob >= 0);
	CHECK(writev(nul, iov, 2) == -1 && errno == EINVAL);
	CHECK(readv(fd, iov, 2) == -1 && errno == EINVAL);
	CHECK(preadv(fd, iov, 2, 0) == -1 && errno == EINVAL);
	CHECK(pwritev(knob, iov, 2, 0) == -1 && errno == EINVAL);
	iov[1].iov_len = 1ul << 62;
	CHECK(writev(nul, iov, 2) == -1 && errno == EFAULT);
	CHECK(writev(nul, iov, 1025) == -1 && errno == EINVAL);
	CHECK(readv(fd, iov, -1) == -1 && errno == EINVAL);
	CHECK(writev(nul, iov, 1) == 4 && writev(nul, iov, 0) == 0);
	CHECK(preadv(fd, iov, 1, 0) == 4 && !memcmp(buf, "\x7f" "ELF", 4));
	memcpy(buf, "65530\n", 6);
	iov[0].iov_len = 6;
	CHECK(preadv(fd, iov, 1, INT64_MAX - 2) == -1 && errno == EINVAL);
	CHECK(preadv(fd, iov, 1, -1) == -1 && errno == EINVAL);
	CHECK(pwritev(knob, iov, 1, INT64_MAX - 2) == -1 && errno == EINVAL);

	/* pread64/pwrite64: a negative position, or position + count past INT64_MAX: EINVAL */
	CHECK(pread(fd, bytes, 16, INT64_MAX - 8) == -1 && errno == EINVAL);
	CHECK(pread(fd, bytes, 16, -1) == -1 && errno == EINVAL);
	CHECK(pread(fd, bytes, 16, INT64_MAX - 16) == 0);
	CHECK(pwrite(knob, "65530\n", 6, INT64_MAX - 2) == -1 && errno == EINVAL);
	CHECK(pwrite(knob, "65530\n", 6, -1) == -1 && errno == EINVAL);
	close(knob);
	close(nul);
	close(fd);
}

static void test_shared_anon_and_mremap(void)
{
	volatile int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	shared[0] = 1;
	pid_t c = fork();
	if (c == 0) {
		shared[0] = 42;
		shared[1] = 43; /* a page first touched by the child is shared too */
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	CHECK(shared[0] == 42 && shared[1] == 43);

	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + 2 * 4096, 4 * 4096); /* make sure there is room behind */
	p[0] = 7;
	CHECK(mremap(p, 2 * 4096, 6 * 4096, 0) == p && p[0] == 7);
	p[5 * 4096] = 9;
	CHECK(mremap(p, 6 * 4096, 4096, 0) == p && p[0] == 7);
	CHECK(mremap(p + 1, 4096, 8192, 0) == MAP_FAILED && errno == EINVAL);
	munmap(p, 4096);
	void *big = malloc(1 << 20), *bigger = realloc(big, 4 << 20); /* musl: mremap or copy */
	CHECK(bigger != NULL);
	free(bigger);
}

/* Pinned to each CPU in turn, the caller runs there: getcpu says so through the vDSO
 * (musl's sched_getcpu) and the system call. Masks with no online CPU are refused. */
static void test_affinity_and_getcpu(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t all, one, got;
	CHECK(ncpu >= 1 && sched_getaffinity(0, sizeof(all), &all) == 0);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		unsigned on = 99, node = 99;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
		CHECK(sched_getcpu() == cpu && syscall(SYS_getcpu, &on, &node, 0) == 0 && on == (unsigned)cpu && node == 0);
		CHECK(sched_getaffinity(0, sizeof(got), &got) == 0 && CPU_EQUAL(&got, &one));
	}
	CPU_ZERO(&one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == -1 && errno == EINVAL);
	CPU_SET(63, &one); /* no such CPU */
	CHECK(sched_setaffinity(0, sizeof(one), &one) == -1 && errno == EINVAL);
	CHECK(sched_setaffinity(99999, sizeof(all), &all) == -1 && errno == ESRCH);
	CHECK(sched_getaffinity(0, 4, &got) == -1 && errno == EINVAL);
	CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
}

static void test_poll(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	CHECK(poll(&pfd, 1, 10) == 0 && pfd.revents == 0);
	CHECK(write(fds[1], "x", 1) == 1);
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLIN));
	struct pollfd wr = { fds[1], POLLOUT, 0 };
	CHECK(poll(&wr, 1, 0) == 1 && (wr.revents & POLLOUT));
	close(fds[1]);
	char c;
	CHECK(read(fds[0], &c, 1) == 1);
	struct timespec ts = { 0, 1000000 };
	CHECK(ppoll(&pfd, 1, &ts, NULL) == 1 && (pfd.revents & POLLHUP));
	struct pollfd bad = { 999, POLLIN, 0 };
	CHECK(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
	close(fds[0]);
	CHECK(fcntl(0, F_GETFL) >= 0 && fcntl(999, F_GETFL) == -1 && errno == EBADF);
}

static void ignore(int sig) { (void)sig; }

static volatile sig_atomic_t alarmed;
static void note_alarm(int sig) { (void)sig; alarmed = 1; }

/* Two writers' writev calls, each one line of two vectors into one pipe: each line must
 * arrive whole (a pipe write of up to PIPE_BUF bytes is atomic, vectored or not). */
static void writev_lines(int fd, char c, int lines)
{
	char a[50], b[50];
	memset(a, c, sizeof(a));
	memset(b, c, sizeof(b));
	b[sizeof(b) - 1] = '\n';
	struct iovec iov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	for (int i = 0; i < lines; i++)
		if (writev(fd, iov, 2) != 100)
			_exit(1);
	_exit(0);
}

/* The vectors of readv and writev are one buffer: a readv returns what one read would
 * (it does not wait for more to fill its second vector), and concurrent writevs to a pipe
 * do not interleave. A file read into a buffer that faults part way returns what came
 * before the fault and moves the position that far; a pipe's buffer is checked first
 * (EFAULT, and nothing is taken from the pipe). */
static void test_vectored_io(void)
{
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(two != MAP_FAILED && munmap(two + 4096, 4096) == 0);
	int file = open("/bin/hello", O_RDONLY);
	struct stat st;
	CHECK(file >= 0 && fstat(file, &st) == 0 && st.st_size > 8192);
	CHECK(read(file, two, 8192) == 4096 && lseek(file, 0, SEEK_CUR) == 4096);
	struct iovec split[2] = { { two, 10 }, { two + 4096, 10 } };
	CHECK(lseek(file, 0, SEEK_SET) == 0 && readv(file, split, 2) == 10 && lseek(file, 0, SEEK_CUR) == 10);
	close(file);
	int fds[2];
	CHECK(pipe(fds) == 0);
	CHECK(write(fds[1], "0123456789abcdefghij", 20) == 20);
	CHECK(readv(fds[0], split, 2) == -1 && errno == EFAULT);
	CHECK(read(fds[0], two, 30) == 20 && !memcmp(two, "0123456789abcdefghij", 20));
	munmap(two, 4096);
	char in[20];
	struct iovec iov[2] = { { in, 10 }, { in + 10, 10 } };
	CHECK(write(fds[1], "0123456789", 10) == 10);
	struct sigaction sa = { 0 }, old;
	sa.sa_handler = note_alarm; /* no SA_RESTART: a blocked readv would end at the alarm */
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	alarmed = 0;
	alarm(2);
	CHECK(readv(fds[0], iov, 2) == 10 && !memcmp(in, "0123456789", 10));
	alarm(0);
	CHECK(!alarmed);
	sigaction(SIGALRM, &old, NULL);
	enum { LINES = 3000 };
	pid_t w[2];
	for (int i = 0; i < 2; i++)
		if ((w[i] = fork()) == 0) {
			close(fds[0]);
			writev_lines(fds[1], "AB"[i], LINES);
		}
	close(fds[1]);
	static char line[100];
	size_t have = 0;
	int whole = 0, torn = 0;
	ssize_t n;
	while ((n = read(fds[0], line + have, sizeof(line) - have)) > 0)
		if ((have += n) == sizeof(line)) {
			bool same = line[99] == '\n';
			for (int k = 1; k < 99; k++)
				same = same && line[k] == line[0];
			*(same ? &whole : &torn) += 1;
			have = 0;
		}
	close(fds[0]);
	int st0, st1;
	CHECK(waitpid(w[0], &st0, 0) == w[0] && st0 == 0 && waitpid(w[1], &st1, 0) == w[1] && st1 == 0);
	CHECK(whole == 2 * LINES && torn == 0 && have == 0);
}

static int child_status(void (*fn)(void))
{
	pid_t c = fork();
	if (c == 0) {
		fn();
		_exit(0);
	}
	int st = -1;
	waitpid(c, &st, 0);
	return st;
}

static void do_tkill_abrt(void) { syscall(SYS_tkill, gettid(), SIGABRT); }
static void do_caught(void)
{
	signal(SIGUSR1, ignore);
	raise(SIGUSR1); /* caught: the task goes on */
	signal(SIGTERM, SIG_IGN);
	kill(getpid(), SIGTERM);
	_exit(5);
}
static void do_blocked(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGTERM); /* pending until unblocked */
	write(1, "", 0);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(6); /* not reached: SIGTERM is delivered on unblocking */
}

static void test_signals(void)
{
	int st = child_status(do_tkill_abrt);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = child_status(do_caught);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
	st = child_status(do_blocked);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore;
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0 && sigaction(SIGUSR2, NULL, &old) == 0 && old.sa_handler == ignore);
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_tgkill, getpid(), getpid() + 1000, 0) == -1 && errno == ESRCH);
}

static void test_cloexec(const char *self)
{
	int keep = open("/bin/hello", O_RDONLY), gone = open("/bin/hello", O_RDONLY | O_CLOEXEC);
	CHECK(fcntl(gone, F_GETFD) == FD_CLOEXEC && fcntl(keep, F_GETFD) == 0);
	pid_t c = fork();
	if (c == 0) {
		char a[16], b[16];
		snprintf(a, sizeof(a), "%d", keep);
		snprintf(b, sizeof(b), "%d", gone);
		execl(self, self, "fds", a, b, (char *)NULL);
		_exit(99);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	int nb = dup(keep);
	CHECK(fcntl(nb, F_SETFL, O_NONBLOCK) == 0 && (fcntl(nb, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(keep, F_DUPFD, 50) == 50 && fcntl(keep, F_DUPFD_CLOEXEC, 50) == 51 && fcntl(51, F_GETFD) == FD_CLOEXEC);
	close(keep);
	close(gone);
	close(nb);
	close(50);
	close(51);
}

static void test_queries(void)
{
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0 && si.totalram > (64ul << 20) && si.freeram > 0 && si.procs >= 3 && si.mem_unit == 1);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur == 8 << 20);
	CHECK(getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY);
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 256);
	rl.rlim_cur = 2;
	rl.rlim_max = 1;
	CHECK(setrlimit(RLIMIT_CORE, &rl) == -1 && errno == EINVAL);
	struct rusage ru;
	volatile unsigned long spin = 0;
	for (unsigned long i = 0; i < 20000000; i++)
		spin += i;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 && (ru.ru_utime.tv_sec || ru.ru_utime.tv_usec) && ru.ru_maxrss > 0);
	struct tms t;
	CHECK(times(&t) > 0 && t.tms_utime + t.tms_stime > 0);
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && getrusage(5, &ru) == -1 && errno == EINVAL);
	cpu_set_t set;
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) &&
	      CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN));
	unsigned char rnd[32] = { 0 }, rnd2[32] = { 0 };
	CHECK(getrandom(rnd, sizeof(rnd), 0) == 32 && getrandom(rnd2, sizeof(rnd2), 0) == 32 && memcmp(rnd, rnd2, 32));
	CHECK(getrandom((void *)8, 16, 0) == -1 && errno == EFAULT);
	CHECK(umask(077) == 022 && umask(022) == 077);
}

/* The whole of a /proc file into buf, with no allocation (which could grow the resident
 * set between two readings). */
static char *slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r;
	while (fd >= 0 && (size_t)n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	if (fd >= 0)
		close(fd);
	return buf;
}

/* The sum of the numbers after each line starting with key. */
static long sum_of(const char *text, const char *key)
{
	long sum = 0;
	size_t n = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, n))
			sum += atol(l + n);
	return sum;
}

static void test_memory_figures(void)
{
	static char smaps[65536], rollup[4096], status[4096], statm[256], meminfo[4096];
	memset(smaps, 0, sizeof(smaps)); /* touched now, not between the readings */
	memset(rollup, 0, sizeof(rollup));
	memset(status, 0, sizeof(status));
	memset(statm, 0, sizeof(statm));
	memset(meminfo, 0, sizeof(meminfo));
	char *p = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 1, 64 * 4096);
	slurp("/proc/self/smaps", smaps, sizeof(smaps));
	slurp("/proc/self/smaps_rollup", rollup, sizeof(rollup));
	slurp("/proc/self/status", status, sizeof(status));
	slurp("/proc/self/statm", statm, sizeof(statm));
	slurp("/proc/meminfo", meminfo, sizeof(meminfo));
	long rss = sum_of(rollup, "Rss:"), resident = atol(strchr(statm, ' ') + 1) * 4;
	CHECK(rss >= 256 && rss == sum_of(smaps, "Rss:") && rss == sum_of(status, "VmRSS:") && rss == resident);
	/* Pss is summed before rounding down in the rollup: a kB per mapping at most apart */
	CHECK(labs(sum_of(rollup, "Pss:") - sum_of(smaps, "Pss:")) < 64 &&
	      sum_of(rollup, "Anonymous:") == sum_of(smaps, "Anonymous:"));
	long total = sum_of(meminfo, "MemTotal:"), free_kb = sum_of(meminfo, "MemFree:");
	CHECK(total > 0 && free_kb > 0 && free_kb < total && rss < total - free_kb);
	munmap(p, 64 * 4096);
}

static int64_t ts_ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

/* Whether /proc/self/maps has a line ending in name. */
static bool maps_has(const char *name)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f))
		found |= strstr(line, name) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* The vDSO: musl calls it for clock_gettime; its readings must interleave with the system
 * call's, and its mappings show as Linux names them. */
static void test_vdso(void)
{
	const unsigned char *ehdr = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	CHECK(ehdr && !memcmp(ehdr, "\x7f" "ELF", 4));
	CHECK(maps_has("[vdso]") && maps_has("[vvar]"));
	static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec a, b, c;
		CHECK(clock_gettime(clocks[i], &a) == 0);
		CHECK(syscall(SYS_clock_gettime, clocks[i], &b) == 0);
		CHECK(clock_gettime(clocks[i], &c) == 0);
		/* the TSC-to-ns rounding of the two paths is the same, so order holds exactly */
		CHECK(ts_ns(a) <= ts_ns(b) && ts_ns(b) <= ts_ns(c) && c.tv_nsec < 1000000000);
	}
	struct timespec cpu;
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0 && ts_ns(cpu) > 0);
	CHECK(clock_gettime(12345, &cpu) == -1 && errno == EINVAL);
	test_affinity_and_getcpu();
	struct timeval tv;
	time_t before = syscall(SYS_time, NULL);
	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec >= before && tv.tv_usec < 1000000);
	CHECK(time(NULL) >= tv.tv_sec && time(NULL) <= tv.tv_sec + 1);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fds")) /* the exec'd half of test_cloexec */
		return fcntl(atoi(argv[2]), F_GETFD) == 0 && fcntl(atoi(argv[3]), F_GETFD) == -1 ? 0 : 1;
	test_stat();
	test_file_mmap();
	test_linux_edge_errnos();
	test_shared_anon_and_mremap();
	test_poll();
	test_vectored_io();
	test_signals();
	test_cloexec(argv[0]);
	test_queries();
	test_memory_figures();
	test_vdso();
	return checks_report();
}
