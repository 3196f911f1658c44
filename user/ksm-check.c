/* ksm-check: KSM correctness under stress. Several tasks keep writing known patterns into
 * mergeable pages, with many duplicates within and across tasks, while ksmd runs flat out
 * (pages_to_scan 10000, sleep_millisecs 0): pages merge, writes break them apart again.
 * Every page is checked after every change and at the end of every round against what
 * the task wrote; any difference is printed. The knobs are restored at the end.
 *
 * With --threads the tasks are threads of one process, thread t pinned to CPU t modulo the
 * CPUs online: writers on every CPU at once while ksmd write-protects, compares and
 * replaces their pages, which only a TLB shootdown keeps exact.
 *
 * usage: ksm-check [--threads] [TASKS [PAGES [ROUNDS]]]   (default 4 256 20) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "ksm_util.h"

#define PAGE 4096
#define WORDS (PAGE / 8)

static uint64_t word_of(uint64_t pattern, int w) { return pattern * 0x9e3779b97f4a7c15ull + w; }

struct result {
	long verified, corrupted;
};

/* Check page i against pattern (and the one word a later change may have set). */
static int check_page(const uint64_t *pg, uint64_t pattern, int changed_word, uint64_t changed,
		      int task, size_t i, long *printed)
{
	int bad = 0;
	for (int w = 0; w < WORDS; w++) {
		uint64_t want = w == changed_word ? changed : word_of(pattern, w);
		if (pg[w] != want) {
			if ((*printed)++ < 10)
				printf("ksm-check: task %d page %zu word %d: expected %#llx, read %#llx\n",
				       task, i, w, (unsigned long long)want, (unsigned long long)pg[w]);
			bad = 1;
		}
	}
	return bad;
}

static struct result run_task(int task, size_t pages, int rounds)
{
	struct result r = { 0, 0 };
	long printed = 0;
	uint64_t *pattern = calloc(pages, sizeof(uint64_t));
	int *changed_word = calloc(pages, sizeof(int));
	uint64_t *changed = calloc(pages, sizeof(uint64_t));
	uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pattern || !changed_word || !changed || mem == MAP_FAILED ||
	    madvise(mem, pages * PAGE, MADV_MERGEABLE)) {
		perror("ksm-check: setup");
		r.corrupted = 1;
		return r;
	}
	for (int round = 0; round < rounds; round++) {
		for (size_t i = 0; i < pages; i++) { /* 8 distinct contents per round, shared by all */
			uint64_t *pg = mem + i * WORDS;
			pattern[i] = (uint64_t)round * 8 + i % 8 + 1;
			changed_word[i] = -1;
			for (int w = 0; w < WORDS; w++)
				pg[w] = word_of(pattern[i], w);
			r.corrupted += check_page(pg, pattern[i], -1, 0, task, i, &printed);
			r.verified++;
		}
		sleep_ms(20); /* let ksmd merge them */
		for (size_t i = 0; i < pages; i++) {
			r.corrupted += check_page(mem + i * WORDS, pattern[i], -1, 0, task, i, &printed);
			r.verified++;
		}
		for (size_t i = task % 3; i < pages; i += 3) { /* a write into merged pages */
			uint64_t *pg = mem + i * WORDS;
			changed_word[i] = (int)((i + round) % WORDS);
			changed[i] = ~(uint64_t)i ^ round;
			pg[changed_word[i]] = changed[i];
			r.corrupted += check_page(pg, pattern[i], changed_word[i], changed[i], task, i, &printed);
			r.verified++;
		}
		sleep_ms(10);
		for (size_t i = 0; i < pages; i++) {
			r.corrupted += check_page(mem + i * WORDS, pattern[i], changed_word[i], changed[i],
						  task, i, &printed);
			r.verified++;
		}
	}
	return r;
}

static int threads_done;

/* A thread of --threads: one task's work on its CPU. */
struct thread_task {
	pthread_t id;
	int task;
	size_t pages;
	int rounds;
	struct result r;
};

static void *thread_main(void *arg)
{
	struct thread_task *tt = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(tt->task % sysconf(_SC_NPROCESSORS_ONLN), &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("ksm-check: sched_setaffinity");
		tt->r.corrupted = 1;
		return NULL;
	}
	tt->r = run_task(tt->task, tt->pages, tt->rounds);
	__atomic_add_fetch(&threads_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* --threads: the tasks as threads; their results summed into *total, the most
 * pages_sharing seen meanwhile in *max_sharing. 0, or -1 if one could not start. */
static int run_threads(int tasks, size_t pages, int rounds, struct result *total, long *max_sharing)
{
	struct thread_task *tt = calloc(tasks, sizeof(*tt));
	int started = 0;
	for (; tt && started < tasks; started++) {
		tt[started] = (struct thread_task){ .task = started, .pages = pages, .rounds = rounds };
		if (pthread_create(&tt[started].id, NULL, thread_main, &tt[started]))
			break;
	}
	while (__atomic_load_n(&threads_done, __ATOMIC_ACQUIRE) < started) {
		long s = ksm_read("pages_sharing");
		*max_sharing = s > *max_sharing ? s : *max_sharing;
		sleep_ms(5);
	}
	for (int t = 0; t < started; t++) {
		pthread_join(tt[t].id, NULL);
		total->verified += tt[t].r.verified;
		total->corrupted += tt[t].r.corrupted;
	}
	free(tt);
	return started == tasks ? 0 : -1;
}

int main(int argc, char **argv)
{
	bool threads = argc > 1 && !strcmp(argv[1], "--threads");
	if (threads) {
		argv++;
		argc--;
	}
	int tasks = argc > 1 ? atoi(argv[1]) : 4;
	size_t pages = argc > 2 ? (size_t)atol(argv[2]) : 256;
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	if (tasks < 1 || pages < 1 || rounds < 1) {
		fprintf(stderr, "usage: ksm-check [--threads] [TASKS [PAGES [ROUNDS]]]\n");
		return 2;
	}
	long old_run = ksm_read("run"), old_pages = ksm_read("pages_to_scan"), old_sleep = ksm_read("sleep_millisecs");
	if (old_run < 0 || ksm_write("pages_to_scan", "10000") || ksm_write("sleep_millisecs", "0") ||
	    ksm_write("run", "1")) {
		printf("ksm-check: cannot set the KSM knobs\n");
		return 1;
	}
	long max_sharing = 0, verified = 0, corrupted = 0;
	int failed = 0;
	if (threads) {
		struct result total = { 0, 0 };
		failed = run_threads(tasks, pages, rounds, &total, &max_sharing) != 0;
		verified = total.verified;
		corrupted = total.corrupted;
		goto report;
	}
	int fds[2];
	if (pipe(fds)) {
		perror("ksm-check: pipe");
		return 1;
	}
	for (int t = 0; t < tasks; t++) {
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			struct result r = run_task(t, pages, rounds);
			fflush(stdout);
			_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
		}
		if (pid < 0) {
			perror("ksm-check: fork");
			return 1;
		}
	}
	close(fds[1]);
	struct result r;
	int got = 0;
	for (;;) { /* watch the merging while the tasks run; their results end it */
		long s = ksm_read("pages_sharing");
		if (s > max_sharing)
			max_sharing = s;
		ssize_t n = read(fds[0], &r, sizeof(r));
		if (n <= 0)
			break;
		if (n == sizeof(r)) {
			verified += r.verified;
			corrupted += r.corrupted;
			got++;
		}
	}
	int status;
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	failed |= got != tasks;
report:
	ksm_write_long("pages_to_scan", old_pages);
	ksm_write_long("sleep_millisecs", old_sleep);
	ksm_write_long("run", old_run);
	printf("ksm-check: %d %s x %zu pages x %d rounds on %ld CPUs, pages_sharing seen up to %ld\n",
	       tasks, threads ? "threads" : "tasks", pages, rounds, sysconf(_SC_NPROCESSORS_ONLN),
	       max_sharing);
	printf("ksm-check: %ld pages verified, %ld corrupted\n", verified, corrupted);
	return corrupted || failed;
}
