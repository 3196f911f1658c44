/* pidfdtest: pidfd_open, poll on a pidfd, pidfd_send_signal, waitid, process groups and
 * kill of a group, each checked against Linux's documented behaviour, and the pattern the
 * kselftest harness runs every test with (fork, setpgrp in the child, pidfd_open, poll,
 * kill(-pgid, SIGKILL) on timeout, waitpid WNOHANG). Children wait on pipes, never on
 * sleeps. Prints one line per failure and "pidfdtest: N checks, F failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#define SELFCHECK_NAME "pidfdtest"
#include "selfcheck.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define NR_pidfd_send_signal 424
#define NR_pidfd_open 434
#define PIDFD_NONBLOCK O_NONBLOCK

static const char *self_path; /* argv[0]: this program, run again by test_groups */

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(NR_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return syscall(NR_pidfd_send_signal, fd, sig, info, flags);
}

/* A child that waits until the write end of its pipe closes (or it is killed), then
 * exits with code. *release: the write end; closing it lets the child go. */
static pid_t blocked_child(int code, int *release)
{
	int p[2];
	if (pipe(p))
		exit(99);
	pid_t c = fork();
	if (c == 0) {
		char ch;
		close(p[1]);
		while (read(p[0], &ch, 1) > 0)
			;
		_exit(code);
	}
	close(p[0]);
	*release = p[1];
	return c;
}

/* poll one pidfd for POLLIN: poll's return value, revents into *rev. */
static int poll_pidfd(int fd, int timeout_ms, short *rev)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	*rev = pfd.revents;
	return n;
}

static void test_pidfd_open(void)
{
	errno = 0;
	CHECK(pidfd_open(getpid(), 1) == -1 && errno == EINVAL);
	CHECK(pidfd_open(getpid(), O_CLOEXEC) == -1 && errno == EINVAL);
	CHECK(pidfd_open(0, 0) == -1 && errno == EINVAL);
	CHECK(pidfd_open(-1, 0) == -1 && errno == EINVAL);
	CHECK(pidfd_open(0x7ffffff0, 0) == -1 && errno == ESRCH);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	CHECK(waitpid(c, NULL, 0) == c);
	CHECK(pidfd_open(c, 0) == -1 && errno == ESRCH); /* reaped */
	int fd = pidfd_open(getpid(), 0);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	char b;
	CHECK(read(fd, &b, 1) == -1 && errno == EINVAL);
	close(fd);
	fd = pidfd_open(getpid(), PIDFD_NONBLOCK);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	close(fd);
}

static void test_poll(void)
{
	int release, st;
	short rev;
	pid_t c = blocked_child(3, &release);
	int fd = pidfd_open(c, 0);
	CHECK(fd >= 0);
	CHECK(poll_pidfd(fd, 0, &rev) == 0 && rev == 0);
	CHECK(poll_pidfd(fd, 50, &rev) == 0 && rev == 0); /* times out: the child lives */
	close(release);
	CHECK(poll_pidfd(fd, -1, &rev) == 1 && rev == POLLIN); /* woken by its exit */
	/* readable means exited: waitpid WNOHANG reaps it at once, as the harness expects */
	CHECK(waitpid(c, &st, WNOHANG) == c && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(poll_pidfd(fd, 0, &rev) == 1 && rev == (POLLIN | POLLHUP)); /* reaped */
	close(fd);
}

/* kselftest_harness.h's __run_test and __wait_for_test on a test that hangs: the child
 * leads its own group and spins with a grandchild in that group. */
static void test_harness_pattern(void)
{
	int p[2], st;
	short rev;
	if (pipe(p))
		exit(99);
	pid_t c = fork();
	if (c == 0) {
		setpgrp();
		pid_t g = fork();
		if (g == 0)
			for (;;)
				;
		write(p[1], &g, sizeof(g));
		for (;;)
			;
	}
	pid_t g;
	CHECK(read(p[0], &g, sizeof(g)) == sizeof(g));
	close(p[0]);
	close(p[1]);
	CHECK(getpgid(c) == c && getpgid(g) == c && getpgid(0) != c);
	int fd = pidfd_open(c, 0), gfd = pidfd_open(g, 0);
	CHECK(fd >= 0 && gfd >= 0);
	CHECK(poll_pidfd(fd, 100, &rev) == 0); /* "timed out" */
	CHECK(kill(-c, SIGKILL) == 0);
	CHECK(poll_pidfd(fd, -1, &rev) == 1 && (rev & POLLIN));
	CHECK(waitpid(c, &st, WNOHANG) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(poll_pidfd(gfd, -1, &rev) == 1 && (rev & POLLIN)); /* the grandchild died too */
	close(fd);
	close(gfd);
}

static void test_send_signal(void)
{
	int release, st, p[2];
	pid_t c = blocked_child(0, &release);
	int fd = pidfd_open(c, 0);
	CHECK(fd >= 0);
	CHECK(pidfd_send_signal(fd, 0, NULL, 0) == 0);
	CHECK(pidfd_send_signal(fd, SIGKILL, NULL, 8) == -1 && errno == EINVAL);
	CHECK(pidfd_send_signal(fd, SIGKILL, NULL, 1 | 2) == -1 && errno == EINVAL);
	CHECK(pidfd_send_signal(fd, 100, NULL, 0) == -1 && errno == EINVAL);
	CHECK(pipe(p) == 0);
	CHECK(pidfd_send_signal(p[0], SIGKILL, NULL, 0) == -1 && errno == EBADF);
	CHECK(pidfd_send_signal(-1, SIGKILL, NULL, 0) == -1 && errno == EBADF);
	CHECK(pidfd_send_signal(1000, SIGKILL, NULL, 0) == -1 && errno == EBADF);
	siginfo_t info;
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGTERM;
	info.si_code = SI_QUEUE;
	CHECK(pidfd_send_signal(fd, SIGKILL, &info, 0) == -1 && errno == EINVAL); /* signo differs */
	info.si_code = SI_USER;
	CHECK(pidfd_send_signal(fd, SIGTERM, &info, 0) == -1 && errno == EPERM); /* forged */
	CHECK(pidfd_send_signal(fd, SIGTERM, NULL, 0) == 0);
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK(pidfd_send_signal(fd, 0, NULL, 0) == -1 && errno == ESRCH);
	CHECK(pidfd_send_signal(fd, SIGKILL, NULL, 0) == -1 && errno == ESRCH);
	close(fd);
	close(release);
	close(p[0]);
	close(p[1]);
}

static void test_waitid(void)
{
	siginfo_t si;
	struct rusage ru;
	int release;
	short rev;

	pid_t c = fork();
	if (c == 0)
		_exit(7);
	memset(&si, 0xff, sizeof(si));
	CHECK(waitid(P_PID, c, &si, WEXITED) == 0);
	CHECK(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_pid == c &&
	      si.si_status == 7 && si.si_uid == 0 && si.si_errno == 0);

	c = blocked_child(0, &release);
	CHECK(kill(c, SIGKILL) == 0);
	CHECK(syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, &ru) == 0);
	CHECK(si.si_code == CLD_KILLED && si.si_pid == c && si.si_status == SIGKILL);
	close(release);

	c = blocked_child(5, &release);
	si.si_pid = 12345;
	si.si_signo = 99;
	CHECK(waitid(P_PID, c, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0 && si.si_signo == 0);
	int fd = pidfd_open(c, 0), nbfd = pidfd_open(c, PIDFD_NONBLOCK);
	CHECK(fd >= 0 && nbfd >= 0);
	CHECK(waitid(P_PIDFD, nbfd, &si, WEXITED) == -1 && errno == EAGAIN);
	close(release);
	CHECK(poll_pidfd(fd, -1, &rev) == 1);
	CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == c && si.si_status == 5);
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == c);
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0 && si.si_pid == c && si.si_code == CLD_EXITED);
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == -1 && errno == ECHILD);
	CHECK(waitid(P_PID, c, &si, WEXITED) == -1 && errno == ECHILD);
	close(fd);
	close(nbfd);

	c = fork();
	if (c == 0)
		_exit(1);
	CHECK(waitid(P_PGID, 0, &si, WEXITED) == 0 && si.si_pid == c); /* our group */
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == -1 && errno == ECHILD);
	CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == -1 && errno == ECHILD);
	CHECK(waitid(42, 0, &si, WEXITED) == -1 && errno == EINVAL);
	CHECK(waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL);
	CHECK(waitid(P_ALL, 0, &si, WEXITED | 0x100) == -1 && errno == EINVAL);
	CHECK(waitid(P_PID, 0, &si, WEXITED) == -1 && errno == EINVAL);
	CHECK(waitid(P_PIDFD, 0, &si, WEXITED) == -1 && errno == EBADF); /* stdin */
}

static void test_groups(void)
{
	int release, release2, st;
	pid_t me = getpid();
	CHECK(getpgid(0) == getpgrp() && getpgid(me) == getpgrp());
	CHECK(getpgid(0x7ffffff0) == -1 && errno == ESRCH);
	CHECK(setpgid(0, -1) == -1 && errno == EINVAL);
	CHECK(setpgid(0x7ffffff0, 0) == -1 && errno == ESRCH);
	CHECK(setpgid(getppid(), 0) == -1 && errno == ESRCH); /* not ours to move */
	if (getsid(0) == me) /* a session leader stays in its group */
		CHECK(setpgid(0, 0) == -1 && errno == EPERM);
	CHECK(kill(0, 0) == 0);
	CHECK(kill(-0x7ffffff0, 0) == -1 && errno == ESRCH);

	pid_t c = blocked_child(0, &release);
	CHECK(getpgid(c) == getpgrp() && getsid(c) == getsid(0)); /* inherited */
	CHECK(kill(-1, 0) == 0);
	CHECK(setpgid(c, 0x7ffffff0) == -1 && errno == EPERM); /* no such group */
	CHECK(setpgid(c, c) == 0 && getpgid(c) == c);
	CHECK(setpgid(c, getpgrp()) == 0 && getpgid(c) == getpgrp()); /* and back */
	CHECK(setpgid(c, 0) == 0 && getpgid(c) == c);
	pid_t c2 = blocked_child(0, &release2);
	CHECK(setpgid(c2, c) == 0 && getpgid(c2) == c); /* join the child's group */
	CHECK(kill(-c, SIGKILL) == 0);
	CHECK(waitpid(-c, &st, 0) > 0 && WTERMSIG(st) == SIGKILL);
	CHECK(waitpid(-c, &st, 0) > 0 && WTERMSIG(st) == SIGKILL);
	CHECK(waitpid(-c, &st, WNOHANG) == -1 && errno == ECHILD);
	close(release);
	close(release2);

	/* setsid in a child: a new session and group; setpgid across sessions fails */
	int p[2];
	CHECK(pipe(p) == 0);
	c = fork();
	if (c == 0) {
		char ch;
		close(p[1]);
		int ok = setsid() == getpid() && getsid(0) == getpid() && getpgrp() == getpid() &&
			 setsid() == -1 && errno == EPERM;
		read(p[0], &ch, 1);
		_exit(ok ? 0 : 1);
	}
	close(p[0]);
	while (getsid(c) != c) /* until the child has made its session */
		sched_yield();
	CHECK(setpgid(c, c) == -1 && errno == EPERM); /* another session */
	close(p[1]);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* after execve the parent may no longer move it: EACCES */
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	int hold[2];
	CHECK(pipe(hold) == 0);
	c = fork();
	if (c == 0) {
		dup2(hold[0], 0);
		close(hold[1]);
		execl(self_path, "pidfdtest", "wait-stdin", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	close(hold[0]);
	char ch;
	CHECK(read(p[0], &ch, 1) == 0); /* end of file: the exec closed the other end */
	CHECK(setpgid(c, c) == -1 && errno == EACCES);
	close(hold[1]);
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "wait-stdin")) { /* test_groups' exec'd child */
		char ch;
		while (read(0, &ch, 1) > 0)
			;
		return 0;
	}
	self_path = argv[0];
	test_pidfd_open();
	test_poll();
	test_harness_pattern();
	test_send_signal();
	test_waitid();
	test_groups();
	return checks_report();
}
