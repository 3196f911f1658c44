/* swapcheck: proves that memory swapped out comes back byte for byte. It maps SIZE_MB of
 * anonymous memory (meant to be more than RAM, so most of it must go to swap), fills every
 * 8-byte word with a value that depends on the page, the word and the pass, then reads it
 * all back; it does so for several passes, alternating rewrites (which make each page
 * dirty again) and read-only checks (which the kernel may serve from the swap cache).
 *
 * usage: swapcheck [-f] [-o] [-r] SIZE_MB [PASSES]     (PASSES >= 1, default 3)
 *   -r  visit the pages in a scattered order instead of one after the other (faults hit
 *       pages whichever state reclaim left them in)
 *   -f  fork once the memory is filled: the child, sharing every page and swap slot with
 *       the parent, prints its smaps_rollup Swap and SwapPss (a slot shared by both counts
 *       half), runs the passes' checks itself, then the parent does
 *   -o  after the passes, wait until no swap area is left (/proc/swaps), then check once
 *       more: what swapoff brought back in must be intact
 * prints one line per pass and then "swapcheck: N pages verified, M corrupted"; exits 0
 * only if nothing was corrupted. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define WORDS (PAGE / 8)

static uint64_t expected(uint64_t page, uint64_t word, uint64_t seed)
{
	uint64_t x = (page * WORDS + word + 1) * 0x9e3779b97f4a7c15ull ^ seed * 0xc2b2ae3d27d4eb4full;
	return x ^ (x >> 29);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool scattered;

/* The i-th page to visit: i itself, or with -r a permutation of [0, pages): steps of a
 * prime that does not divide pages reach every page once. */
static size_t visit(size_t i, size_t pages)
{
	if (!scattered)
		return i;
	size_t step = pages % 40009 ? 40009 : 40013;
	return (i * step) % pages;
}

static void fill(uint64_t *mem, size_t pages, uint64_t seed)
{
	for (size_t i = 0; i < pages; i++) {
		size_t p = visit(i, pages);
		for (size_t w = 0; w < WORDS; w++)
			mem[p * WORDS + w] = expected(p, w, seed);
	}
}

/* Pages whose contents differ from seed's pattern (the first few are named). */
static size_t verify(const uint64_t *mem, size_t pages, uint64_t seed, size_t *reported)
{
	size_t bad = 0;
	for (size_t i = 0; i < pages; i++) {
		size_t p = visit(i, pages);
		for (size_t w = 0; w < WORDS; w++) {
			if (mem[p * WORDS + w] == expected(p, w, seed))
				continue;
			if ((*reported)++ < 8)
				printf("swapcheck: page %zu word %zu: %#llx, expected %#llx\n", p, w,
				       (unsigned long long)mem[p * WORDS + w],
				       (unsigned long long)expected(p, w, seed));
			bad++;
			break;
		}
	}
	return bad;
}

/* A line of /proc/self/smaps_rollup ("Swap:"), in kB; -1 if missing. */
static long rollup_kb(const char *key)
{
	char line[128];
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Whether /proc/swaps lists an area (a line after its header). */
static bool swap_on(void)
{
	char line[256];
	FILE *f = fopen("/proc/swaps", "r");
	int lines = 0;
	while (f && fgets(line, sizeof(line), f))
		lines++;
	if (f)
		fclose(f);
	return lines > 1;
}

int main(int argc, char **argv)
{
	bool fork_mode = false, wait_swapoff = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-f"))
			fork_mode = true;
		else if (!strcmp(argv[i], "-o"))
			wait_swapoff = true;
		else if (!strcmp(argv[i], "-r"))
			scattered = true;
		else
			break;
	}
	char *end = "";
	long mb = i < argc ? strtol(argv[i], &end, 10) : 0;
	long passes = i + 1 < argc ? strtol(argv[i + 1], NULL, 10) : 3;
	if (i >= argc || argc > i + 2 || *end || mb <= 0 || passes < 1) {
		fprintf(stderr, "usage: swapcheck [-f] [-o] [-r] SIZE_MB [PASSES]\n");
		return 2;
	}
	size_t pages = (size_t)mb << 8;
	uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("swapcheck: mmap");
		return 1;
	}
	size_t verified = 0, corrupted = 0, reported = 0;
	uint64_t seed = 1;
	double t0 = now_s();
	fill(mem, pages, seed);
	printf("swapcheck: filled %zu pages (%ld MiB) in %.2f s\n", pages, mb, now_s() - t0);
	const char *who = "swapcheck";
	pid_t child = -1;
	bool child_failed = false;
	if (fork_mode) {
		fflush(stdout);
		child = fork();
		if (child < 0) {
			perror("swapcheck: fork");
			return 1;
		}
		who = child ? "swapcheck: parent" : "swapcheck: child";
		if (!child)
			printf("swapcheck: child: Swap %ld kB, SwapPss %ld kB\n", rollup_kb("Swap:"),
			       rollup_kb("SwapPss:"));
		else { /* the child checks first, then the parent alone; a child that did not
			* finish its checks is a failure, not a pass */
			int status;
			if (waitpid(child, &status, 0) != child)
				return 1;
			child_failed = !WIFEXITED(status) || WEXITSTATUS(status);
			if (child_failed)
				printf("swapcheck: the child failed (status %#x)\n", status);
		}
	}
	for (long pass = 1; pass <= passes; pass++) {
		t0 = now_s();
		size_t bad = verify(mem, pages, seed, &reported);
		verified += pages;
		corrupted += bad;
		bool rewrite = pass % 2 == 1 && pass < passes && !fork_mode; /* forked: read only */
		if (rewrite)
			fill(mem, pages, ++seed);
		printf("%s: pass %ld: %zu pages checked, %zu corrupted%s, %.2f s\n", who, pass, pages,
		       bad, rewrite ? ", then rewritten" : "", now_s() - t0);
	}
	if (wait_swapoff) {
		printf("swapcheck: waiting for swapoff\n");
		fflush(stdout);
		while (swap_on())
			usleep(20000);
		size_t bad = verify(mem, pages, seed, &reported);
		verified += pages;
		corrupted += bad;
		printf("swapcheck: after swapoff: %zu pages checked, %zu corrupted\n", pages, bad);
	}
	printf("%s: %zu pages verified, %zu corrupted\n", who, verified, corrupted);
	return corrupted || child_failed ? 1 : 0;
}
