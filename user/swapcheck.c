/* swapcheck: proves that memory swapped out comes back byte for byte. It maps SIZE_MB of
 * anonymous memory (meant to be more than RAM, so most of it must go to swap), fills every
 * 8-byte word with a value that depends on the page, the word and the pass, then reads it
 * all back; it does so for several passes, alternating rewrites (which make each page
 * dirty again) and read-only checks (which the kernel may serve from the swap cache).
 *
 * usage: swapcheck SIZE_MB [PASSES]     (PASSES >= 1, default 3)
 * prints one line per pass and then "swapcheck: N pages verified, M corrupted"; exits 0
 * only if nothing was corrupted. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

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

static void fill(uint64_t *mem, size_t pages, uint64_t seed)
{
	for (size_t p = 0; p < pages; p++)
		for (size_t w = 0; w < WORDS; w++)
			mem[p * WORDS + w] = expected(p, w, seed);
}

/* Pages whose contents differ from seed's pattern (the first few are named). */
static size_t verify(const uint64_t *mem, size_t pages, uint64_t seed, size_t *reported)
{
	size_t bad = 0;
	for (size_t p = 0; p < pages; p++) {
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

int main(int argc, char **argv)
{
	char *end;
	long mb = argc >= 2 ? strtol(argv[1], &end, 10) : 0;
	long passes = argc >= 3 ? strtol(argv[2], NULL, 10) : 3;
	if (argc < 2 || argc > 3 || *end || mb <= 0 || passes < 1) {
		fprintf(stderr, "usage: swapcheck SIZE_MB [PASSES]\n");
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
	for (long pass = 1; pass <= passes; pass++) {
		t0 = now_s();
		size_t bad = verify(mem, pages, seed, &reported);
		verified += pages;
		corrupted += bad;
		bool rewrite = pass % 2 == 1 && pass < passes;
		if (rewrite)
			fill(mem, pages, ++seed);
		printf("swapcheck: pass %ld: %zu pages checked, %zu corrupted%s, %.2f s\n", pass, pages,
		       bad, rewrite ? ", then rewritten" : "", now_s() - t0);
	}
	printf("swapcheck: %zu pages verified, %zu corrupted\n", verified, corrupted);
	return corrupted ? 1 : 0;
}
