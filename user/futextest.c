/* futextest: futex(2) against Linux 6.1's results: the errors, timeouts on both clocks
 * (each lasting at least its time), wake-ups across fork through shared anonymous memory
 * (mapped at the same address or at two),
 * private futexes staying inside their process, the requeues, FUTEX_WAKE_OP's arithmetic
 * and its conditional second wake, the thread-exit protocol (clear_child_tid),
 * a ping-pong between two threads pinned to two CPUs (each wake-up crosses CPUs),
 * and a private futex whose page ksmd merges while its process waits on it. Sets
 * /sys/kernel/mm/ksm/run to 1 for that case if needed, and restores the knobs it changed.
 * `futextest swap MIB` instead checks a futex whose page is swapped out while its process
 * waits on it (MIB: more than the machine's memory). Prints "futextest: N checks, F failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define SELFCHECK_NAME "futextest"
#include "selfcheck.h"
#include "ksm_util.h"

#define PAGE 4096

/* Linux's <linux/futex.h>, which musl's headers lack. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_FD		2
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAKE_OP		5
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_WAIT_PRIVATE	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE	(FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_OP_SET		0
#define FUTEX_OP_ADD		1
#define FUTEX_OP_OR		2
#define FUTEX_OP_ANDN		3
#define FUTEX_OP_XOR		4
#define FUTEX_OP_OPARG_SHIFT	8
#define FUTEX_OP_CMP_EQ		0
#define FUTEX_OP_CMP_GT		4
#define OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))
#define ANY 0xffffffffu

static long futex(void *uaddr, int op, uint32_t val, const void *timeout, void *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* futex() for the operations whose fourth argument is a count. */
static long futex2(void *uaddr, int op, uint32_t val, long val2, void *uaddr2, uint32_t val3)
{
	return futex(uaddr, op, val, (const void *)val2, uaddr2, val3);
}

static double mono(void) { return now_s(); }

static double real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct timespec ts_of(double s)
{
	return (struct timespec){ (time_t)s, (long)((s - (time_t)s) * 1e9) };
}

static void *map(int prot, int flags)
{
	void *p = mmap(NULL, PAGE, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("futextest: mmap");
		exit(1);
	}
	return p;
}

/* How many tasks wait on the shared futex f: a CMP_REQUEUE of all of f's waiters onto f
 * itself wakes none and counts them. */
static long queued(uint32_t *f)
{
	return futex2(f, FUTEX_CMP_REQUEUE, 0, INT_MAX, f, *f);
}

/* Wait (10 s at most) until n tasks wait on f. */
static int wait_queued(uint32_t *f, long n)
{
	for (int i = 0; i < 10000 && queued(f) != n; i++)
		usleep(1000);
	return queued(f) == n ? 0 : -1;
}

/* A child that waits on f (op, val, bitset) for at most timeout_s and exits 0 if the wait
 * ended as want (0, or an errno), else 1. */
static pid_t waiter(uint32_t *f, int op, uint32_t val, uint32_t bitset, double timeout_s, int want)
{
	pid_t c = fork();
	if (c)
		return c;
	struct timespec ts = ts_of(mono() + timeout_s);
	long r = futex(f, (op & FUTEX_PRIVATE_FLAG) | FUTEX_WAIT_BITSET, val, &ts, NULL, bitset);
	_exit((want ? r == -1 && errno == want : r == 0) ? 0 : 1);
}

/* The exit status of child c (-1 unless it exited). */
static int reap(pid_t c)
{
	int st;
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_errors(void)
{
	uint32_t *w = map(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct timespec t50 = { 0, 50000000 }, bad_ns = { 0, 1000000000 }, bad_s = { -1, 0 };
	*w = 1;
	CHECK(futex(w, FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(futex(w, FUTEX_WAIT_PRIVATE, 0, &t50, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(futex(w, FUTEX_WAIT_BITSET, 0, NULL, NULL, 1) == -1 && errno == EAGAIN);
	CHECK(futex(w, FUTEX_WAKE, 1, NULL, NULL, 0) == 0);	/* nobody waits */
	CHECK(futex(w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0) == 0);
	CHECK(futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0x10) == 0);
	/* EINVAL: misaligned words, bitset 0, timespecs out of range, negative counts */
	CHECK(futex((char *)w + 1, FUTEX_WAIT, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex((char *)w + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(w, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(w, FUTEX_WAIT, 1, &bad_ns, NULL, 0) == -1 && errno == EINVAL);
	CHECK(futex(w, FUTEX_WAIT_BITSET, 0, &bad_s, NULL, ANY) == -1 && errno == EINVAL); /* before EAGAIN */
	CHECK(futex2(w, FUTEX_REQUEUE, -1, 1, w + 1, 0) == -1 && errno == EINVAL);
	CHECK(futex2(w, FUTEX_CMP_REQUEUE, 1, -1, w + 1, 1) == -1 && errno == EINVAL);
	CHECK(futex2((char *)w + 1, FUTEX_REQUEUE, 1, 1, w + 1, 0) == -1 && errno == EINVAL);
	CHECK(futex2(w, FUTEX_REQUEUE, 1, 1, (char *)w + 5, 0) == -1 && errno == EINVAL);
	/* ENOSYS: FUTEX_CLOCK_REALTIME off FUTEX_WAIT_BITSET (Linux 5.12 took it back from
	 * FUTEX_WAIT), FUTEX_FD, unknown operations and bits, WAKE_OP's unknown operation */
	CHECK(futex(w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &t50, NULL, 0) == -1 && errno == ENOSYS);
	CHECK(futex(w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0) == -1 && errno == ENOSYS);
	CHECK(futex(w, FUTEX_FD, 0, NULL, NULL, 0) == -1 && errno == ENOSYS);
	CHECK(futex(w, 99, 0, NULL, NULL, 0) == -1 && errno == ENOSYS);
	CHECK(futex(w, FUTEX_WAKE | 0x1000, 1, NULL, NULL, 0) == -1 && errno == ENOSYS);
	CHECK(futex2(w, FUTEX_WAKE_OP, 1, 1, w + 1, 5u << 28) == -1 && errno == ENOSYS);
	/* EFAULT: no memory there, the timeout unreadable (before the value is looked at), a
	 * kernel address; a private wake reads no memory, so NULL is fine there */
	CHECK(futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(NULL, FUTEX_WAKE, 1, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(NULL, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(futex((void *)0xffff800000000000ul, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex((void *)0x7ffffffffffcul, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(w, FUTEX_WAIT, 0, (void *)8, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex2(w, FUTEX_WAKE_OP_PRIVATE, 1, 1, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex2(w, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, w + 1, 0) == -1 && errno == EAGAIN);
	CHECK(futex2(NULL, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, w, 0) == -1 && errno == EFAULT);
	CHECK(futex2(w, FUTEX_REQUEUE, 1, 1, NULL, 0) == -1 && errno == EFAULT); /* shared name */
	uint32_t *ro = map(PROT_READ, MAP_PRIVATE), *none = map(PROT_NONE, MAP_PRIVATE);
	CHECK(futex(ro, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0) == -1 && errno == EAGAIN);
	CHECK(futex(ro, FUTEX_WAIT, 1, NULL, NULL, 0) == -1 && errno == EFAULT); /* read-only anonymous */
	CHECK(futex2(w, FUTEX_WAKE_OP_PRIVATE, 1, 1, ro, 0) == -1 && errno == EFAULT);
	CHECK(futex(none, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 && errno == EFAULT);
	CHECK(futex(none, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(futex(none, FUTEX_WAKE, 1, NULL, NULL, 0) == -1 && errno == EFAULT);
	munmap(ro, PAGE);
	munmap(none, PAGE);
	munmap(w, PAGE);
}

/* One timed wait that must time out: ETIMEDOUT, after at least `at_least` seconds. */
static void timed_out(uint32_t *w, int op, const struct timespec *ts, double at_least, const char *what)
{
	double t0 = mono();
	long r = futex(w, op, 0, ts, NULL, ANY);
	double slept = mono() - t0;
	CHECK(r == -1 && errno == ETIMEDOUT);
	CHECK(slept >= at_least);
	if (slept < at_least)
		printf("futextest: %s slept %.4f s, wanted %.4f\n", what, slept, at_least);
}

static void test_timeouts(void)
{
	uint32_t *w = map(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct timespec rel = { 0, 60000000 }, zero = { 0, 0 };
	timed_out(w, FUTEX_WAIT, &rel, 0.06, "relative");
	timed_out(w, FUTEX_WAIT_PRIVATE, &rel, 0.06, "relative private");
	timed_out(w, FUTEX_WAIT, &zero, 0, "zero");
	double start = mono();
	struct timespec abs_mono = ts_of(start + 0.06);
	timed_out(w, FUTEX_WAIT_BITSET, &abs_mono, 0.059, "absolute monotonic");
	CHECK(mono() >= start + 0.06);
	double rstart = real();
	struct timespec abs_real = ts_of(rstart + 0.06);
	timed_out(w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, &abs_real, 0.059, "absolute realtime");
	CHECK(real() >= rstart + 0.06);
	timed_out(w, FUTEX_WAIT_BITSET, &zero, 0, "absolute in the past");
	timed_out(w, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, &zero, 0, "realtime in the past");
	CHECK(futex(w, FUTEX_WAIT_BITSET, 1, &zero, NULL, ANY) == -1 && errno == EAGAIN); /* value first */
	munmap(w, PAGE);
}

/* Shared anonymous memory across fork: a child's wait meets the parent's wake. */
static void test_shared_wake(void)
{
	uint32_t *f = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	pid_t c = waiter(f, 0, 0, ANY, 20, 0);
	CHECK(wait_queued(f, 1) == 0);
	CHECK(futex(f, FUTEX_WAKE, 1, NULL, NULL, 0) == 1);
	CHECK(reap(c) == 0);
	/* a count of 0 wakes one all the same (Linux) */
	c = waiter(f, 0, 0, ANY, 20, 0);
	CHECK(wait_queued(f, 1) == 0);
	CHECK(futex(f, FUTEX_WAKE, 0, NULL, NULL, 0) == 1);
	CHECK(reap(c) == 0);
	/* bitsets: a wake whose bits miss the waiter's leaves it */
	c = waiter(f, 0, 0, 0x1, 20, 0);
	CHECK(wait_queued(f, 1) == 0);
	CHECK(futex(f, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x2) == 0);
	CHECK(futex(f, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x3) == 1);
	CHECK(reap(c) == 0);
	/* a private wake does not find a shared waiter (different names, as on Linux) */
	c = waiter(f, 0, 0, ANY, 20, 0);
	CHECK(wait_queued(f, 1) == 0);
	CHECK(futex(f, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
	CHECK(futex(f, FUTEX_WAKE, 1, NULL, NULL, 0) == 1);
	CHECK(reap(c) == 0);
	/* a wait whose word changed after it queued still needs a wake; a kill ends it */
	c = waiter(f, 0, 0, ANY, 20, 0);
	CHECK(wait_queued(f, 1) == 0);
	*f = 5;
	CHECK(futex2(f, FUTEX_CMP_REQUEUE, 0, INT_MAX, f, 5) == 1);
	kill(c, SIGKILL);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(futex2(f, FUTEX_CMP_REQUEUE, 0, INT_MAX, f, 5) == 0); /* the killed waiter left */
	munmap(f, PAGE);
}

/* One shared object mapped at two addresses (mremap's duplication, old size 0): a child
 * waiting at one meets the parent's wake at the other. */
static void test_two_addresses(void)
{
	uint32_t *a = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	uint32_t *b = mremap(a, 0, PAGE, MREMAP_MAYMOVE);
	CHECK(b != MAP_FAILED && b != a);
	if (b == MAP_FAILED)
		return;
	a[1] = 7;
	CHECK(b[1] == 7);
	pid_t c = waiter(b + 1, 0, 7, ANY, 20, 0);
	CHECK(wait_queued(a + 1, 1) == 0 && queued(b + 1) == 1);
	CHECK(futex(a + 1, FUTEX_WAKE, 1, NULL, NULL, 0) == 1);
	CHECK(reap(c) == 0);
	munmap(b, PAGE);
	munmap(a, PAGE);
}

/* Another object at the same address is another futex: a child that maps a new shared
 * page where the parent's was does not hear the parent's wakes. */
static void test_object_not_address(void)
{
	uint32_t *f = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	uint32_t *sync = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	pid_t c = fork();
	if (c == 0) {
		void *p = mmap(f, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		__atomic_store_n(sync, 1, __ATOMIC_SEQ_CST);
		struct timespec ts = { 0, 300000000 };
		long r = futex(p, FUTEX_WAIT, 0, &ts, NULL, 0);
		_exit(p == f && r == -1 && errno == ETIMEDOUT ? 0 : 1);
	}
	while (!__atomic_load_n(sync, __ATOMIC_SEQ_CST))
		usleep(1000);
	long woken = 0;
	for (int i = 0; i < 100; i++) {
		woken += futex(f, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		usleep(2000);
	}
	CHECK(woken == 0);
	CHECK(reap(c) == 0);
	munmap(f, PAGE);
	munmap(sync, PAGE);
}

/* FUTEX_PRIVATE_FLAG stays inside the process: after fork, the parent's private wake never
 * reaches the child's private wait, on private or on shared memory. */
static void test_private_stays(void)
{
	for (int shared = 0; shared < 2; shared++) {
		uint32_t *w = map(PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE);
		pid_t c = fork();
		if (c == 0) {
			struct timespec ts = { 0, 300000000 };
			double t0 = mono();
			long r = futex(w, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
			_exit(r == -1 && errno == ETIMEDOUT && mono() - t0 >= 0.3 ? 0 : 1);
		}
		long woken = 0;
		for (int i = 0; i < 100; i++) {
			woken += futex(w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
			woken += futex(w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
			usleep(2000);
		}
		CHECK(woken == 0);
		CHECK(reap(c) == 0);
		munmap(w, PAGE);
	}
}

static void test_requeue(void)
{
	uint32_t *f = map(PROT_READ | PROT_WRITE, MAP_SHARED), *f1 = f, *f2 = f + 1;
	pid_t c[3];
	for (int i = 0; i < 3; i++)
		c[i] = waiter(f1, 0, 0, ANY, 30, 0);
	CHECK(wait_queued(f1, 3) == 0);
	CHECK(futex2(f1, FUTEX_CMP_REQUEUE, 1, 1, f2, 1) == -1 && errno == EAGAIN); /* *f1 is 0 */
	CHECK(queued(f1) == 3);
	CHECK(futex2(f1, FUTEX_CMP_REQUEUE, 1, 1, f2, 0) == 2); /* one woken, one moved */
	CHECK(queued(f1) == 1 && queued(f2) == 1);
	CHECK(futex2(f1, FUTEX_REQUEUE, 0, INT_MAX, f2, 0) == 1); /* none woken, the last moved */
	CHECK(queued(f1) == 0 && queued(f2) == 2);
	CHECK(futex(f1, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 0);
	CHECK(futex(f2, FUTEX_WAKE, INT_MAX, NULL, NULL, 0) == 2); /* woken where they were moved */
	for (int i = 0; i < 3; i++)
		CHECK(reap(c[i]) == 0);
	munmap(f, PAGE);
}

static void test_wake_op(void)
{
	uint32_t *f = map(PROT_READ | PROT_WRITE, MAP_SHARED), *f1 = f, *f2 = f + 1;
	/* the operations, and the comparison of the old value: no waiters, so 0 */
	struct { uint32_t before, op, after; } ops[] = {
		{ 5, OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 5), 7 },
		{ 5, OP(FUTEX_OP_ADD, -3, FUTEX_OP_CMP_EQ, 5), 2 },
		{ 5, OP(FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_EQ, 5), 0x35 },
		{ 0xff, OP(FUTEX_OP_ANDN, 0x0f, FUTEX_OP_CMP_EQ, 5), 0xf0 },
		{ 5, OP(FUTEX_OP_XOR, 6, FUTEX_OP_CMP_EQ, 5), 3 },
		{ 1, OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 5), 0x11 },
		{ 1, OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 33, FUTEX_OP_CMP_EQ, 5), 2 }, /* mod 32 */
	};
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		*f2 = ops[i].before;
		CHECK(futex2(f1, FUTEX_WAKE_OP, 1, 1, f2, ops[i].op) == 0 && *f2 == ops[i].after);
	}
	*f2 = 9; /* an unknown comparison: ENOSYS, after the operation was done */
	CHECK(futex2(f1, FUTEX_WAKE_OP, 1, 1, f2, OP(FUTEX_OP_ADD, 1, 6, 0)) == -1 && errno == ENOSYS && *f2 == 10);
	/* the second wake only when the comparison holds */
	*f2 = 0;
	pid_t a = waiter(f1, 0, 0, ANY, 30, 0), b = waiter(f2, 0, 0, ANY, 30, 0);
	CHECK(wait_queued(f1, 1) == 0 && wait_queued(f2, 1) == 0);
	CHECK(futex2(f1, FUTEX_WAKE_OP, 1, 1, f2, OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0)) == 1 && *f2 == 1);
	CHECK(reap(a) == 0 && queued(f2) == 1);
	CHECK(futex2(f1, FUTEX_WAKE_OP, 1, 1, f2, OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 1)) == 1 && *f2 == 7);
	CHECK(reap(b) == 0);
	munmap(f, PAGE);
}

/* The thread-exit protocol (pthread_join's; Linux's mm_release): a task that exits with a
 * clear_child_tid address while another task shares its address space has 0 written there
 * and one waiter woken; alone in it (a forked child), nothing happens. A vfork child shares
 * its parent's, which cannot wait meanwhile: there only the write shows. */
static void test_clear_child_tid(void)
{
	uint32_t *tid = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	*tid = 1;
	pid_t c = fork();
	if (c == 0) {
		syscall(SYS_set_tid_address, tid);
		_exit(wait_queued(tid, 1) ? 1 : 0); /* exits while the parent waits */
	}
	struct timespec ts = { 0, 300000000 };
	CHECK(futex(tid, FUTEX_WAIT, 1, &ts, NULL, 0) == -1 && errno == ETIMEDOUT && *tid == 1);
	CHECK(reap(c) == 0);
	static volatile uint32_t word = 1;
	pid_t v = vfork();
	if (v == 0) {
		syscall(SYS_set_tid_address, &word);
		_exit(0);
	}
	CHECK(v > 0 && word == 0);
	CHECK(reap(v) == 0);
	munmap(tid, PAGE);
}

#define KSM_PAGES 4
#define KSM_WORD 0x5a5a5a5au

/* A private futex in a page ksmd merges while the child waits on it (repeated 100 ms waits,
 * each ETIMEDOUT with the word reading right), then on the merged page: EAGAIN for another
 * value, ETIMEDOUT for its own, WAKE_OP unmerging it with the right result. */
static void test_ksm(void)
{
	long run = ksm_read("run"), sleep_ms_knob = ksm_read("sleep_millisecs");
	CHECK(run >= 0);
	if (run != 1)
		ksm_write("run", "1");
	ksm_write("sleep_millisecs", "10");
	uint32_t *p = mmap(NULL, KSM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *sync = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	for (size_t i = 0; i < KSM_PAGES * PAGE / 4; i++)
		p[i] = KSM_WORD;
	CHECK(madvise(p, KSM_PAGES * PAGE, MADV_MERGEABLE) == 0);
	pid_t c = fork();
	if (c == 0) {
		for (size_t i = 0; i < KSM_PAGES * PAGE / 4; i++)
			p[i] = KSM_WORD; /* pages of its own, for ksmd to merge */
		int bad = 0, rounds = 0, merged_rounds = 0;
		struct timespec t100 = { 0, 100000000 };
		for (;;) {
			bool merged = __atomic_load_n(sync, __ATOMIC_SEQ_CST);
			double t0 = mono();
			long r = futex(p, FUTEX_WAIT_PRIVATE, KSM_WORD, &t100, NULL, 0);
			bad += !(r == -1 && errno == ETIMEDOUT && mono() - t0 >= 0.1 && *p == KSM_WORD);
			rounds++;
			if (merged && ++merged_rounds == 3)
				break;
			if (rounds > 600)
				_exit(2);
		}
		bad += !(ksm_merging_pages(getpid()) >= KSM_PAGES - 1);
		bad += !(futex(p, FUTEX_WAIT_PRIVATE, 0, &t100, NULL, 0) == -1 && errno == EAGAIN);
		bad += !(futex(p, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
		bad += !(futex(p, FUTEX_WAKE, 1, NULL, NULL, 0) == 0);
		uint32_t *w2 = p + PAGE / 4; /* the second page, merged too: WAKE_OP writes it */
		bad += !(futex2(p, FUTEX_WAKE_OP_PRIVATE, 1, 1, w2, OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)) == 0);
		bad += !(*w2 == KSM_WORD + 1 && p[2 * PAGE / 4] == KSM_WORD && *p == KSM_WORD);
		bad += !(futex(w2, FUTEX_WAIT_PRIVATE, KSM_WORD + 1, &t100, NULL, 0) == -1 && errno == ETIMEDOUT);
		if (bad)
			printf("futextest: ksm child: %d bad of %d rounds (%d merged)\n", bad, rounds, merged_rounds);
		_exit(bad ? 1 : 0);
	}
	/* until ksmd merged the child's pages (while it waits in its rounds) */
	long m = 0;
	for (int i = 0; i < 3000 && (m = ksm_merging_pages(c)) < KSM_PAGES - 1; i++)
		usleep(10000);
	CHECK(m >= KSM_PAGES - 1);
	__atomic_store_n(sync, 1, __ATOMIC_SEQ_CST);
	CHECK(reap(c) == 0);
	munmap(p, KSM_PAGES * PAGE);
	munmap(sync, PAGE);
	ksm_write_long("sleep_millisecs", sleep_ms_knob);
	if (run != 1)
		ksm_write_long("run", run);
}

/* Whether process pid's page at addr is swapped out (/proc/PID/pagemap bit 62). */
static bool swapped_out(pid_t pid, const void *addr)
{
	char path[64];
	uint64_t entry = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	int fd = open(path, O_RDONLY);
	bool ok = fd >= 0 && pread(fd, &entry, 8, (off_t)((uintptr_t)addr / PAGE * 8)) == 8;
	if (fd >= 0)
		close(fd);
	return ok && (entry >> 62 & 1);
}

#define SWAP_WORD 0x600df00du

/* futextest swap MIB: a private futex whose page reclaim swaps out while the child waits on
 * it (the parent writes MIB of memory, more than the machine has, until it is): every wait,
 * before, while and after, ETIMEDOUT with the word reading right; then EAGAIN for another
 * value. */
static void test_swap(long mib)
{
	uint32_t *p = map(PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint32_t *sync = map(PROT_READ | PROT_WRITE, MAP_SHARED);
	pid_t c = fork();
	if (c == 0) {
		*p = SWAP_WORD; /* a page of its own */
		int bad = 0, rounds = 0, after = 0;
		struct timespec t100 = { 0, 100000000 };
		while (after < 3 && rounds++ < 3000) {
			after += __atomic_load_n(sync, __ATOMIC_SEQ_CST) != 0;
			long r = futex(p, FUTEX_WAIT_PRIVATE, SWAP_WORD, &t100, NULL, 0);
			bad += !(r == -1 && errno == ETIMEDOUT && *p == SWAP_WORD);
		}
		bad += after < 3;
		bad += !(futex(p, FUTEX_WAIT_PRIVATE, 0, &t100, NULL, 0) == -1 && errno == EAGAIN);
		if (bad)
			printf("futextest: swap child: %d bad of %d rounds\n", bad, rounds);
		_exit(bad ? 1 : 0);
	}
	size_t size = (size_t)mib << 20;
	char *hog = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hog != MAP_FAILED);
	bool out = false;
	for (int pass = 0; hog != MAP_FAILED && pass < 20 && !out; pass++)
		for (size_t off = 0; off < size && !out; off += PAGE) {
			hog[off] = (char)(pass + 1);
			if (off % (1 << 20) == 0) /* a look every MiB */
				out = swapped_out(c, p);
		}
	CHECK(out);
	__atomic_store_n(sync, 1, __ATOMIC_SEQ_CST);
	CHECK(reap(c) == 0);
	if (hog != MAP_FAILED)
		munmap(hog, size);
	munmap(sync, PAGE);
	munmap(p, PAGE);
}

/* The ping-pong: turn is even when the main thread may go, odd for the other; each side
 * waits for its turn with FUTEX_WAIT (5 s at most) and passes it with FUTEX_WAKE. */
#define PINGPONG_TURNS 2000
static uint32_t turn;
static int pingpong_timeouts;

static bool pin_to(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

static void pingpong_side(uint32_t parity)
{
	struct timespec five = { 5, 0 };
	for (;;) {
		uint32_t t = __atomic_load_n(&turn, __ATOMIC_ACQUIRE);
		if (t >= PINGPONG_TURNS)
			return;
		if (t % 2 != parity) {
			if (futex(&turn, FUTEX_WAIT_PRIVATE, t, &five, NULL, 0) == -1 && errno == ETIMEDOUT)
				__atomic_add_fetch(&pingpong_timeouts, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_store_n(&turn, t + 1, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

static void *pingpong_other(void *arg)
{
	if (!pin_to(1))
		return (void *)1L;
	pingpong_side(1);
	return NULL;
}

static void test_cross_cpu(void)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	cpu_set_t was;
	pthread_t t;
	void *rc = (void *)1L;
	CHECK(sched_getaffinity(0, sizeof(was), &was) == 0 && pin_to(0));
	CHECK(pthread_create(&t, NULL, pingpong_other, NULL) == 0);
	pingpong_side(0);
	CHECK(pthread_join(t, &rc) == 0 && rc == NULL);
	CHECK(turn == PINGPONG_TURNS && pingpong_timeouts == 0); /* no wake-up lost */
	sched_setaffinity(0, sizeof(was), &was);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "swap")) {
		test_swap(atol(argv[2]));
		return checks_report();
	}
	test_errors();
	test_timeouts();
	test_shared_wake();
	test_two_addresses();
	test_object_not_address();
	test_private_stays();
	test_requeue();
	test_wake_op();
	test_clear_child_tid();
	test_cross_cpu();
	test_ksm();
	return checks_report();
}
