/* tlbtest MODE [ROUNDS]: a thread on CPU 1 keeps incrementing counters in a page while
 * the main thread on CPU 0 takes write access to the page away; every increment must land
 * where the page is, and none may land after the change.
 *
 * A CPU caches translations in its TLB. When the kernel removes or downgrades a PTE of an
 * address space another CPU runs, that CPU keeps writing through its stale entry until it
 * is flushed: the kernel must shoot the entry down (an IPI) before it relies on the change.
 * Each mode makes one such change while the writer holds a hot, writable entry:
 *
 *   fork      the main thread forks while the writer writes: fork write-protects the
 *             page for copy-on-write, so the writer's next write must copy it; the child,
 *             which no thread writes, must see its snapshot stand still;
 *   mprotect  PROT_READ on the page the writer is writing: its very next write must fault
 *             (a late one would land after mprotect returned);
 *   munmap    the page, a MAP_SHARED one seen through a second mapping (an mremap alias):
 *             the writer must fault, and the alias must show no write after munmap;
 *   merge     between two rounds of writes the page equals a twin page and ksmd (bound to
 *             CPU 0) merges them: the writer's next round must break COW, not write into
 *             the frame KSM freed (lost increments) or into the KSM page (the twin
 *             changes);
 *   swap      between two rounds the page is paged out (MADV_PAGEOUT): the next round must
 *             fault it back in, not write into the freed frame.
 *
 * Afterwards every counter must equal the increments the writer made. A kernel built to
 * skip the shootdown (make TLB_SKIP_SHOOTDOWN=1) fails every mode. Prints one line of
 * figures and the selfcheck summary; exit status 0 when all checks pass, 2 with one CPU. */
#define _GNU_SOURCE
#define SELFCHECK_NAME "tlbtest"
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ksm_util.h"
#include "selfcheck.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define COUNTERS 512		/* one page of 64-bit counters */
#define LATE_PROOF 1000		/* increments completed after the change: the writer writes
				 * through a stale TLB entry (1 may have been in flight) */
#define FAULT_WAIT_S 60.0	/* a writer that neither faults nor writes for this long:
				 * not scheduled at all (the test fails) */

enum mode { FORK, MPROTECT, MUNMAP, MERGE, SWAP };
static const char *const mode_names[] = { "fork", "mprotect", "munmap", "merge", "swap" };
static enum mode mode;

/* Shared by the two threads (private memory, never the page under test). */
static volatile uint64_t *volatile page;	/* where the writer writes */
static volatile long go;			/* the round the writer may run */
static volatile long round_done;		/* the last round it finished */
static volatile long faulted_round;		/* the last round it faulted in */
static volatile uint64_t increments;		/* increments that completed */
static volatile int stop;			/* main gave up on a writer that did not fault */
static sigjmp_buf writer_env;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("tlbtest: sched_setaffinity");
		exit(1);
	}
}

static void on_fault(int sig)
{
	siglongjmp(writer_env, 1);
}

/* fork, mprotect and munmap: write until the page goes (or main stops us). */
static void write_until_fault(long r)
{
	if (sigsetjmp(writer_env, 1) == 0)
		for (unsigned i = 0; !stop; i++) {
			page[i % COUNTERS]++;
			increments++;
		}
	faulted_round = r;
}

/* The round modes: one increment of every counter. */
static void write_round(long r)
{
	for (unsigned i = 0; i < COUNTERS; i++) {
		page[i]++;
		increments++;
	}
	round_done = r;
}

static void *writer(void *arg)
{
	pin(1);
	for (long r = 0;;) {
		while (go == r)
			;
		r = go;
		if (r < 0)
			return NULL;
		if (mode == FORK || mode == MPROTECT || mode == MUNMAP)
			write_until_fault(r);
		else
			write_round(r);
	}
}

static uint64_t sum(volatile uint64_t *p)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < COUNTERS; i++)
		s += p[i];
	return s;
}

static void *map_page(int flags)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("tlbtest: mmap");
		exit(1);
	}
	return p;
}

/* Let the writer run round r until it has made `at_least` more increments. */
static void run_writer(long r, uint64_t at_least)
{
	uint64_t from = increments;
	go = r;
	while (increments - from < at_least && faulted_round != r)
		;
}

/* Stop the writer's round r (write_until_fault ends it as a fault would). */
static void stop_writer(long r)
{
	stop = 1;
	while (faulted_round != r)
		;
	stop = 0;
}

/* Wait for the writer to fault in round r: false (and it is stopped) once it has made
 * LATE_PROOF more increments instead, or after FAULT_WAIT_S. An event either way, not a
 * timeout: a writer on a busy host's vCPU may take its time to reach its next write. */
static bool wait_fault(long r)
{
	uint64_t from = increments;
	double end = now_s() + FAULT_WAIT_S;
	while (faulted_round != r)
		if (increments - from >= LATE_PROOF || now_s() > end) {
			stop_writer(r);
			return false;
		}
	return true;
}

static uint64_t late_writes, lost, unfaulted, changed_elsewhere, rounds_changed;

/* mprotect and munmap: take the page away while the writer writes; it must fault at its
 * next write, every increment made before must be there, and none after. */
static void fault_round(long r)
{
	volatile uint64_t *p, *alias = NULL;
	if (mode == MUNMAP) {
		p = map_page(MAP_SHARED);
		alias = mremap((void *)p, 0, 4096, MREMAP_MAYMOVE);
		if (alias == MAP_FAILED) {
			perror("tlbtest: mremap alias");
			exit(1);
		}
	} else {
		p = map_page(MAP_PRIVATE);
	}
	page = p;
	uint64_t base = increments;
	run_writer(r, 2000);
	int rc = mode == MUNMAP ? munmap((void *)p, 4096) : mprotect((void *)p, 4096, PROT_READ);
	CHECK(rc == 0);
	volatile uint64_t *view = mode == MUNMAP ? alias : p;
	uint64_t at_change = sum(view);
	if (!wait_fault(r))
		unfaulted++;
	uint64_t after = sum(view);
	late_writes += after - at_change;
	uint64_t made = increments - base;
	if (after != made)
		lost += made > after ? made - after : 0;
	rounds_changed++;
	munmap((void *)view, 4096);
}

/* Whether a and b are mapped to one frame (the PFNs of /proc/self/pagemap). */
static bool same_frame(volatile void *a, volatile void *b)
{
	uint64_t pa = pagemap_entry((void *)a), pb = pagemap_entry((void *)b);
	return (pa >> 63) && (pa & ((1ULL << 55) - 1)) == (pb & ((1ULL << 55) - 1));
}

/* fork: the child's copy of the page must not change after fork returned (no thread
 * runs in the child); the parent's keeps every increment. */
static void fork_round(long r)
{
	volatile uint64_t *p = map_page(MAP_PRIVATE);
	page = p;
	uint64_t base = increments;
	run_writer(r, 2000);
	pid_t child = fork();
	if (child == 0) {
		uint64_t before = sum(p);
		sleep_ms(20);
		_exit(sum(p) == before ? 0 : 1);
	}
	int st = 0;
	CHECK(child > 0 && waitpid(child, &st, 0) == child && WIFEXITED(st));
	changed_elsewhere += WEXITSTATUS(st) != 0;
	rounds_changed++;
	stop_writer(r);
	uint64_t made = increments - base, after = sum(p);
	lost += made > after ? made - after : 0;
	munmap((void *)p, 4096);
}

/* merge and swap: between two rounds the page is merged with its twin or paged out; the
 * next round must find it through a fault. */
static void change_rounds(int rounds)
{
	volatile uint64_t *p = map_page(MAP_PRIVATE), *twin = map_page(MAP_PRIVATE);
	if (mode == MERGE && (madvise((void *)p, 4096, MADV_MERGEABLE) ||
			      madvise((void *)twin, 4096, MADV_MERGEABLE))) {
		perror("tlbtest: MADV_MERGEABLE");
		exit(1);
	}
	page = p;
	for (long r = 1; r <= rounds; r++) {
		go = r;
		while (round_done != r)
			;
		/* Every counter is r now; were an earlier round's increments lost, less. */
		for (unsigned i = 0; i < COUNTERS; i++) {
			lost += p[i] < (uint64_t)r ? r - p[i] : 0;
			p[i] = r; /* (main's own write: the next round starts from r again) */
		}
		for (unsigned i = 0; i < COUNTERS; i++) /* main's alone, r - 1 since last round */
			changed_elsewhere += twin[i] != (mode == MERGE ? (uint64_t)r - 1 : 0);
		if (r == rounds)
			break;
		if (mode == MERGE) {
			for (unsigned i = 0; i < COUNTERS; i++)
				twin[i] = r;
			/* Merged within a few scans (the checksum must hold still for one first):
			 * then both map one frame. */
			for (int scans = 0; scans < 10 && !same_frame(p, twin); scans++)
				CHECK(ksm_wait_scans(1, 20) == 0);
			rounds_changed += same_frame(p, twin);
		} else {
			CHECK(madvise((void *)p, 4096, MADV_PAGEOUT) == 0);
			rounds_changed += (pagemap_entry((void *)p) >> 62 & 1) != 0; /* swapped */
		}
	}
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 20;
	for (mode = 0; argc > 1 && mode <= SWAP && strcmp(argv[1], mode_names[mode]); mode++)
		;
	if (argc < 2 || mode > SWAP || rounds < 2) {
		fprintf(stderr, "usage: tlbtest fork|mprotect|munmap|merge|swap [ROUNDS >= 2]\n");
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("tlbtest: needs 2 CPUs\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	pin(0);
	struct sigaction sa = { .sa_handler = on_fault };
	sigaction(SIGSEGV, &sa, NULL);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, writer, NULL) == 0);

	int ksmd = -1;
	long saved_sleep = 0, saved_run = 0, saved_smart = 0;
	cpu_set_t ksmd_was, cpu0;
	if (mode == MERGE) { /* ksmd on CPU 0, flat out, so that the writer keeps CPU 1 */
		ksmd = ksmd_pid();
		CHECK(ksmd > 0 && sched_getaffinity(ksmd, sizeof(ksmd_was), &ksmd_was) == 0);
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		CHECK(sched_setaffinity(ksmd, sizeof(cpu0), &cpu0) == 0);
		saved_sleep = ksm_read("sleep_millisecs");
		saved_run = ksm_read("run");
		saved_smart = ksm_read("smart_scan");
		/* smart_scan would skip the page for up to 8 scans once a few rounds saw it
		 * private again: the merge is what is tested here, not its pacing */
		ksm_write("smart_scan", "0");
		ksm_write("sleep_millisecs", "0");
		ksm_write("run", "1");
	}
	if (mode == FORK || mode == MPROTECT || mode == MUNMAP)
		for (long r = 1; r <= rounds; r++)
			(mode == FORK ? fork_round : fault_round)(r);
	else
		change_rounds(rounds);
	go = -1;
	pthread_join(th, NULL);
	if (mode == MERGE) {
		ksm_write_long("run", saved_run);
		ksm_write_long("sleep_millisecs", saved_sleep);
		ksm_write_long("smart_scan", saved_smart);
		sched_setaffinity(ksmd, sizeof(ksmd_was), &ksmd_was);
	}

	printf("tlbtest %s: %d rounds, %lu changed, %lu increments, %lu lost, %lu late, "
	       "%lu unfaulted, %lu changed elsewhere\n", mode_names[mode], rounds, rounds_changed,
	       (unsigned long)increments, lost, late_writes, unfaulted, changed_elsewhere);
	CHECK(lost == 0);
	CHECK(late_writes == 0 && unfaulted == 0);
	CHECK(changed_elsewhere == 0);
	/* The test means something only if the changes happened. */
	CHECK(rounds_changed >= (uint64_t)rounds / 2);
	return checks_report();
}
