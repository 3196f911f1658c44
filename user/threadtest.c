/* threadtest: POSIX threads on clone(CLONE_THREAD): threads share memory, descriptors and
 * signal actions but have their own ids, masks and stacks; counters under a mutex and a
 * condition variable add up; join returns each thread's value; a process-directed signal
 * goes to a thread that does not block it and tgkill to the one named; exit_group and a
 * fatal signal end every thread; a fork from a thread copies only that thread; execve
 * from a thread ends the others; the process's end is reported once, with the right
 * status; a robust lock whose owner died says so to the next locker. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define SELFCHECK_NAME "threadtest"
#include "selfcheck.h"

#define THREADS 8
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn;
static pid_t tids[THREADS];

static pid_t gettid_(void) { return syscall(SYS_gettid); }

/* Each thread adds ROUNDS under the mutex, then takes its turn in order on the condition
 * variable, and returns its index + 100. */
static void *worker(void *arg)
{
	long me = (long)arg;
	tids[me] = gettid_();
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	while (turn != me)
		pthread_cond_wait(&turn_changed, &lock);
	turn++;
	pthread_cond_broadcast(&turn_changed);
	pthread_mutex_unlock(&lock);
	return (void *)(me + 100);
}

static void test_counters_and_join(void)
{
	pthread_t th[THREADS];
	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
	int joined = 0;
	for (long i = 0; i < THREADS; i++) {
		void *ret;
		joined += pthread_join(th[i], &ret) == 0 && ret == (void *)(i + 100);
	}
	CHECK(joined == THREADS && counter == (long)THREADS * ROUNDS && turn == THREADS);
	int distinct = 1;
	for (int i = 0; i < THREADS; i++)
		distinct &= tids[i] > 0 && tids[i] != getpid();
	CHECK(distinct);
}

static volatile pid_t handled_by;
static volatile int handled;

static void on_usr1(int sig)
{
	handled_by = gettid_();
	handled++;
}

static pthread_barrier_t ready;
static volatile int stop;

/* Blocks nothing, waits until told to stop. */
static void *sleeper(void *arg)
{
	tids[0] = gettid_();
	pthread_barrier_wait(&ready);
	while (!stop)
		usleep(1000);
	return NULL;
}

/* Whether file holds line (a whole line). */
static int file_has_line(const char *path, const char *line)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	int found = 0;
	while (f && fgets(buf, sizeof(buf), f))
		found |= !strncmp(buf, line, strlen(line)) && buf[strlen(line)] == '\n';
	if (f)
		fclose(f);
	return found;
}

/* /proc/self/task lists the two threads; each one's status names its tid and the tgid. */
static void check_proc_task(pid_t other)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0, me = 0, it = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		me |= atoi(e->d_name) == getpid();
		it |= atoi(e->d_name) == other;
	}
	if (d)
		closedir(d);
	CHECK(n == 2 && me && it);
	char path[64], line[32];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", other);
	snprintf(line, sizeof(line), "Pid:\t%d", other);
	CHECK(file_has_line(path, line));
	snprintf(line, sizeof(line), "Tgid:\t%d", getpid());
	CHECK(file_has_line(path, line) && file_has_line("/proc/self/status", "Threads:\t2"));
}

static void test_signals_to_threads(void)
{
	signal(SIGUSR1, on_usr1); /* installed here, in force in every thread */
	pthread_barrier_init(&ready, NULL, 2);
	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL);
	pthread_barrier_wait(&ready);
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	handled = 0;
	kill(getpid(), SIGUSR1); /* the main thread blocks it: the other takes it */
	for (int i = 0; i < 2000 && !handled; i++)
		usleep(1000);
	CHECK(handled == 1 && handled_by == tids[0]);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	CHECK(syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1) == 0 && handled == 2 &&
	      handled_by == gettid_());
	CHECK(syscall(SYS_tgkill, getpid() + 100000, tids[0], SIGUSR1) == -1 && errno == ESRCH);
	check_proc_task(tids[0]);
	stop = 1;
	pthread_join(th, NULL);
	signal(SIGUSR1, SIG_DFL);
}

static void *spin_forever(void *arg)
{
	for (;;)
		usleep(1000);
	return NULL;
}

static void *exit_group_now(void *arg)
{
	usleep(20000);
	exit(7); /* exit_group: the main thread, blocked in join, ends too */
}

static void *crash_now(void *arg)
{
	usleep(20000);
	volatile int *volatile bad = (int *)16;
	*bad = 1;
	return NULL;
}

static void *change_dir(void *arg)
{
	return (void *)(long)chdir("/proc");
}

/* The working directory is the process's: a thread's chdir moves the main thread too. */
static void test_shared_cwd(void)
{
	pthread_t t;
	void *rc;
	char cwd[64] = "";
	pthread_create(&t, NULL, change_dir, NULL);
	pthread_join(t, &rc);
	CHECK(rc == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/proc"));
	chdir("/");
}

static void *fork_from_thread(void *arg)
{
	pid_t c = fork();
	if (c == 0) /* only this thread was copied: no other runs here */
		_exit(getpid() == gettid_() ? 5 : 1);
	int st;
	waitpid(c, &st, 0);
	return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* The new program runs as the process (the pid its parent knows) and tells its pid in
 * its exit status. */
static void *exec_from_thread(void *arg)
{
	usleep(20000);
	char *argv[] = { "sh", "-c", "exit $(($$ % 200))", NULL };
	execv("/bin/sh", argv);
	return NULL;
}

/* Run body in a child process with spinning threads around; its wait status (and pid). */
static int in_child(void *(*body)(void *), pid_t *pid)
{
	pid_t c = fork();
	if (c == 0) {
		pthread_t spinner, t;
		pthread_create(&spinner, NULL, spin_forever, NULL);
		pthread_create(&t, NULL, body, NULL);
		pthread_join(t, NULL);
		pthread_join(spinner, NULL);
		_exit(99);
	}
	int st;
	waitpid(c, &st, 0);
	if (pid)
		*pid = c;
	return st;
}

static void test_process_ends(void)
{
	pid_t c;
	int st = in_child(exit_group_now, NULL);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	st = in_child(crash_now, NULL);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = in_child(exec_from_thread, &c); /* the other threads ended; the pid stayed */
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == c % 200);
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, fork_from_thread, NULL);
	pthread_join(t, &ret);
	CHECK(ret == (void *)5L);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD); /* each end reported once */
}

/* The main thread leaves with pthread_exit; the process lives on in the other thread,
 * whose exit(3) ends it with status 3. */
static void *outlive_main(void *arg)
{
	usleep(30000);
	exit(3);
}

static void test_main_thread_exits_first(void)
{
	pid_t c = fork();
	if (c == 0) {
		pthread_t t;
		pthread_create(&t, NULL, outlive_main, NULL);
		pthread_exit(NULL);
	}
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 3);
}

static volatile int alarms;

static void on_alarm(int sig) { alarms++; }

static void *arm_then_exit(void *arg)
{
	struct itimerval in50ms = { .it_value = { 0, 50000 } };
	setitimer(ITIMER_REAL, &in50ms, NULL);
	return NULL;
}

static void *wait_for_alarm(void *arg)
{
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	int sig = 0;
	sigwait(&alrm, &sig);
	return (void *)(long)sig;
}

/* Timers are the process's: one a thread set fires after the thread is gone; and with
 * SIGALRM blocked everywhere, the thread in sigwait takes it. */
static void test_process_timers(void)
{
	signal(SIGALRM, on_alarm);
	pthread_t t;
	pthread_create(&t, NULL, arm_then_exit, NULL);
	pthread_join(t, NULL);
	for (int i = 0; i < 2000 && !alarms; i++)
		usleep(1000);
	CHECK(alarms == 1);
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	void *got;
	pthread_create(&t, NULL, wait_for_alarm, NULL);
	arm_then_exit(NULL);
	pthread_join(t, &got);
	CHECK(got == (void *)(long)SIGALRM && alarms == 1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGALRM, SIG_DFL);
}

static volatile long *ticks;

static void *tick(void *arg)
{
	for (;;)
		(*ticks)++;
	return NULL;
}

/* SIGSTOP stops every thread of a process (a spinning one too) until SIGCONT. */
static void test_group_stop(void)
{
	ticks = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t c = fork();
	if (c == 0) {
		pthread_t t;
		pthread_create(&t, NULL, tick, NULL);
		for (;;)
			pause();
	}
	for (int i = 0; i < 5000 && !*ticks; i++) /* until the spinning thread runs */
		usleep(1000);
	int st;
	CHECK(kill(c, SIGSTOP) == 0 && waitpid(c, &st, WUNTRACED) == c && WIFSTOPPED(st));
	long before = *ticks;
	usleep(30000);
	CHECK(*ticks == before && before > 0); /* no thread runs */
	kill(c, SIGCONT);
	for (int i = 0; i < 5000 && *ticks == before; i++) /* until it runs again */
		usleep(1000);
	CHECK(*ticks > before);
	kill(c, SIGKILL);
	CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	munmap((void *)ticks, 4096);
}

static pthread_mutex_t *robust;

static void *die_holding(void *arg)
{
	pthread_mutex_lock(robust);
	usleep(30000); /* the main thread waits on the lock meanwhile */
	return NULL;   /* and exits holding it */
}

/* A robust lock whose owner dies: the next locker gets EOWNERDEAD, from a thread that
 * exited (the waiter was asleep on it) and from a process that exited (shared memory). */
static void test_robust_locks(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	robust = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutex_init(robust, &attr);
	pthread_t t;
	pthread_create(&t, NULL, die_holding, NULL);
	usleep(5000);
	CHECK(pthread_mutex_lock(robust) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(robust) == 0 && pthread_mutex_unlock(robust) == 0);
	pthread_join(t, NULL);
	pid_t c = fork();
	if (c == 0) {
		pthread_mutex_lock(robust);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	CHECK(pthread_mutex_lock(robust) == EOWNERDEAD);
	CHECK(pthread_mutex_consistent(robust) == 0 && pthread_mutex_unlock(robust) == 0);
	munmap(robust, 4096);
}

int main(void)
{
	test_counters_and_join();
	test_signals_to_threads();
	test_process_ends();
	test_main_thread_exits_first();
	test_robust_locks();
	test_group_stop();
	test_process_timers();
	test_shared_cwd();
	return checks_report();
}
