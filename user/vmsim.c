/* vmsim: simulate guests for KSM to deduplicate. N guests (forked children), each with
 * M MiB of "guest memory": a share of its pages is identical across guests (page i holds
 * the same bytes in every guest, different from page j), a share is zero (written, so the
 * pages are real), the rest unique to the guest; optionally a share of the unique pages is
 * rewritten all the time (volatile). Memory is registered with madvise(MADV_MERGEABLE),
 * or with prctl(PR_SET_MEMORY_MERGE) before it is mapped. The guests live until vmsim is
 * killed (they notice their parent is gone) or for -t seconds.
 *
 * Guests at work (-a SECONDS) read every page of their memory back every SECONDS and
 * check it, so pages that went to swap must come back, unchanged. Guests are numbered from
 * -i FIRST (default 0): separate vmsim runs with distinct numbers start guests one at a
 * time whose unique pages stay unique.
 *
 * usage: vmsim [-n GUESTS] [-m MIB | -g PAGES] [-s SHARED%] [-z ZERO%] [-v VOLATILE%]
 *              [-r WRITES/S] [-p] [-t SECONDS] [-a SECONDS] [-i FIRST] */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "ksm_util.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
#define PAGE 4096

struct config {
	int guests, shared_pct, zero_pct, volatile_pct, rate, use_prctl, first_id;
	size_t pages;
	double seconds, read_every;
};

static uint64_t word(uint64_t seed, int w)
{
	return (seed + w) * 0x9e3779b97f4a7c15ull;
}

static void fill(uint64_t *page, uint64_t seed)
{
	for (int w = 0; w < PAGE / 8; w++)
		page[w] = word(seed, w);
}

/* The seed of page i of guest id (its contents are fill(seed)), or 0 for a zero page. */
static uint64_t page_seed(size_t i, size_t shared, size_t zero, int id)
{
	if (i < shared)
		return i + 1;
	if (i < shared + zero)
		return 0;
	return ((uint64_t)(id + 1) << 32) + i;
}

/* Read the first word of every page but the volatile ones: the index of the first page
 * that is not what fill() wrote, or pages if all are. */
static size_t read_back(const unsigned char *mem, size_t pages, size_t shared, size_t zero,
			size_t vol, int id)
{
	for (size_t i = 0; i < pages - vol; i++) {
		uint64_t seed = page_seed(i, shared, zero, id);
		if (*(const volatile uint64_t *)(mem + i * PAGE) != (seed ? word(seed, 0) : 0))
			return i;
	}
	return pages;
}

/* One guest: set up its memory, say so on fd, then rewrite the volatile pages and read its
 * memory back (-a) until the parent goes or time is up. */
static int guest(const struct config *c, int id, int ready_fd, pid_t parent)
{
	size_t pages = c->pages;
	size_t shared = pages * c->shared_pct / 100, zero = pages * c->zero_pct / 100;
	size_t unique = pages - shared - zero, vol = unique * c->volatile_pct / 100;
	unsigned char *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("vmsim: mmap");
		return 1;
	}
	for (size_t i = 0; i < pages; i++) {
		uint64_t *pg = (uint64_t *)(mem + i * PAGE), seed = page_seed(i, shared, zero, id);
		if (seed)
			fill(pg, seed);
		else
			memset(pg, 0, PAGE);
	}
	if (!c->use_prctl && madvise(mem, pages * PAGE, MADV_MERGEABLE)) {
		perror("vmsim: madvise");
		return 1;
	}
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	close(ready_fd);
	double end = c->seconds > 0 ? now_s() + c->seconds : 0;
	double next_read = c->read_every > 0 ? now_s() + c->read_every : 0;
	uint64_t stamp = 0;
	while (getppid() == parent && (!end || now_s() < end)) {
		if (next_read && now_s() >= next_read) {
			size_t bad = read_back(mem, pages, shared, zero, vol, id);
			if (bad < pages) {
				fprintf(stderr, "vmsim: guest %d: page %zu is not what it wrote\n", id, bad);
				return 1;
			}
			next_read = now_s() + c->read_every;
		}
		if (vol && c->rate > 0) { /* a burst of rewrites every 100 ms */
			for (int k = 0; k < c->rate / 10 + 1; k++, stamp++) {
				size_t i = pages - vol + stamp % vol;
				((uint64_t *)(mem + i * PAGE))[stamp % (PAGE / 8)] = stamp;
			}
		}
		sleep_ms(100);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct config c = { 2, 50, 25, 0, 0, 0, 0, 8 << 8, 0, 0 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-p")) {
			c.use_prctl = 1;
			continue;
		}
		if (i + 1 >= argc || a[0] != '-' || strlen(a) != 2)
			goto usage;
		const char *v = argv[++i];
		switch (a[1]) {
		case 'n': c.guests = atoi(v); break;
		case 'm': c.pages = (size_t)atoi(v) << 8; break;
		case 'g': c.pages = (size_t)atol(v); break;
		case 's': c.shared_pct = atoi(v); break;
		case 'z': c.zero_pct = atoi(v); break;
		case 'v': c.volatile_pct = atoi(v); break;
		case 'r': c.rate = atoi(v); break;
		case 't': c.seconds = atof(v); break;
		case 'a': c.read_every = atof(v); break;
		case 'i': c.first_id = atoi(v); break;
		default: goto usage;
		}
	}
	if (c.guests < 1 || c.pages < 1 || c.shared_pct < 0 || c.zero_pct < 0 || c.first_id < 0 ||
	    c.shared_pct + c.zero_pct > 100 || c.volatile_pct < 0 || c.volatile_pct > 100)
		goto usage;
	if (c.use_prctl && prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0)) {
		perror("vmsim: prctl(PR_SET_MEMORY_MERGE)");
		return 1;
	}
	size_t pages = c.pages;
	size_t shared = pages * c.shared_pct / 100, zero = pages * c.zero_pct / 100;
	size_t unique = pages - shared - zero;
	printf("vmsim: %d guests x %zu KiB (%zu pages each): %zu shared, %zu zero, %zu unique "
	       "(%zu volatile at %d writes/s), registered with %s\n", c.guests, pages * 4, pages, shared,
	       zero, unique, unique * c.volatile_pct / 100, c.rate, c.use_prctl ? "prctl" : "madvise");
	fflush(stdout);
	int ready[2];
	pid_t pids[64];
	if (pipe(ready)) {
		perror("vmsim: pipe");
		return 1;
	}
	pid_t self = getpid();
	for (int g = 0; g < c.guests; g++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("vmsim: fork");
			return 1;
		}
		if (pid == 0) {
			close(ready[0]);
			_exit(guest(&c, c.first_id + g, ready[1], self));
		}
		if (g < 64)
			pids[g] = pid;
	}
	printf("vmsim: guest pids");
	for (int g = 0; g < c.guests && g < 64; g++)
		printf(" %d", pids[g]);
	printf("\n");
	fflush(stdout);
	close(ready[1]);
	char b;
	int n = 0;
	while (n < c.guests && read(ready[0], &b, 1) == 1)
		n++;
	printf("vmsim: %d guests ready\n", n);
	fflush(stdout);
	int failed = n != c.guests, status;
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	printf("vmsim: done\n");
	return failed;
usage:
	fprintf(stderr, "usage: vmsim [-n GUESTS] [-m MIB | -g PAGES] [-s SHARED%%] [-z ZERO%%] "
			"[-v VOLATILE%%] [-r WRITES/S] [-p] [-t SECONDS] [-a SECONDS] [-i FIRST]\n");
	return 2;
}
