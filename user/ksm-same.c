/* ksm-same: KSM's same_behaviour (mm/ksm.c, "Same behaviour"), checked from the inside.
 * Regions of 64 pages: A and B hold the same contents (they merge), C unique random pages
 * (they do not), and H 16 pages that are twins of A's first 16 but that a thread keeps
 * reading (in use: never candidates). Once A and B are merged it stops ksmd (run 0, so
 * that nothing moves under the counts) and checks:
 *  - H was not merged, and reading it copies nothing;
 *  - A and B map one frame per pair, a frame neither of them had: drawn at random (few
 *    neighbours among them); C's pages moved to other frames too (the fake merge);
 *  - `ksm explain` calls A and C guarded, H not; mprotect keeps the guards;
 *  - the first access to a merged page copies it (ksm_copy_on_access), read or write, and
 *    only the first; a write lands in the writer's copy alone;
 *  - the unique pages of C are guarded too (the fake merge): their first read copies them;
 *    MADV_UNMERGEABLE takes the guard off without a copy;
 *  - same_behaviour cannot change while KSM pages exist (EBUSY);
 *  - every byte reads back as written;
 *  - once ksmd runs again, pages just used are not merged again at once.
 * The caller sets the knobs: same_behaviour 1, run 1, and a sleep_millisecs that lets the
 * reader thread run between two visits of a page (20, Linux's default). Restores run.
 * Prints "ksm-same: N checks, F failed". */
#define _GNU_SOURCE
#define SELFCHECK_NAME "ksm-same"
#include <pthread.h>
#include <stdbool.h>
#include <sys/mman.h>
#include "ksm_util.h"
#include "selfcheck.h"

#define PAGE 4096
#define N 64	/* pages of A, B and C */
#define HOT 16	/* pages of H */

static char *A, *B, *C, *H;
static volatile bool stop_reading;

/* The byte at offset o of content number i (A, B and H share these). */
static char pattern(size_t i, size_t o) { return (char)(i * 7 + o / 64 + 1); }

/* Word i / 8 of region C: no two pages alike, nor like any other region's. */
static uint64_t unique_word(size_t i) { return (i + 1) * 0x9e3779b97f4a7c15ull ^ 0x5bd1e995u; }

static void fill(char *region, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		for (size_t o = 0; o < PAGE; o++)
			region[i * PAGE + o] = pattern(i, o);
}

static bool holds_pattern(const char *page, size_t i)
{
	for (size_t o = 0; o < PAGE; o++)
		if (page[o] != pattern(i, o))
			return false;
	return true;
}

static void *read_hot(void *arg)
{
	while (!stop_reading)
		for (size_t i = 0; i < HOT; i++)
			(void)*(volatile char *)(H + i * PAGE + 100);
	return NULL;
}

static uint64_t pfn_of(const void *addr)
{
	uint64_t e = pagemap_entry(addr);
	return e >> 63 ? e & ((1ull << 55) - 1) : 0;
}

/* ksm_copy_on_access copies since the last call. */
static long copies(void)
{
	static long last = -1;
	long now = vmstat("ksm_copy_on_access"), d = last < 0 ? 0 : now - last;
	last = now;
	return d;
}

static bool explained_guarded(const void *addr)
{
	char text[8192], at[32];
	snprintf(at, sizeof(at), "%#lx", (unsigned long)addr);
	return ksm_explain_self(at, text, sizeof(text)) > 0 && strstr(text, "guarded by same_behaviour");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	CHECK(ksm_read("same_behaviour") == 1);
	long run = ksm_read("run");
	A = mmap(NULL, (3 * N + HOT) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED) {
		perror("ksm-same: mmap");
		return 1;
	}
	B = A + N * PAGE;
	C = B + N * PAGE;
	H = C + N * PAGE;
	fill(A, N);
	fill(B, N);
	fill(H, HOT);
	for (size_t i = 0; i < N * PAGE; i += 8)
		*(uint64_t *)(C + i) = unique_word(i);
	uint64_t pfn_a[N], pfn_b[N], pfn_c[N];
	for (size_t i = 0; i < N; i++) {
		pfn_a[i] = pfn_of(A + i * PAGE);
		pfn_b[i] = pfn_of(B + i * PAGE);
		pfn_c[i] = pfn_of(C + i * PAGE);
	}
	pthread_t reader;
	pthread_create(&reader, NULL, read_hot, NULL);
	CHECK(madvise(A, (3 * N + HOT) * PAGE, MADV_MERGEABLE) == 0);

	/* A and B merge; then a few more scans in which H would be merged if it could be. */
	CHECK(ksm_wait_merging_self(2 * N, 120) == 0);
	CHECK(ksm_wait_scans(4, 60) == 0);
	CHECK(ksm_write("run", "0") == 0);
	CHECK(ksm_merging_pages(0) == 2 * N);
	CHECK(ksm_write("same_behaviour", "0") == -EBUSY);
	copies();

	bool hot_ok = true;
	for (size_t i = 0; i < HOT; i++)
		hot_ok &= holds_pattern(H + i * PAGE, i);
	CHECK(hot_ok && copies() == 0);
	stop_reading = true;
	pthread_join(reader, NULL);

	unsigned fresh = 0, neighbours = 0, moved = 0;
	for (size_t i = 0; i < N; i++) {
		uint64_t k = pfn_of(A + i * PAGE), c = pfn_of(C + i * PAGE);
		fresh += k && k == pfn_of(B + i * PAGE) && k != pfn_a[i] && k != pfn_b[i];
		moved += c && c != pfn_c[i];
		if (i) {
			uint64_t prev = pfn_of(A + (i - 1) * PAGE);
			neighbours += k == prev + 1 || k + 1 == prev;
		}
	}
	CHECK(fresh == N && moved == N);
	CHECK(neighbours < N / 8);
	CHECK(explained_guarded(A) && explained_guarded(C) && !explained_guarded(H));
	/* mprotect keeps the guards (else it would lift them and the channel with them). */
	CHECK(mprotect(A, 2 * N * PAGE, PROT_READ) == 0 && mprotect(A, 2 * N * PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(mprotect(C, N * PAGE, PROT_NONE) == 0 && mprotect(C, N * PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(explained_guarded(A + PAGE) && explained_guarded(C + PAGE));
	CHECK(copies() == 0);

	/* Merged pages: a read copies, once; a write copies, and only the writer sees it. */
	CHECK(holds_pattern(A, 0) && copies() == 1);
	CHECK(holds_pattern(A, 0) && copies() == 0);
	B[PAGE + 5] = 'x';
	CHECK(copies() == 1 && B[PAGE + 5] == 'x' && holds_pattern(A + PAGE, 1));
	CHECK(copies() == 1); /* A[1]'s first read */

	/* Unique pages: guarded alike; MADV_UNMERGEABLE lifts the guard of its half. */
	bool unique_intact = true;
	CHECK(madvise(C, N / 2 * PAGE, MADV_UNMERGEABLE) == 0 && copies() == 0);
	for (size_t i = 0; i < N * PAGE; i += 8)
		unique_intact &= *(uint64_t *)(C + i) == unique_word(i);
	CHECK(unique_intact && copies() == N / 2);

	/* The rest of A and B: one copy each, contents intact. */
	bool intact = true;
	for (size_t i = 0; i < N; i++)
		intact &= holds_pattern(A + i * PAGE, i) && (i == 1 || holds_pattern(B + i * PAGE, i));
	CHECK(intact && copies() == 2 * N - 3);

	/* ksmd finds its items unmerged (the count is its own, kept as it visits) and, the
	 * pages just used, not candidates for two more scans. */
	CHECK(ksm_write_long("run", run) == 0);
	CHECK(ksm_wait_scans(2, 60) == 0 && ksm_merging_pages(0) == 0);
	munmap(A, (3 * N + HOT) * PAGE);
	return checks_report();
}
