/* mmthreads: threads of one process together with the memory manager, one mode a run:
 *   ksm [THREADS [PAGES [ROUNDS]]]  THREADS threads each own PAGES pages of one
 *            MADV_MERGEABLE region whose contents repeat (8 of them); each keeps rewriting
 *            half of its pages (copy-on-write breaks of KSM pages) and checking all of them
 *            and its neighbour's other half, while ksmd (the caller set it running flat
 *            out) merges. Then, with every thread still alive, the process is counted
 *            once: ksm_stat, ksm_merging_pages of each thread, smaps_rollup's KSM line,
 *            pagemap and kpageflags, the system's counters and VmRSS all agree with the
 *            region's pages, not THREADS times them.
 *   swap MIB  threads write MIB (more than the machine has) and read it back; meanwhile
 *            one thread waits in FUTEX_WAIT on a word whose page is swapped out, and is
 *            woken by another thread's FUTEX_WAKE once the page is out (no lost wake-up,
 *            the page's data intact).
 *   uffd     a userfaultfd handler thread serves the missing-page faults (UFFDIO_COPY) of
 *            the other threads (user accesses and a read() into the region), messages
 *            naming the faulting thread; a process whose thread waits on a fault nobody
 *            serves ends at exit_group.
 *   oom MIB  a child process whose threads together touch MIB (more than the machine has,
 *            no swap): the OOM killer ends the whole process once; the parent sees one
 *            SIGKILL end and nothing else.
 *   hold MIB  threads touch MIB together, then sleep until a signal ends the process (the
 *            OOM killer's victim when another task runs out of memory).
 * Prints "mmthreads: N checks, F failed" (selfcheck.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ksm_util.h"
#include "uffd_abi.h"
#define SELFCHECK_NAME "mmthreads"
#include "selfcheck.h"

#define PAGE 4096
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define WORDS (PAGE / 8)
#define MAX_THREADS 16

static pid_t gettid_(void) { return syscall(SYS_gettid); }

static uint64_t word_of(uint64_t pattern, int w) { return pattern * 0x9e3779b97f4a7c15ull + w; }

static void fill_page(uint64_t *pg, uint64_t pattern)
{
	for (int w = 0; w < WORDS; w++)
		pg[w] = word_of(pattern, w);
}

/* Whether pg holds pattern, except word `changed_word` (-1: none) holding `changed`. */
static int page_ok(const uint64_t *pg, uint64_t pattern, int changed_word, uint64_t changed)
{
	for (int w = 0; w < WORDS; w++)
		if (pg[w] != (w == changed_word ? changed : word_of(pattern, w)))
			return 0;
	return 1;
}

/* The number after "key" (a line "key N" or "key: N kB") in a /proc file, or -1. */
static long proc_value(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == ':' || line[n] == '\t'))
			v = strtol(line + n + 1 + strspn(line + n + 1, " :\t"), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))
#define KPF_KSM 21

/* The state letter of thread tid ("S" sleeping), from /proc/self/task/TID/stat. */
static char thread_state(pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* ---- ksm ---- */

static int nthreads, npages, nrounds;
static uint64_t *region;
static pthread_barrier_t ksm_filled;	/* every slice written once */
static pthread_barrier_t ksm_done;	/* the workers are done; the main thread counts */
static pthread_barrier_t ksm_checked;	/* counted: the workers may leave */
static volatile int workers_running;
static long ksm_verified, ksm_corrupted;
static pthread_mutex_t ksm_sum = PTHREAD_MUTEX_INITIALIZER;
static pid_t worker_tid[MAX_THREADS];

/* The content of thread t's page i in round r: the first half of each slice ("steady")
 * holds one of 8 contents for good, the same in every slice; the second half ("hot") holds
 * those same contents in even rounds (so they merge with other threads' steady pages, and
 * writing them breaks a KSM page those threads are reading) and a round's own in odd. */
static uint64_t pattern_of(int i, int r)
{
	if (i < npages / 2 || r % 2 == 0)
		return i % 8 + 1;
	return 1000 + r * 8 + i % 8;
}

static void *ksm_worker(void *arg)
{
	int t = (int)(long)arg, next = (t + 1) % nthreads;
	uint64_t *mine = region + (size_t)t * npages * WORDS;
	uint64_t *theirs = region + (size_t)next * npages * WORDS;
	int *cw = calloc(npages, sizeof(int));
	uint64_t *cv = calloc(npages, sizeof(uint64_t));
	long verified = 0, corrupted = 0;
	worker_tid[t] = gettid_();
	for (int i = 0; i < npages; i++) {
		fill_page(mine + i * WORDS, pattern_of(i, 0));
		cw[i] = -1;
	}
	pthread_barrier_wait(&ksm_filled); /* the neighbour's pages are there to read */
#define VERIFY(pg, pat, w, v) do { verified++; if (!page_ok(pg, pat, w, v)) { \
		if (corrupted++ < 5) printf("mmthreads: thread %d page %ld corrupted\n", t, \
					      (long)(((pg) - region) / WORDS)); } } while (0)
	for (int r = 0; r < nrounds; r++) {
		for (int i = npages / 2; i < npages; i++) {
			fill_page(mine + i * WORDS, pattern_of(i, r));
			cw[i] = -1;
			VERIFY(mine + i * WORDS, pattern_of(i, r), -1, 0);
		}
		sleep_ms(15); /* let ksmd merge them */
		for (int i = 0; i < npages; i++) {
			VERIFY(mine + i * WORDS, pattern_of(i, r), cw[i], cv[i]);
			if (i < npages / 2) /* the neighbour's steady pages: only read, by anyone */
				VERIFY(theirs + i * WORDS, pattern_of(i, r), -1, 0);
		}
		for (int i = npages / 2 + (t + r) % 3; i < npages; i += 3) { /* COW breaks */
			cw[i] = (i * 7 + r) % WORDS;
			cv[i] = ~(uint64_t)i ^ ((uint64_t)t << 32) ^ r;
			mine[i * WORDS + cw[i]] = cv[i];
			VERIFY(mine + i * WORDS, pattern_of(i, r), cw[i], cv[i]);
			VERIFY(theirs + (i - npages / 2) * WORDS, pattern_of(i - npages / 2, r), -1, 0);
		}
		sleep_ms(5);
		for (int i = 0; i < npages; i++)
			VERIFY(mine + i * WORDS, pattern_of(i, r), cw[i], cv[i]);
	}
	/* The end state: every page one of the 8 contents, for the counting. */
	for (int i = npages / 2; i < npages; i++) {
		fill_page(mine + i * WORDS, i % 8 + 1);
		VERIFY(mine + i * WORDS, i % 8 + 1, -1, 0);
	}
	pthread_mutex_lock(&ksm_sum);
	ksm_verified += verified;
	ksm_corrupted += corrupted;
	pthread_mutex_unlock(&ksm_sum);
	__atomic_sub_fetch(&workers_running, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&ksm_done);
	pthread_barrier_wait(&ksm_checked); /* alive while the main thread counts */
	for (int i = 0; i < npages; i++) /* and again once counted: nothing moved */
		VERIFY(mine + i * WORDS, i % 8 + 1, -1, 0);
	free(cw);
	free(cv);
	return (void *)corrupted;
}

/* Pages of [p, p + n pages) on a KSM frame, by pagemap and kpageflags. */
static long ksm_frames_mapped(const void *p, long n)
{
	int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	long count = 0;
	for (long i = 0; pm >= 0 && kf >= 0 && i < n; i++) {
		uint64_t e = 0, flags = 0;
		if (pread(pm, &e, 8, ((uintptr_t)p / PAGE + i) * 8) != 8 || !(e & PM_PRESENT))
			continue;
		if (pread(kf, &flags, 8, PM_PFN(e) * 8) == 8 && (flags >> KPF_KSM & 1))
			count++;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return count;
}

static void test_ksm(int threads, int pages, int rounds)
{
	nthreads = threads, npages = pages, nrounds = rounds;
	long total = (long)threads * pages;
	CHECK(ksm_read("run") == 1); /* the caller started ksmd */
	region = mmap(NULL, total * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(region != MAP_FAILED && madvise(region, total * PAGE, MADV_MERGEABLE) == 0);
	pthread_barrier_init(&ksm_filled, NULL, threads);
	pthread_barrier_init(&ksm_done, NULL, threads + 1);
	pthread_barrier_init(&ksm_checked, NULL, threads + 1);
	workers_running = threads;
	pthread_t th[MAX_THREADS];
	for (long t = 0; t < threads; t++)
		CHECK(pthread_create(&th[t], NULL, ksm_worker, (void *)t) == 0);
	long max_sharing = 0;
	while (__atomic_load_n(&workers_running, __ATOMIC_ACQUIRE)) {
		long s = ksm_read("pages_sharing");
		if (s > max_sharing)
			max_sharing = s;
		sleep_ms(5);
	}
	pthread_barrier_wait(&ksm_done);
	printf("mmthreads: ksm: %d threads x %d pages x %d rounds, %ld pages verified, %ld corrupted, "
	       "pages_sharing seen up to %ld\n", threads, pages, rounds, ksm_verified, ksm_corrupted,
	       max_sharing);
	CHECK(ksm_corrupted == 0 && ksm_verified > 0);
	CHECK(max_sharing > 0);

	/* Every page of the region holds one of 8 contents now: wait until all are merged. */
	long merging = -1;
	for (int tries = 0; tries < 200; tries++) {
		merging = proc_value("/proc/self/ksm_stat", "ksm_merging_pages");
		if (merging == total)
			break;
		ksm_wait_scans(1, 5);
	}
	/* ksmd stopped (no unmerging): the figures hold still while they are compared. */
	CHECK(ksm_write("run", "0") == 0);
	sleep_ms(50);
	merging = proc_value("/proc/self/ksm_stat", "ksm_merging_pages");
	long items = proc_value("/proc/self/ksm_stat", "ksm_rmap_items");
	long mapped = ksm_frames_mapped(region, total);
	long shared = ksm_read("pages_shared"), sharing = ksm_read("pages_sharing");
	long rollup_ksm = proc_value("/proc/self/smaps_rollup", "KSM");
	long rss = proc_value("/proc/self/status", "VmRSS");
	long nthr = proc_value("/proc/self/status", "Threads");
	printf("mmthreads: ksm: %ld pages: ksm_merging_pages %ld, rmap items %ld, on KSM frames %ld, "
	       "pages_shared %ld pages_sharing %ld, smaps_rollup KSM %ld kB, VmRSS %ld kB, "
	       "Threads %ld\n", total, merging, items, mapped, shared, sharing, rollup_ksm, rss, nthr);
	CHECK(merging == total && items == total && mapped == total);
	/* 8 contents, nothing else merged: every mapping counted once. (More than 8 KSM
	 * pages is allowed: a content merged from the unstable tree while its KSM page was
	 * being made can get a second one, a dup in a chain, as on Linux.) */
	CHECK(shared >= 8 && shared + sharing == total);
	CHECK(rollup_ksm == total * PAGE / 1024);
	/* the region, the program and the threads' stacks: not the region once per thread */
	CHECK(rss >= total * PAGE / 1024 && rss < total * PAGE / 1024 + 2048);
	CHECK(nthr == threads + 1);
	int same = 1;
	for (int t = 0; t < threads; t++) { /* each thread's view is the process's */
		char path[80];
		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", worker_tid[t]);
		FILE *f = fopen(path, "r");
		long v = -1;
		if (!f || fscanf(f, "%ld", &v) != 1)
			v = -1;
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", worker_tid[t]);
		long trss = proc_value(path, "VmRSS");
		if (v != total || trss != rss) {
			printf("mmthreads: thread %d: ksm_merging_pages %ld, VmRSS %ld kB\n", worker_tid[t],
			       v, trss);
			same = 0;
		}
	}
	CHECK(same);
	CHECK(ksm_write("run", "1") == 0);
	pthread_barrier_wait(&ksm_checked);
	long bad = 0;
	for (int t = 0; t < threads; t++) {
		void *ret;
		CHECK(pthread_join(th[t], &ret) == 0);
		bad += (long)ret;
	}
	CHECK(bad == 0);
	CHECK(munmap(region, total * PAGE) == 0);
}

/* ---- swap ---- */

struct futex_page {
	volatile uint32_t word;		/* the futex */
	uint32_t pad;
	uint64_t data[WORDS - 1];	/* a pattern checked after the wake-up */
};
static struct futex_page *fp;
static volatile int waiter_ready;
static volatile pid_t waiter_tid;
static long waiter_result = -1;

static void *futex_waiter(void *arg)
{
	waiter_tid = gettid_();
	struct timespec limit = { 60, 0 }; /* a lost wake-up ends as a failure, not a hang */
	__atomic_store_n(&waiter_ready, 1, __ATOMIC_RELEASE);
	long rc = 0;
	int waits = 0;
	while (fp->word == 0 && waits < 100) {
		rc = futex(&fp->word, FUTEX_WAIT_PRIVATE, 0, &limit);
		waits++;
		if (rc == -1 && errno == ETIMEDOUT)
			break;
	}
	int data_ok = 1;
	for (int w = 0; w < WORDS - 1; w++)
		data_ok &= fp->data[w] == word_of(77, w);
	/* 1: woken with the new value and intact data */
	waiter_result = fp->word == 1 && data_ok ? 1 : rc == -1 && errno == ETIMEDOUT ? -2 : 0;
	return NULL;
}

static uint8_t *big;
static size_t big_pages;
static int swap_threads;

/* The word w of page i of the big region in pass p. */
static uint64_t big_word(size_t i, int w, int p) { return (i * 0x100000001b3ull) ^ ((uint64_t)w << 40) ^ p; }

/* Thread t writes its share of big for pass p (0: first touch), after checking what pass
 * p - 1 wrote, then checks a neighbour's share against pass `check_pass`. The count of
 * wrong pages. */
struct swap_job { int t, pass; long bad; };

static void *swap_worker(void *arg)
{
	struct swap_job *j = arg;
	size_t per = big_pages / swap_threads;
	size_t from = (size_t)j->t * per, to = from + per;
	for (size_t i = from; i < to; i++) {
		uint64_t *pg = (uint64_t *)(big + i * PAGE);
		if (j->pass > 0)
			for (int w = 0; w < WORDS; w += 61)
				j->bad += pg[w] != big_word(i, w, j->pass - 1);
		for (int w = 0; w < WORDS; w += 61)
			pg[w] = big_word(i, w, j->pass);
	}
	return NULL;
}

/* Every thread checks another's share (pass p): swap-ins of one address space from
 * several threads at once. */
static void *swap_checker(void *arg)
{
	struct swap_job *j = arg;
	size_t per = big_pages / swap_threads;
	size_t from = (size_t)((j->t + 1) % swap_threads) * per, to = from + per;
	for (size_t i = from; i < to; i++) {
		const uint64_t *pg = (const uint64_t *)(big + i * PAGE);
		for (int w = 0; w < WORDS; w += 61)
			j->bad += pg[w] != big_word(i, w, j->pass);
	}
	return NULL;
}

static long run_swap_pass(void *(*fn)(void *), int pass)
{
	pthread_t th[MAX_THREADS];
	struct swap_job jobs[MAX_THREADS];
	long bad = 0;
	for (int t = 0; t < swap_threads; t++) {
		jobs[t] = (struct swap_job){ t, pass, 0 };
		CHECK(pthread_create(&th[t], NULL, fn, &jobs[t]) == 0);
	}
	for (int t = 0; t < swap_threads; t++) {
		pthread_join(th[t], NULL);
		bad += jobs[t].bad;
	}
	return bad;
}

static void test_swap(long mib)
{
	swap_threads = 4;
	big_pages = (size_t)mib * 256 / swap_threads * swap_threads;
	fp = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	big = mmap(NULL, big_pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(fp != MAP_FAILED && big != MAP_FAILED);
	for (int w = 0; w < WORDS - 1; w++)
		fp->data[w] = word_of(77, w);
	pthread_t waiter;
	CHECK(pthread_create(&waiter, NULL, futex_waiter, NULL) == 0);
	while (!__atomic_load_n(&waiter_ready, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	for (int i = 0; i < 2000 && thread_state(waiter_tid) != 'S'; i++)
		sleep_ms(1);
	CHECK(thread_state(waiter_tid) == 'S');
	long out0 = vmstat("pswpout");
	/* Fill (more than the machine has) until the futex's page is out, at most 3 passes. */
	long bad = 0;
	int pass = 0, swapped = 0;
	for (; pass < 3 && !swapped; pass++) {
		bad += run_swap_pass(swap_worker, pass);
		swapped = (pagemap_entry(fp) & PM_SWAPPED) != 0;
	}
	long out = vmstat("pswpout") - out0;
	printf("mmthreads: swap: %ld MiB x %d passes by %d threads, %ld pages swapped out, futex page %s\n",
	       mib, pass, swap_threads, out, swapped ? "swapped out" : "still resident");
	CHECK(out > 0 && swapped);
	CHECK(thread_state(waiter_tid) == 'S' && waiter_result == -1); /* still waiting */
	/* The wake: the word written (its page comes back in), one waiter found by its name. */
	fp->word = 1;
	long woken = futex(&fp->word, FUTEX_WAKE_PRIVATE, 1, NULL);
	pthread_join(waiter, NULL);
	printf("mmthreads: swap: FUTEX_WAKE woke %ld, the waiter saw %s\n", woken,
	       waiter_result == 1 ? "the new value and its data intact" :
	       waiter_result == -2 ? "a timeout (lost wake-up)" : "wrong data");
	CHECK(woken == 1 && waiter_result == 1);
	bad += run_swap_pass(swap_checker, pass - 1);
	bad += run_swap_pass(swap_worker, pass);
	bad += run_swap_pass(swap_checker, pass);
	printf("mmthreads: swap: %ld pages wrong\n", bad);
	CHECK(bad == 0);
	CHECK(munmap(big, big_pages * PAGE) == 0 && munmap(fp, PAGE) == 0);
}

/* ---- uffd ---- */

#define UFFD_PAGES 64
#define UFFD_FAULTERS 3
static int uffd;
static char *uregion;
static pid_t faulter_tid[UFFD_FAULTERS];
static int served, wrong_msgs;

static int uffd_open_register(void *p, size_t len)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_THREAD_ID };
	struct uffdio_register r = { { (uintptr_t)p, len }, UFFDIO_REGISTER_MODE_MISSING, 0 };
	if (fd < 0 || ioctl(fd, UFFDIO_API, &api) || ioctl(fd, UFFDIO_REGISTER, &r))
		return -1;
	return fd;
}

/* The handler thread: serve every page once with bytes 'a' + page % 26 and the page number
 * in its first word; each message must name one of the faulting threads. */
static void *uffd_handler(void *arg)
{
	char *src = malloc(PAGE);
	while (served < UFFD_PAGES) {
		struct pollfd p = { .fd = uffd, .events = POLLIN };
		struct uffd_msg msg;
		if (poll(&p, 1, 10000) != 1 || read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			break;
		long i = (long)(msg.address - (uintptr_t)uregion) / PAGE;
		int known = 0;
		for (int t = 0; t < UFFD_FAULTERS; t++)
			known |= msg.ptid == (uint32_t)faulter_tid[t] && msg.ptid != 0;
		if (msg.event != UFFD_EVENT_PAGEFAULT || i < 0 || i >= UFFD_PAGES || !known) {
			if (wrong_msgs++ < 5)
				printf("mmthreads: uffd: message event %#x address %#llx ptid %u\n", msg.event,
				       (unsigned long long)msg.address, msg.ptid);
			continue;
		}
		memset(src, 'a' + i % 26, PAGE);
		memcpy(src, &i, sizeof(i));
		struct uffdio_copy c = { msg.address, (uintptr_t)src, PAGE, 0, 0 };
		if (ioctl(uffd, UFFDIO_COPY, &c) == 0 && c.copy == PAGE)
			served++;
		else if (errno != EEXIST && wrong_msgs++ < 5)
			printf("mmthreads: uffd: UFFDIO_COPY errno %d\n", errno);
	}
	free(src);
	return NULL;
}

static int uffd_page_ok(long i)
{
	const char *p = uregion + i * PAGE;
	long n;
	memcpy(&n, p, sizeof(n));
	return n == i && p[8] == 'a' + i % 26 && p[PAGE - 1] == 'a' + i % 26;
}

static pthread_barrier_t uffd_go;

/* Faulter t touches the pages i with i % UFFD_FAULTERS == t, reads and writes mixed, and
 * one page through the kernel (a pipe's read() into it); each reads back what the handler
 * supplied. Its count of wrong pages. */
static void *uffd_faulter(void *arg)
{
	int t = (int)(long)arg;
	faulter_tid[t] = gettid_();
	pthread_barrier_wait(&uffd_go);
	long bad = 0;
	for (long i = t; i < UFFD_PAGES; i += UFFD_FAULTERS) {
		char *p = uregion + i * PAGE;
		if (i == t) { /* the kernel's access: read() into the missing page */
			int pfd[2];
			if (pipe(pfd) || write(pfd[1], "xyz", 3) != 3 || read(pfd[0], p + 100, 3) != 3 ||
			    memcmp(p + 100, "xyz", 3))
				bad++;
			close(pfd[0]);
			close(pfd[1]);
			memset(p + 100, 'a' + i % 26, 3);
		} else if (i % 2) {
			p[200] = 'a' + i % 26; /* a write fault: the copy, then the write */
		}
		bad += !uffd_page_ok(i);
	}
	return (void *)bad;
}

/* A child whose thread waits on a fault nobody serves: the main thread's exit(3) ends it. */
static void *fault_forever(void *arg)
{
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return (void *)(long)uregion[5 * PAGE];
}

static void test_uffd(void)
{
	uregion = mmap(NULL, UFFD_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	CHECK(uregion != MAP_FAILED);
	uffd = uffd_open_register(uregion, UFFD_PAGES * PAGE);
	CHECK(uffd >= 0);
	pthread_barrier_init(&uffd_go, NULL, UFFD_FAULTERS + 1);
	pthread_t handler, th[UFFD_FAULTERS];
	for (long t = 0; t < UFFD_FAULTERS; t++)
		CHECK(pthread_create(&th[t], NULL, uffd_faulter, (void *)t) == 0);
	pthread_barrier_wait(&uffd_go); /* every faulter's tid is known now */
	CHECK(pthread_create(&handler, NULL, uffd_handler, NULL) == 0);
	long bad = 0;
	for (int t = 0; t < UFFD_FAULTERS; t++) {
		void *ret;
		pthread_join(th[t], &ret);
		bad += (long)ret;
	}
	pthread_join(handler, NULL);
	long ok = 0;
	for (long i = 0; i < UFFD_PAGES; i++)
		ok += uffd_page_ok(i);
	printf("mmthreads: uffd: %d faults served by the handler thread, %ld pages wrong in the "
	       "faulters, %ld of %d right after, %d wrong messages\n", served, bad, ok, UFFD_PAGES,
	       wrong_msgs);
	CHECK(served == UFFD_PAGES && bad == 0 && ok == UFFD_PAGES && wrong_msgs == 0);
	close(uffd);
	CHECK(munmap(uregion, UFFD_PAGES * PAGE) == 0);

	/* exit_group while a thread waits on a fault: the process ends, with its status. */
	pid_t c = fork();
	if (c == 0) {
		uregion = mmap(NULL, UFFD_PAGES * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uffd = uffd_open_register(uregion, UFFD_PAGES * PAGE);
		static int started;
		pthread_t t;
		if (uffd < 0 || pthread_create(&t, NULL, fault_forever, &started))
			_exit(1);
		while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
			sleep_ms(1);
		struct pollfd p = { .fd = uffd, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1) /* the thread's fault is reported */
			_exit(2);
		exit(3);
	}
	int st = 0;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	printf("mmthreads: uffd: a process whose thread waited on a fault ended with status %d\n",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- oom ---- */

static size_t oom_bytes_each;

static void *oom_toucher(void *arg)
{
	char *p = mmap(NULL, oom_bytes_each, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (size_t off = 0; off < oom_bytes_each; off += PAGE)
		p[off] = 1 + (char)(off >> 12);
	return NULL;
}

static void test_oom(long mib)
{
	int threads = 4;
	oom_bytes_each = (size_t)mib << 20;
	oom_bytes_each /= threads;
	pid_t c = fork();
	if (c == 0) {
		pthread_t th[MAX_THREADS];
		for (long t = 0; t < threads; t++)
			pthread_create(&th[t], NULL, oom_toucher, NULL);
		for (int t = 0; t < threads; t++)
			pthread_join(th[t], NULL);
		_exit(0); /* all touched: the machine had room after all */
	}
	int st = 0;
	CHECK(waitpid(c, &st, 0) == c);
	printf("mmthreads: oom: child %d with %d threads touching %ld MiB: %s %d\n", c, threads, mib,
	       WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD); /* reported once */
}

/* hold: the threads touch their share, then all wait (in pthread_join and nanosleep) for a
 * signal that ends the process; the OOM killer's victim when another task runs out. */
static void *hold_toucher(void *arg)
{
	oom_toucher(arg);
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_RELEASE);
	for (;;)
		sleep_ms(1000);
	return NULL;
}

static void hold(long mib)
{
	int threads = 4;
	static int touched;
	oom_bytes_each = ((size_t)mib << 20) / threads;
	pthread_t th[MAX_THREADS];
	for (long t = 0; t < threads; t++)
		pthread_create(&th[t], NULL, hold_toucher, &touched);
	while (__atomic_load_n(&touched, __ATOMIC_ACQUIRE) < threads)
		sleep_ms(5);
	printf("mmthreads: holding %ld MiB in %d threads\n", mib, threads);
	pthread_join(th[0], NULL);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "ksm")) {
		int threads = argc > 2 ? atoi(argv[2]) : 4;
		int pages = argc > 3 ? atoi(argv[3]) : 256;
		int rounds = argc > 4 ? atoi(argv[4]) : 10;
		if (threads < 2 || threads > MAX_THREADS || pages < 16 || rounds < 1)
			goto usage;
		test_ksm(threads, pages, rounds);
	} else if (!strcmp(mode, "swap") && argc > 2 && atol(argv[2]) > 0) {
		test_swap(atol(argv[2]));
	} else if (!strcmp(mode, "uffd")) {
		test_uffd();
	} else if (!strcmp(mode, "oom") && argc > 2 && atol(argv[2]) > 0) {
		test_oom(atol(argv[2]));
	} else if (!strcmp(mode, "hold") && argc > 2 && atol(argv[2]) > 0) {
		hold(atol(argv[2]));
	} else {
		goto usage;
	}
	return checks_report();
usage:
	printf("usage: mmthreads ksm [THREADS [PAGES [ROUNDS]]] | swap MIB | uffd | oom MIB | hold MIB\n");
	return 2;
}
