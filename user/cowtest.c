/* cowtest: copy-on-write across fork. The parent fills pages, forks several children; each
 * child checks it sees the parent's data, checks through /proc/self/pagemap that its pages
 * share the parent's frames before writing and have private frames after, writes its own
 * pattern and verifies it; the parent verifies its own data never changed. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define NPAGES 64
#define NCHILD 4

static uint64_t pfn_of(void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (uintptr_t)addr / PAGE * 8) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63))
		return 0; /* not present */
	return entry & ((1ull << 55) - 1);
}

static void fill(unsigned char *p, int who)
{
	for (int i = 0; i < NPAGES; i++)
		memset(p + i * PAGE, (who * 31 + i) & 0xff, PAGE);
}

static int verify(unsigned char *p, int who)
{
	int bad = 0;
	for (int i = 0; i < NPAGES; i++)
		for (int b = 0; b < PAGE; b++)
			bad += p[i * PAGE + b] != ((who * 31 + i) & 0xff);
	return bad;
}

static int child(unsigned char *p, const uint64_t *parent_pfn, int id)
{
	int errors = 0;
	if (verify(p, 0)) {
		printf("cowtest: child %d does not see the parent's data\n", id);
		errors++;
	}
	for (int i = 0; i < NPAGES; i++)
		if (pfn_of(p + i * PAGE) != parent_pfn[i]) {
			printf("cowtest: child %d page %d not shared before the write\n", id, i);
			errors++;
			break;
		}
	fill(p, id);
	for (int i = 0; i < NPAGES; i++)
		if (pfn_of(p + i * PAGE) == parent_pfn[i]) {
			printf("cowtest: child %d page %d still shared after the write\n", id, i);
			errors++;
			break;
		}
	if (verify(p, id)) {
		printf("cowtest: child %d reads back wrong data\n", id);
		errors++;
	}
	return errors ? 1 : 0;
}

int main(void)
{
	unsigned char *p = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static uint64_t parent_pfn[NPAGES];
	if (p == MAP_FAILED) {
		perror("cowtest: mmap");
		return 1;
	}
	fill(p, 0);
	for (int i = 0; i < NPAGES; i++)
		parent_pfn[i] = pfn_of(p + i * PAGE);
	if (!parent_pfn[0]) {
		printf("cowtest: /proc/self/pagemap gives no frame numbers\n");
		return 1;
	}
	int failed = 0;
	for (int c = 1; c <= NCHILD; c++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("cowtest: fork");
			return 1;
		}
		if (pid == 0)
			_exit(child(p, parent_pfn, c));
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("cowtest: child %d failed (status 0x%x)\n", c, status);
			failed++;
		}
	}
	/* the parent still has its pages: after the children are gone it is the last mapper */
	int bad = verify(p, 0);
	for (int i = 0; i < NPAGES; i++)
		if (pfn_of(p + i * PAGE) != parent_pfn[i])
			bad++;
	fill(p, 9);
	bad += verify(p, 9);
	printf("cowtest: %d children, %d pages each, %d failed, parent %s\n", NCHILD, NPAGES, failed,
	       bad ? "CORRUPTED" : "intact");
	return failed || bad ? 1 : 0;
}
