/* ksm-swap: KSM pages through swap and back. GUESTS children fill PAGES pages each with the
 * same contents (page i alike in every guest), ksmd merges them; then this program fills
 * PRESSURE_MB of its own memory (more than RAM) so that reclaim swaps the idle guests'
 * KSM pages out, and prints what KSM's counters and the guests' smaps say; then guest 0
 * writes into its first pages while they are out (copies at swap-in: ksm_swpin_copy),
 * every guest reads all its pages back and checks them, and ksmd, restarted, merges them
 * again. The knobs are restored at the end.
 *
 * usage: ksm-swap [GUESTS [PAGES [PRESSURE_MB]]]     (default 2 2048 192)
 * Each step prints one "ksm-swap: ..." line with key=value figures; exit 0 if nothing was
 * corrupted and every step reached its goal. */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "ksm_util.h"

#define PAGE 4096
#define WORDS (PAGE / 8)
#define WRITTEN 16	/* pages guest 0 writes while they are swapped out */
#define MAX_GUESTS 16

static uint64_t word_of(uint64_t page, uint64_t w) { return (page + 1) * 0x9e3779b97f4a7c15ull + w; }

/* A /proc/PID/status or smaps_rollup figure in kB, or -1. */
static long proc_kb(int pid, const char *file, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	size_t n = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* One guest: fill, then obey one-byte commands from cmd_fd: 'w' write into the first
 * WRITTEN pages, 'v' verify (answer: the corrupted count), 'q' quit. */
static int guest(int id, size_t pages, int cmd_fd, int ans_fd)
{
	uint64_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	for (size_t p = 0; p < pages; p++)
		for (size_t w = 0; w < WORDS; w++)
			mem[p * WORDS + w] = word_of(p, w);
	if (madvise(mem, pages * PAGE, MADV_MERGEABLE))
		return 1;
	long answer = 0;
	if (write(ans_fd, &answer, sizeof(answer)) != sizeof(answer))
		return 1;
	bool written = false;
	char c;
	while (read(cmd_fd, &c, 1) == 1 && c != 'q') {
		if (c == 'w') {
			for (size_t p = 0; p < WRITTEN && p < pages; p++)
				mem[p * WORDS] = ~word_of(p, 0);
			written = true;
			answer = 0;
		} else {
			answer = 0;
			for (size_t p = 0; p < pages; p++)
				for (size_t w = 0; w < WORDS; w++) {
					uint64_t want = word_of(p, w);
					if (written && w == 0 && p < WRITTEN)
						want = ~want;
					if (mem[p * WORDS + w] != want) {
						answer++;
						break;
					}
				}
		}
		if (write(ans_fd, &answer, sizeof(answer)) != sizeof(answer))
			return 1;
	}
	(void)id;
	return 0;
}

static int nguests;
static int cmd_fd[MAX_GUESTS], ans_fd[MAX_GUESTS];
static pid_t pids[MAX_GUESTS];

/* Send c to guest i and return its answer (-1 if it is gone). */
static long ask(int i, char c)
{
	long answer;
	if (write(cmd_fd[i], &c, 1) != 1 || read(ans_fd[i], &answer, sizeof(answer)) != sizeof(answer))
		return -1;
	return answer;
}

/* Wait (up to timeout_s) until pages_shared + pages_sharing reaches want. */
static bool wait_merged(long want, double timeout_s)
{
	double end = now_s() + timeout_s;
	while (ksm_read("pages_shared") + ksm_read("pages_sharing") < want)
		if (now_s() > end)
			return false;
		else
			sleep_ms(20);
	return true;
}

static long guests_kb(const char *file, const char *key)
{
	long sum = 0;
	for (int i = 0; i < nguests; i++)
		sum += proc_kb(pids[i], file, key);
	return sum;
}

int main(int argc, char **argv)
{
	nguests = argc > 1 ? atoi(argv[1]) : 2;
	size_t pages = argc > 2 ? strtoul(argv[2], NULL, 10) : 2048;
	long pressure_mb = argc > 3 ? atol(argv[3]) : 192;
	if (nguests < 2 || nguests > MAX_GUESTS || pages < WRITTEN || pressure_mb <= 0) {
		fprintf(stderr, "usage: ksm-swap [GUESTS (2-%d) [PAGES (>= %d) [PRESSURE_MB]]]\n", MAX_GUESTS, WRITTEN);
		return 2;
	}
	long old_run = ksm_read("run"), old_scan = ksm_read("pages_to_scan"), old_sleep = ksm_read("sleep_millisecs");
	ksm_write("pages_to_scan", "5000");
	ksm_write("sleep_millisecs", "10");
	ksm_write("run", "1");
	for (int i = 0; i < nguests; i++) {
		int c[2], a[2];
		if (pipe(c) || pipe(a))
			return 1;
		pids[i] = fork();
		if (pids[i] == 0) {
			close(c[1]);
			close(a[0]);
			_exit(guest(i, pages, c[0], a[1]));
		}
		close(c[0]);
		close(a[1]);
		cmd_fd[i] = c[1];
		ans_fd[i] = a[0];
		long ready;
		if (read(ans_fd[i], &ready, sizeof(ready)) != sizeof(ready))
			return 1;
	}
	int ok = 1;
	long want = (long)nguests * pages;
	if (!wait_merged(want, 120)) {
		printf("ksm-swap: FAILED: not merged: pages_shared %ld pages_sharing %ld\n",
		       ksm_read("pages_shared"), ksm_read("pages_sharing"));
		ok = 0;
		goto out;
	}
	printf("ksm-swap: merged pages_shared=%ld pages_sharing=%ld guests_ksm_kb=%ld\n",
	       ksm_read("pages_shared"), ksm_read("pages_sharing"), guests_kb("smaps_rollup", "KSM"));

	/* ksmd stops, so that what swap does to the counters is all there is to see. */
	ksm_write("run", "0");
	long out0 = vmstat("pswpout");
	size_t ppages = (size_t)pressure_mb << 8;
	uint64_t *hog = mmap(NULL, ppages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hog == MAP_FAILED)
		return 1;
	for (size_t p = 0; p < ppages; p++)
		hog[p * WORDS] = p + 1;
	long shared = ksm_read("pages_shared"), sharing = ksm_read("pages_sharing");
	long ksm_kb = guests_kb("smaps_rollup", "KSM"), swap_kb = guests_kb("status", "VmSwap");
	printf("ksm-swap: under pressure pages_shared=%ld pages_sharing=%ld guests_ksm_kb=%ld "
	       "guests_swap_kb=%ld pswpout=%ld\n", shared, sharing, ksm_kb, swap_kb, vmstat("pswpout") - out0);
	/* Every mapping of a KSM page still in memory is one of the counted sharers. */
	if ((shared + sharing) * (PAGE / 1024) != ksm_kb || swap_kb <= 0) {
		printf("ksm-swap: FAILED: counters and mappings disagree, or nothing went out\n");
		ok = 0;
	}
	munmap(hog, ppages * PAGE);

	long copies0 = vmstat("ksm_swpin_copy");
	if (ask(0, 'w') != 0)
		ok = 0;
	long copies = vmstat("ksm_swpin_copy") - copies0;
	long corrupted = 0, verified = 0;
	for (int i = 0; i < nguests; i++) {
		long bad = ask(i, 'v');
		corrupted += bad < 0 ? (long)pages : bad;
		verified += pages;
	}
	printf("ksm-swap: swapped in: %ld pages verified, %ld corrupted, ksm_swpin_copy=%ld\n",
	       verified, corrupted, copies);
	ok &= corrupted == 0;

	ksm_write("run", "1");
	/* Guest 0's written pages are its own now; the other guests' copies of them merge
	 * only if there are two or more of them. */
	want = (long)(pages - WRITTEN) * nguests + (nguests >= 3 ? (long)(nguests - 1) * WRITTEN : 0);
	if (!wait_merged(want, 120)) {
		printf("ksm-swap: FAILED: not merged again: pages_shared %ld pages_sharing %ld\n",
		       ksm_read("pages_shared"), ksm_read("pages_sharing"));
		ok = 0;
	} else {
		printf("ksm-swap: merged again pages_shared=%ld pages_sharing=%ld\n",
		       ksm_read("pages_shared"), ksm_read("pages_sharing"));
	}
out:
	for (int i = 0; i < nguests; i++) {
		char q = 'q';
		if (write(cmd_fd[i], &q, 1) != 1)
			kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	ksm_write_long("pages_to_scan", old_scan);
	ksm_write_long("sleep_millisecs", old_sleep);
	ksm_write_long("run", old_run);
	printf("ksm-swap: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
