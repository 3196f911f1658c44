/* sigtest: signal handlers as Linux runs them on x86-64. Handlers with siginfo (kill,
 * tkill, sigqueue, SIGCHLD, faults with si_addr and si_code), sa_mask, SA_NODEFER,
 * SA_RESETHAND, SA_RESTART against an interrupted read, sigaltstack (and recovery from a
 * stack overflow on it), rt_sigsuspend, pause, sigpending, sigtimedwait, nested handlers,
 * the interrupted code's registers and FPU state intact after a handler, and forged
 * rt_sigreturn frames that can only hurt their own task. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define SELFCHECK_NAME "sigtest"
#include "selfcheck.h"

static volatile sig_atomic_t hits, depth, max_depth;
static siginfo_t last;
static sigset_t mask_in_handler;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last = *si;
	sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	sigaction(sig, &sa, NULL);
}

static void reset(int sig) { signal(sig, SIG_DFL); }

static double elapsed_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A child that sends sig to the parent after ms milliseconds, then (if byte) writes byte
 * to fd after as long again. */
static pid_t signal_me_later(int sig, int ms, int fd, char byte)
{
	pid_t parent = getpid(), c = fork();
	if (c == 0) {
		usleep(ms * 1000);
		kill(parent, sig);
		if (byte) {
			usleep(ms * 1000);
			write(fd, &byte, 1);
		}
		_exit(0);
	}
	return c;
}

/* waitpid, again after a caught signal's EINTR. */
static pid_t waitpid_restarting(pid_t c, int *st, int options)
{
	pid_t r;
	while ((r = waitpid(c, st, options)) == -1 && errno == EINTR)
		;
	return r;
}

static void reap(pid_t c)
{
	int st;
	waitpid(c, &st, 0);
}

static void test_basic_delivery(void)
{
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	install(SIGUSR1, on_info, 0, &usr2);
	hits = 0;
	CHECK(raise(SIGUSR1) == 0 && hits == 1);
	CHECK(last.si_signo == SIGUSR1 && last.si_code == SI_TKILL && last.si_pid == getpid());
	CHECK(sigismember(&mask_in_handler, SIGUSR1) && sigismember(&mask_in_handler, SIGUSR2));
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2)); /* restored */
	CHECK(kill(getpid(), SIGUSR1) == 0 && hits == 2 && last.si_code == SI_USER);
	union sigval v = { .sival_int = 42 };
	CHECK(sigqueue(getpid(), SIGUSR1, v) == 0 && hits == 3 && last.si_code == SI_QUEUE &&
	      last.si_value.sival_int == 42 && last.si_pid == getpid());
	reset(SIGUSR1);
}

static volatile sig_atomic_t usr1_entries;

static void on_nested(int sig, siginfo_t *si, void *uc)
{
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (sig == SIGUSR1 && ++usr1_entries < 3)
		raise(SIGUSR1); /* runs now with SA_NODEFER, after this returns without */
	if (sig == SIGUSR1 && depth == 1)
		raise(SIGUSR2); /* another signal: always nested */
	depth--;
}

static void test_nodefer_resethand_nesting(void)
{
	install(SIGUSR1, on_nested, SA_NODEFER, NULL);
	install(SIGUSR2, on_nested, 0, NULL);
	depth = max_depth = usr1_entries = 0;
	raise(SIGUSR1);
	CHECK(max_depth == 3 && depth == 0 && usr1_entries == 3);
	install(SIGUSR1, on_nested, 0, NULL);
	depth = max_depth = usr1_entries = 0;
	raise(SIGUSR1);
	CHECK(max_depth == 2 && usr1_entries == 3); /* each USR1 waited for the last; USR2 nested */
	install(SIGUSR1, on_info, SA_RESETHAND, NULL);
	hits = 0;
	raise(SIGUSR1);
	struct sigaction now;
	sigaction(SIGUSR1, NULL, &now);
	CHECK(hits == 1 && now.sa_handler == SIG_DFL);
	reset(SIGUSR2);
}

static sigjmp_buf escape;
static volatile void *fault_addr;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	siglongjmp(escape, sig);
}

static void test_fault_handlers(void)
{
	install(SIGSEGV, on_segv, 0, NULL);
	char *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sigsetjmp(escape, 1) == 0)
		*(volatile char *)(guard + 100) = 1;
	CHECK(fault_addr == guard + 100 && fault_code == SEGV_ACCERR);
	munmap(guard, 4096);
	if (sigsetjmp(escape, 1) == 0)
		*(volatile char *)(guard + 8) = 1;
	CHECK(fault_addr == guard + 8 && fault_code == SEGV_MAPERR);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(!sigismember(&now, SIGSEGV)); /* siglongjmp restored the mask */
	reset(SIGSEGV);

	/* a fault while its signal is blocked cannot be put off: it kills */
	pid_t c = fork();
	if (c == 0) {
		install(SIGSEGV, on_segv, 0, NULL);
		sigset_t segv;
		sigemptyset(&segv);
		sigaddset(&segv, SIGSEGV);
		sigprocmask(SIG_BLOCK, &segv, NULL);
		volatile int *volatile bad = (int *)8;
		*bad = 1;
		_exit(0);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

static void test_restart(void)
{
	int p[2];
	char b;
	pipe(p);
	install(SIGUSR1, on_info, SA_RESTART, NULL);
	hits = 0;
	pid_t c = signal_me_later(SIGUSR1, 50, p[1], 'r');
	CHECK(read(p[0], &b, 1) == 1 && b == 'r' && hits == 1); /* restarted after the handler */
	reap(c);
	install(SIGUSR1, on_info, 0, NULL);
	c = signal_me_later(SIGUSR1, 50, p[1], 'n');
	errno = 0;
	CHECK(read(p[0], &b, 1) == -1 && errno == EINTR && hits == 2);
	CHECK(read(p[0], &b, 1) == 1 && b == 'n');
	reap(c);
	c = signal_me_later(SIGUSR1, 50, -1, 0);
	struct timespec t0, req = { 5, 0 }, rem = { 0, 0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(nanosleep(&req, &rem) == -1 && errno == EINTR && rem.tv_sec >= 3 && elapsed_since(&t0) < 4);
	reap(c);
	c = signal_me_later(SIGUSR1, 50, -1, 0);
	CHECK(pause() == -1 && errno == EINTR && hits == 4);
	reap(c);
	static int word;
	struct timespec five = { 5, 0 };
	c = signal_me_later(SIGUSR1, 50, -1, 0); /* a futex wait with a timeout: EINTR */
	CHECK(syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, &five) == -1 && errno == EINTR && hits == 5);
	reap(c);
	reset(SIGUSR1);
	close(p[0]);
	close(p[1]);
}

static void test_suspend_pending_timedwait(void)
{
	sigset_t usr1, old, none, pend;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	install(SIGUSR1, on_info, 0, NULL);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	hits = 0;
	pid_t c = signal_me_later(SIGUSR1, 50, -1, 0);
	CHECK(sigsuspend(&none) == -1 && errno == EINTR && hits == 1);
	sigprocmask(SIG_BLOCK, NULL, &pend);
	CHECK(sigismember(&pend, SIGUSR1)); /* the blocked mask is back */
	reap(c);
	c = signal_me_later(SIGUSR1, 50, -1, 0); /* ppoll's mask works as sigsuspend's */
	CHECK(ppoll(NULL, 0, NULL, &none) == -1 && errno == EINTR && hits == 2);
	sigprocmask(SIG_BLOCK, NULL, &pend);
	CHECK(sigismember(&pend, SIGUSR1));
	reap(c);

	raise(SIGUSR1);
	CHECK(hits == 2 && sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
	siginfo_t si;
	struct timespec t0, short_wait = { 0, 50 * 1000 * 1000 };
	CHECK(sigtimedwait(&usr1, &si, &short_wait) == SIGUSR1 && si.si_code == SI_TKILL && hits == 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(sigtimedwait(&usr1, &si, &short_wait) == -1 && errno == EAGAIN && elapsed_since(&t0) >= 0.05);
	raise(SIGUSR1);
	CHECK(hits == 2);
	sigprocmask(SIG_SETMASK, &old, NULL); /* unblocking delivers it */
	CHECK(hits == 3);
	reset(SIGUSR1);
}

static char altstack[65536];
static volatile uintptr_t handler_local;
static volatile int altstack_flags;

static void on_alt(int sig, siginfo_t *si, void *uc)
{
	volatile char here;
	handler_local = (uintptr_t)&here;
	stack_t now;
	sigaltstack(NULL, &now);
	altstack_flags = now.ss_flags;
	stack_t other = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	errno = 0;
	if (sigaltstack(&other, NULL) == 0 || errno != EPERM)
		altstack_flags = -1;
}

static volatile int bottomless = 1;

/* Deeper until the stack runs out (bottomless never changes). */
static int recurse(int n)
{
	volatile char pad[1024];
	pad[0] = (char)n;
	return bottomless ? recurse(n + 1) + pad[0] : 0;
}

static void test_altstack(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = 1024 }, old;
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
	ss.ss_flags = 99;
	ss.ss_size = sizeof(altstack);
	CHECK(sigaltstack(&ss, NULL) == -1 && errno == EINVAL);
	ss.ss_flags = 0;
	CHECK(sigaltstack(&ss, &old) == 0 && (old.ss_flags & SS_DISABLE));
	install(SIGUSR1, on_alt, SA_ONSTACK, NULL);
	raise(SIGUSR1);
	CHECK(handler_local > (uintptr_t)altstack && handler_local < (uintptr_t)altstack + sizeof(altstack));
	CHECK(altstack_flags == SS_ONSTACK);
	reset(SIGUSR1);

	/* a stack overflow: the SIGSEGV handler can only run on the alternate stack */
	pid_t c = fork();
	if (c == 0) {
		install(SIGSEGV, on_segv, SA_ONSTACK, NULL);
		if (sigsetjmp(escape, 1) == 0)
			recurse(0);
		_exit(fault_code == SEGV_MAPERR || fault_code == SEGV_ACCERR ? 7 : 1);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);
}

static void on_fpu(int sig)
{
	volatile double x = 1.0;
	for (int i = 0; i < 10; i++)
		x = x * 3.7 + 0.1;
	fesetround(FE_TOWARDZERO);
	__asm__ __volatile__("pxor %%xmm0, %%xmm0; pxor %%xmm7, %%xmm7" ::: "xmm0", "xmm7");
}

/* The interrupted code's registers (general and SSE) and its rounding mode come back
 * intact, whatever the handler did with them. */
static void test_state_preserved(void)
{
	signal(SIGUSR1, on_fpu);
	fesetround(FE_UPWARD);
	uint64_t pattern = 0x0123456789abcdefULL, xmm0_after, xmm7_after, r12_after;
	long nr = SYS_kill, pid = getpid(), sig = SIGUSR1;
	__asm__ __volatile__(
		"movq %[pat], %%xmm0\n\t"
		"movq %[pat], %%xmm7\n\t"
		"movq %[pat], %%r12\n\t"
		"syscall\n\t" /* the handler runs on the way back from this kill */
		"movq %%xmm0, %[x0]\n\t"
		"movq %%xmm7, %[x7]\n\t"
		"movq %%r12, %[r12]\n\t"
		: [x0] "=r"(xmm0_after), [x7] "=r"(xmm7_after), [r12] "=r"(r12_after), "+a"(nr)
		: [pat] "r"(pattern), "D"(pid), "S"(sig)
		: "rcx", "r11", "r12", "xmm0", "xmm7", "memory");
	CHECK(nr == 0 && xmm0_after == pattern && xmm7_after == pattern && r12_after == pattern);
	CHECK(fegetround() == FE_UPWARD);
	fesetround(FE_TONEAREST);
	reset(SIGUSR1);
}

/* Job control: SIGSTOP stops a child (WUNTRACED sees it, SIGCHLD says CLD_STOPPED),
 * SIGCONT resumes it (WCONTINUED, CLD_CONTINUED) and its interrupted read goes on; a
 * caught SIGTSTP only runs its handler; SIGKILL ends a stopped child; SA_NOCLDSTOP keeps
 * the stop from the parent's handler. */
static void test_job_control(void)
{
	int p[2], st;
	pipe(p);
	install(SIGCHLD, on_info, 0, NULL);
	hits = 0;
	pid_t c = fork();
	if (c == 0) {
		char b = 0;
		read(p[0], &b, 1); /* stopped while in here: the read goes on once continued */
		_exit(b);
	}
	usleep(20000);
	CHECK(kill(c, SIGSTOP) == 0 && waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st) &&
	      WSTOPSIG(st) == SIGSTOP);
	for (int i = 0; i < 1000 && !hits; i++)
		usleep(1000);
	CHECK(hits == 1 && last.si_code == CLD_STOPPED && last.si_pid == c && last.si_status == SIGSTOP);
	CHECK(waitpid(c, &st, WUNTRACED | WNOHANG) == 0); /* reported once */
	write(p[1], "\x2a", 1);
	CHECK(kill(c, SIGCONT) == 0 && waitpid(c, &st, WCONTINUED) == c && WIFCONTINUED(st));
	/* The continued child itself sends the CLD_CONTINUED SIGCHLD (as on Linux), maybe on
	 * another CPU while this waits: its handler may interrupt the wait. */
	CHECK(waitpid_restarting(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 42);
	CHECK(last.si_code == CLD_EXITED || last.si_code == CLD_CONTINUED);

	c = fork();
	if (c == 0) {
		install(SIGTSTP, on_info, 0, NULL);
		hits = 0;
		raise(SIGTSTP); /* caught: the handler runs, nothing stops */
		_exit(hits == 1 ? 3 : 1);
	}
	CHECK(waitpid_restarting(c, &st, WUNTRACED) == c && WIFEXITED(st) && WEXITSTATUS(st) == 3);

	install(SIGCHLD, on_info, SA_NOCLDSTOP, NULL);
	hits = 0;
	c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	CHECK(waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
	usleep(20000);
	CHECK(hits == 0 && kill(c, SIGKILL) == 0 && waitpid(c, &st, 0) == c && WIFSIGNALED(st) &&
	      WTERMSIG(st) == SIGKILL);
	reset(SIGCHLD);
	close(p[0]);
	close(p[1]);

	/* A child leads a new process group (its parent's session), forks a member that
	 * stops, and exits: the group is orphaned with a stopped member, which gets SIGHUP
	 * and SIGCONT and ends (closing the pipe it held), as on Linux. */
	int held[2];
	pipe(held);
	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		if (fork() == 0) {
			close(held[0]);
			raise(SIGSTOP);
			_exit(0); /* not reached: the hangup ends it */
		}
		usleep(20000);
		_exit(0);
	}
	close(held[1]);
	char b;
	CHECK(waitpid(c, &st, 0) == c && read(held[0], &b, 1) == 0);
	close(held[0]);
}

static int rt_values[8], rt_seen;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	if (rt_seen < 8)
		rt_values[rt_seen++] = si->si_value.sival_int;
}

/* Real-time signals queue: three sent while blocked arrive three times, in order, each
 * with its value; a standard one sent twice arrives once. */
static void test_realtime_queue(void)
{
	int rt = SIGRTMIN + 1;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, rt);
	sigaddset(&set, SIGUSR1);
	install(rt, on_rt, 0, NULL);
	install(SIGUSR1, on_info, 0, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	rt_seen = hits = 0;
	for (int i = 1; i <= 3; i++)
		sigqueue(getpid(), rt, (union sigval){ .sival_int = i });
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(rt_seen == 3 && rt_values[0] == 1 && rt_values[1] == 2 && rt_values[2] == 3 && hits == 1);
	reset(rt);
	reset(SIGUSR1);
}

/* signalfd: blocked signals read as records instead of handled; poll says when one waits;
 * a blocking read sleeps until one comes. */
static void test_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct signalfd_siginfo rec;
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0 && read(fd, &rec, sizeof(rec)) == -1 && errno == EAGAIN);
	CHECK(syscall(SYS_signalfd4, -1, &set, 4, 0) == -1 && errno == EINVAL);
	sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 9 });
	struct pollfd p = { fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN));
	CHECK(read(fd, &rec, 4) == -1 && errno == EINVAL); /* smaller than one record */
	CHECK(read(fd, &rec, sizeof(rec)) == sizeof(rec) && rec.ssi_signo == SIGUSR2 &&
	      rec.ssi_code == SI_QUEUE && rec.ssi_int == 9 && rec.ssi_pid == (uint32_t)getpid());
	CHECK(poll(&p, 1, 0) == 0);
	int blocking = signalfd(-1, &set, 0);
	pid_t c = signal_me_later(SIGUSR2, 50, -1, 0);
	CHECK(read(blocking, &rec, sizeof(rec)) == sizeof(rec) && rec.ssi_signo == SIGUSR2 &&
	      rec.ssi_pid == (uint32_t)c);
	reap(c);
	close(blocking);
	close(fd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* A POSIX timer's signal carries SI_TIMER, the timer's id and its sigev_value. */
static void test_timer_siginfo(void)
{
	install(SIGUSR2, on_info, 0, NULL);
	hits = 0;
	timer_t id;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
			       .sigev_value.sival_int = 77 };
	struct itimerspec in10ms = { .it_value = { 0, 10 * 1000 * 1000 } };
	CHECK(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0 && timer_settime(id, 0, &in10ms, NULL) == 0);
	for (int i = 0; i < 2000 && !hits; i++)
		usleep(1000);
	CHECK(hits == 1 && last.si_signo == SIGUSR2 && last.si_code == SI_TIMER &&
	      last.si_value.sival_int == 77 && last.si_timerid == (int)(long)id);
	timer_delete(id);
	reset(SIGUSR2);
}

static void test_sigchld(void)
{
	install(SIGCHLD, on_info, 0, NULL);
	hits = 0;
	pid_t c = fork();
	if (c == 0)
		_exit(3);
	for (int i = 0; i < 5000 && !hits; i++)
		usleep(1000);
	CHECK(last.si_signo == SIGCHLD && last.si_code == CLD_EXITED && last.si_pid == c &&
	      last.si_status == 3);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 3);
	reset(SIGCHLD);
}

/* rt_sigreturn with a frame the program made up: with kernel segments and I/O privilege
 * asked for, it returns to ring 3 with neither; with a wild rip, only the task dies. */
static void ring3_check(void)
{
	uint64_t flags, cs;
	__asm__ __volatile__("pushfq; popq %0; movq %%cs, %1" : "=r"(flags), "=r"(cs));
	_exit(((flags >> 12) & 3) == 0 && (cs & 3) == 3 ? 9 : 1);
}

static void forged_sigreturn(uint64_t rip, uint64_t cs, uint64_t rflags)
{
	static uint64_t frame[64] __attribute__((aligned(16)));
	static char stack[16384] __attribute__((aligned(16)));
	memset(frame, 0, sizeof(frame));
	/* after pretcode: uc_flags, uc_link, uc_stack (3 words), then sigcontext:
	 * r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs|gs|fs|ss, ... */
	uint64_t *sc = frame + 6;
	sc[15] = (uint64_t)(stack + sizeof(stack) - 8); /* rsp */
	sc[16] = rip;
	sc[17] = rflags;
	sc[18] = cs;
	__asm__ __volatile__("movq %0, %%rsp; movl $15, %%eax; syscall" :: "r"(frame + 1) : "memory");
	__builtin_unreachable();
}

static void test_forged_frames(void)
{
	int st;
	pid_t c = fork();
	if (c == 0)
		forged_sigreturn((uint64_t)ring3_check, 0x08, 0x3202); /* kernel CS, IOPL 3 */
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 9);
	c = fork();
	if (c == 0)
		forged_sigreturn(0x4141414141414141ULL, 0x33, 0x202); /* non-canonical rip */
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	c = fork();
	if (c == 0) { /* the frame itself unreadable */
		__asm__ __volatile__("movq $8, %%rsp; movl $15, %%eax; syscall" ::: "memory");
		_exit(1);
	}
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}

/* abort() whose SIGABRT handler returns still ends the process by SIGABRT. */
static void test_abort_with_handler(void)
{
	pid_t c = fork();
	if (c == 0) {
		install(SIGABRT, on_info, 0, NULL);
		abort();
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

int main(void)
{
	test_basic_delivery();
	test_nodefer_resethand_nesting();
	test_fault_handlers();
	test_restart();
	test_suspend_pending_timedwait();
	test_altstack();
	test_state_preserved();
	test_sigchld();
	test_timer_siginfo();
	test_realtime_queue();
	test_signalfd();
	test_job_control();
	test_forged_frames();
	test_abort_with_handler();
	return checks_report();
}
