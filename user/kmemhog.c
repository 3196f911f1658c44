/* kmemhog MIB [SECONDS]: make the kernel hold about MIB MiB of memory for this task while
 * it holds almost none of its own: a large read-only anonymous mapping read one byte every
 * 2 MiB (each read maps the shared zero page and costs a page-table page), plus PIPES full
 * pipes. Prints what it holds, then waits SECONDS (default: until killed) and exits 0.
 * The OOM killer must see this memory as the task's (tests/boot/test_abi.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PMD_SPAN (2UL << 20)	/* what one page-table page maps */
#define PIPES 100

int main(int argc, char **argv)
{
	if (argc < 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: kmemhog MIB [SECONDS]\n");
		return 2;
	}
	size_t tables = (size_t)atoi(argv[1]) * 256; /* 4 KiB each */
	size_t len = tables * PMD_SPAN;
	volatile char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("kmemhog: mmap");
		return 1;
	}
	unsigned sum = 0;
	for (size_t i = 0; i < tables; i++)
		sum += p[i * PMD_SPAN];
	static char full[4096];
	int pipes = 0, fds[2];
	while (pipes < PIPES && pipe(fds) == 0) {
		if (write(fds[1], full, sizeof(full)) != sizeof(full))
			break;
		pipes++;
	}
	printf("kmemhog: holding %zu page tables over %zu MiB and %d full pipes (sum %u)\n", tables,
	       len >> 20, pipes, sum);
	fflush(stdout);
	if (argc > 2)
		sleep(atoi(argv[2]));
	else
		for (;;)
			pause();
	return 0;
}
