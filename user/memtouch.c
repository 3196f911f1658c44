/* memtouch SIZE_MB [pattern]: map SIZE_MB of anonymous memory, write every page (a pattern
 * that is "zero", "same" (one byte value everywhere) or "unique" (page number in each page)),
 * read it all back, and report. Exits 1 on a mismatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096

int main(int argc, char **argv)
{
	if (argc < 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: memtouch SIZE_MB [zero|same|unique]\n");
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
	size_t bad = 0;
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
	printf("memtouch: %zu MiB (%zu pages, %s) touched, %zu mismatches\n", mb, pages, pattern, bad);
	munmap(p, len);
	return bad ? 1 : 0;
}
