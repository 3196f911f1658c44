/* memtouch [-m] SIZE_MB [pattern [SECONDS]]: map SIZE_MB of anonymous memory (with -m,
 * madvise(MADV_MERGEABLE) it first, for ksmd), write every page
 * (a pattern that is "zero", "same" (one byte value everywhere) or "unique" (page number
 * in each page)), read it all back, and report. With SECONDS, keep reading it back every
 * 50 ms for that long first (data that must survive what other tasks do). Exits 1 on a
 * mismatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096

int main(int argc, char **argv)
{
	int mergeable = argc > 1 && !strcmp(argv[1], "-m");
	argc -= mergeable;
	argv += mergeable;
	if (argc < 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: memtouch [-m] SIZE_MB [zero|same|unique [SECONDS]]\n");
		return 2;
	}
	size_t mb = atoi(argv[1]);
	const char *pattern = argc > 2 ? argv[2] : "unique";
	size_t len = mb << 20, pages = len / PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("memtouch: mmap");
		return 1;
	}
	if (mergeable && madvise(p, len, MADV_MERGEABLE)) {
		perror("memtouch: madvise");
		return 1;
	}
	for (size_t i = 0; i < pages; i++) {
		unsigned char *pg = p + i * PAGE;
		if (!strcmp(pattern, "zero"))
			pg[0] = 0;
		else if (!strcmp(pattern, "same"))
			memset(pg, 0x5a, PAGE);
		else
			for (size_t w = 0; w < PAGE / sizeof(size_t); w++)
				((size_t *)pg)[w] = i * 0x9e3779b97f4a7c15ull + w;
	}
	double hold = argc > 3 ? atof(argv[3]) : 0;
	struct timespec t0, now, nap = { 0, 50 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t bad = 0;
	do {
	for (size_t i = 0; i < pages; i++) {
		unsigned char *pg = p + i * PAGE;
		if (!strcmp(pattern, "zero") || !strcmp(pattern, "same")) {
			unsigned char want = pattern[0] == 'z' ? 0 : 0x5a;
			for (size_t b = 0; b < PAGE; b++)
				bad += pg[b] != want;
		} else {
			for (size_t w = 0; w < PAGE / sizeof(size_t); w++)
				bad += ((size_t *)pg)[w] != i * 0x9e3779b97f4a7c15ull + w;
		}
	}
	if (hold > 0)
		nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!bad && (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 < hold);
	printf("memtouch: %zu MiB (%zu pages, %s) touched, %zu mismatches\n", mb, pages, pattern, bad);
	munmap(p, len);
	return bad ? 1 : 0;
}
