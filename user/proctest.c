/* proctest: the process and file system calls a libc program relies on, each checked
 * against Linux's documented behaviour. Prints one line per failure and a summary:
 * "proctest: N checks, F failed". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define SELFCHECK_NAME "proctest"
#include "selfcheck.h"

#ifndef PR_SET_MEMORY_MERGE /* Linux 6.4; older headers lack them */
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

static double now(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_identity(void)
{
	CHECK(getpid() > 1);
	CHECK(getppid() >= 0);
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0);
	struct utsname u;
	CHECK(uname(&u) == 0 && !strcmp(u.machine, "x86_64"));
	char name[16];
	CHECK(prctl(PR_SET_NAME, "renamed-task") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "renamed-task"));
	CHECK(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1);
	pid_t c = fork();
	if (c == 0)
		_exit(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1 ? 0 : 1); /* inherited */
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_MEMORY_MERGE, 0, 1, 0, 0) == -1 && errno == EINVAL);
	CHECK(prctl(12345) == -1 && errno == EINVAL);
}

static void test_bad_pointers(void)
{
	CHECK(write(1, (void *)0x10, 5) == -1 && errno == EFAULT);
	CHECK(write(1, (void *)0xffff800000000000ul, 5) == -1 && errno == EFAULT);
	CHECK(read(0, (void *)0x7ffffffff000ul, 5) == -1 && errno == EFAULT);
	CHECK(open((char *)0x10, O_RDONLY) == -1 && errno == EFAULT);
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)0x20) == -1 && errno == EFAULT);
	CHECK(syscall(9999) == -1 && errno == ENOSYS);
	CHECK(write(-1, "x", 1) == -1 && errno == EBADF);
	CHECK(close(999) == -1 && errno == EBADF);
}

static void test_files(void)
{
	int fd = open("/bin/hello", O_RDONLY);
	CHECK(fd >= 3);
	char hdr[4];
	CHECK(read(fd, hdr, 4) == 4 && !memcmp(hdr, "\x7f" "ELF", 4));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 1000);
	CHECK(lseek(fd, 1, SEEK_SET) == 1 && read(fd, hdr, 3) == 3 && !memcmp(hdr, "ELF", 3));
	CHECK(pread(fd, hdr, 4, 0) == 4 && !memcmp(hdr, "\x7f" "ELF", 4));
	CHECK(lseek(fd, 0, SEEK_CUR) == 4);
	int d = dup(fd);
	CHECK(d > fd && lseek(d, 0, SEEK_CUR) == 4); /* shares the position */
	CHECK(dup2(fd, 20) == 20 && fcntl(20, F_GETFD) == 0);
	CHECK(dup3(fd, 21, O_CLOEXEC) == 21 && fcntl(21, F_GETFD) == FD_CLOEXEC);
	close(d);
	close(20);
	close(21);
	close(fd);
	CHECK(open("/bin/hello", O_WRONLY) == -1 && errno == EROFS);
	CHECK(open("/no/such", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(open("/bin/hello/x", O_RDONLY) == -1 && errno == ENOTDIR);
	CHECK(stat("/bin", &st) == 0 && S_ISDIR(st.st_mode));

	/* directory listing with getdents64 through readdir */
	int dfd = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	char buf[4096];
	long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
	CHECK(n > 0);
	char self[16];
	snprintf(self, sizeof(self), "%d", getpid());
	int found = 0;
	for (long off = 0; off < n;) {
		unsigned short reclen = *(unsigned short *)(buf + off + 16);
		if (!strcmp(buf + off + 19, self))
			found = 1;
		off += reclen;
	}
	CHECK(found);
	close(dfd);

	char path[64];
	CHECK(readlink("/proc/self/exe", path, sizeof(path)) > 0);
	fd = open("/proc/self/status", O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(strstr(buf, "Name:\trenamed-task") && strstr(buf, "VmRSS:"));
	close(fd);
	char cwd[64];
	CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"));
	CHECK(chdir("/bin") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/bin"));
	CHECK(access("hello", R_OK) == 0);
	CHECK(chdir("/") == 0);
}

static void test_pipe_fork_wait(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		const char msg[] = "through the pipe";
		_exit(write(p[1], msg, sizeof(msg)) == sizeof(msg) ? 7 : 1);
	}
	close(p[1]);
	char buf[64] = "";
	CHECK(read(p[0], buf, sizeof(buf)) == 17 && !strcmp(buf, "through the pipe"));
	CHECK(read(p[0], buf, sizeof(buf)) == 0); /* writer gone: end of file */
	close(p[0]);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);

	/* a child killed by a fault is reported as killed by SIGSEGV */
	c = fork();
	if (c == 0) {
		volatile int *volatile bad = (int *)8;
		*bad = 1;
	}
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

	/* kill(SIGTERM) ends a sleeping child */
	c = fork();
	if (c == 0) {
		sleep(100);
		_exit(0);
	}
	usleep(10000);
	CHECK(kill(c, SIGTERM) == 0);
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK(kill(c, 0) == -1 && errno == ESRCH);

	/* fork + execve + wait, with arguments and environment */
	c = fork();
	if (c == 0) {
		char *argv[] = { "/bin/hello", "from-exec", NULL };
		char *envp[] = { "KSM=yes", NULL };
		int out = open("/dev/null", O_WRONLY);
		dup2(out, 1);
		execve("/bin/hello", argv, envp);
		_exit(99);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	c = fork();
	if (c == 0) {
		char *argv[] = { "/proc/meminfo", NULL };
		execve("/proc/meminfo", argv, argv + 1);
		_exit(errno == EACCES ? 42 : 43);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

/* PR_SET_PDEATHSIG: a grandchild asks for SIGTERM when its parent dies and says so; the
 * middle child then exits, and the grandchild's end shows as end of file on the pipe it
 * held. The setting reads back, and a fork does not inherit it. */
static void test_parent_death_signal(void)
{
	int held[2], ready[2], st, sig = -1;
	CHECK(pipe(held) == 0 && pipe(ready) == 0);
	pid_t mid = fork();
	if (mid == 0) {
		close(held[0]);
		if (fork() == 0) {
			int got = -1;
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) || prctl(PR_GET_PDEATHSIG, &got) || got != SIGTERM)
				_exit(1);
			if (fork() == 0) { /* not inherited */
				prctl(PR_GET_PDEATHSIG, &got);
				_exit(got);
			}
			if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				_exit(1);
			write(ready[1], "g", 1);
			sleep(100); /* until the signal ends it */
			_exit(2);
		}
		close(held[1]);
		close(ready[1]);
		char c;
		_exit(read(ready[0], &c, 1) == 1 ? 0 : 1); /* then the grandchild's parent dies */
	}
	close(held[1]);
	close(ready[1]);
	char c = 0;
	CHECK(waitpid(mid, &st, 0) == mid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(read(held[0], &c, 1) == 0); /* the grandchild is gone */
	close(held[0]);
	close(ready[0]);
	CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == 0);
	CHECK(prctl(PR_SET_PDEATHSIG, 65) == -1 && errno == EINVAL);
}

static void test_time(void)
{
	double m0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	CHECK(nanosleep(&ts, NULL) == 0);
	double m1 = now(CLOCK_MONOTONIC);
	CHECK(m1 - m0 >= 0.050 && m1 - m0 < 5);
	volatile unsigned long spin = 0;
	for (unsigned long i = 0; i < 20000000; i++)
		spin += i;
	CHECK(now(CLOCK_PROCESS_CPUTIME_ID) > c0);
	CHECK(now(CLOCK_REALTIME) > 1.6e9); /* after 2020 */
	CHECK(now(CLOCK_BOOTTIME) > 0 && now(CLOCK_MONOTONIC_RAW) > 0);
	CHECK(clock_gettime(99, &ts) == -1 && errno == EINVAL);
}

static void test_memory(void)
{
	size_t len = 64 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	CHECK(p[100] == 0); /* demand zero */
	memset(p, 0xab, len);
	CHECK(mprotect(p, 4096, PROT_READ) == 0);
	CHECK(madvise(p + 4096, 4096, MADV_DONTNEED) == 0 && p[4096] == 0 && p[8192] == 0xab);
	CHECK(madvise(p, len, MADV_MERGEABLE) == 0);
	CHECK(madvise(p, len, MADV_UNMERGEABLE) == 0);
	CHECK(munmap(p + 8 * 4096, 4096) == 0);
	CHECK(munmap(p, len) == 0);
	CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
	/* musl's sbrk() only reads the break: use the system call */
	char *brk0 = (char *)syscall(SYS_brk, 0);
	CHECK((char *)syscall(SYS_brk, brk0 + 8192) == brk0 + 8192 && brk0[8000] == 0);
	brk0[8000] = 5;
	CHECK((char *)syscall(SYS_brk, brk0) == brk0);
	char *big = malloc(1 << 20);
	CHECK(big != NULL);
	memset(big, 1, 1 << 20);
	free(big);
}

int main(void)
{
	test_identity();
	test_bad_pointers();
	test_files();
	test_pipe_fork_wait();
	test_parent_death_signal();
	test_time();
	test_memory();
	return checks_report();
}
