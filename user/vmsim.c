/* vmsim: simulate guests for KSM to deduplicate. N guests (forked children), each with
 * M MiB of "guest memory": a share of its pages is identical across guests (page i holds
 * the same bytes in every guest, different from page j), a share is zero (written, so the
 * pages are real), the rest unique to the guest; optionally a share of the unique pages is
 * rewritten all the time (volatile). Memory is registered with madvise(MADV_MERGEABLE),
 * or with prctl(PR_SET_MEMORY_MERGE) before it is mapped. The guests live until vmsim is
 * killed (they notice their parent is gone) or for -t seconds.
 *
 * usage: vmsim [-n GUESTS] [-m MIB | -g PAGES] [-s SHARED%] [-z ZERO%] [-v VOLATILE%]
 *              [-r WRITES/S] [-p] [-t SECONDS] */
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
	int guests, shared_pct, zero_pct, volatile_pct, rate, use_prctl;
	size_t pages;
	double seconds;
};

static void fill(uint64_t *page, uint64_t seed)
{
	for (int w = 0; w < PAGE / 8; w++)
		page[w] = (seed + w) * 0x9e3779b97f4a7c15ull;
}

/* One guest: set up its memory, say so on fd, then rewrite the volatile pages until the
 * parent goes or time is up. */
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
		uint64_t *pg = (uint64_t *)(mem + i * PAGE);
		if (i < shared)
			fill(pg, i + 1);
		else if (i < shared + zero)
			memset(pg, 0, PAGE);
		else
			fill(pg, ((uint64_t)(id + 1) << 32) + i);
	}
	if (!c->use_prctl && madvise(mem, pages * PAGE, MADV_MERGEABLE)) {
		perror("vmsim: madvise");
		return 1;
	}
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	close(ready_fd);
	double end = c->seconds > 0 ? now_s() + c->seconds : 0;
	uint64_t stamp = 0;
	while (getppid() == parent && (!end || now_s() < end)) {
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
	struct config c = { 2, 50, 25, 0, 0, 0, 8 << 8, 0 };
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
		default: goto usage;
		}
	}
	if (c.guests < 1 || c.pages < 1 || c.shared_pct < 0 || c.zero_pct < 0 ||
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
			_exit(guest(&c, g, ready[1], self));
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
			"[-v VOLATILE%%] [-r WRITES/S] [-p] [-t SECONDS]\n");
	return 2;
}
