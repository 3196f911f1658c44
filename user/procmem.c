/* procmem: /proc/PID/mem as Linux has it. Reads and writes of the program's own memory at
 * the file position (lseek to full 64-bit addresses, pread/pwrite at an offset); forced
 * writes into PROT_READ and PROT_NONE private mappings; copy-on-write kept intact for pages
 * shared since fork, merged by KSM, or backed by the zero page (checked through
 * /proc/self/pagemap frames); -EIO for unmapped addresses and shared read-only mappings,
 * partial counts across a hole; the access rule (self or ancestor, else EACCES); and an
 * exited target whose open file reads 0 and holds none of its memory.
 * `procmem held` instead: a child's pagemap, mem, maps, smaps, smaps_rollup and a
 * userfaultfd of its held open across its exit and reaping pin none of its memory, and read
 * as Linux's do (test_held_files).
 * Prints one line per failure and "procmem: N checks, F failed". */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ksm_util.h"
#define SELFCHECK_NAME "procmem"
#include "selfcheck.h"

#define PAGE 4096
#define EXIT_CHILD_MIB 16

static int self_mem;

/* The page frame mapping addr (pagemap), or 0 when not present. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t entry = pagemap_entry(addr);
	return entry >> 63 ? entry & ((1ull << 55) - 1) : 0;
}

static long meminfo_free_kb(void)
{
	char key[64];
	long value, found = -1;
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && fscanf(f, "%63s %ld kB", key, &value) == 2)
		if (!strcmp(key, "MemFree:"))
			found = value;
	if (f)
		fclose(f);
	return found;
}

static char *map(size_t pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PAGE, prot, flags | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void test_own_memory(void)
{
	static char data[64] = "through the mem file";
	char buf[64] = { 0 };
	uint64_t addr = (uintptr_t)data;
	CHECK(lseek(self_mem, addr, SEEK_SET) == (off_t)addr);
	CHECK(read(self_mem, buf, sizeof(buf)) == sizeof(buf) && !strcmp(buf, data));
	CHECK(lseek(self_mem, 0, SEEK_CUR) == (off_t)(addr + sizeof(buf)));
	CHECK(pwrite(self_mem, "THROUGH", 7, addr) == 7 && !strcmp(data, "THROUGH the mem file"));
	CHECK(lseek(self_mem, addr + 8, SEEK_SET) == (off_t)(addr + 8) && write(self_mem, "MEM", 3) == 3);
	CHECK(!strcmp(data, "THROUGH MEM mem file"));
	CHECK(pread(self_mem, buf, 11, addr) == 11 && !memcmp(buf, "THROUGH MEM", 11));
	/* Positions are unsigned 64-bit addresses: a kernel address seeks fine, reads fail. */
	uint64_t high = 0xffffffff00000000ull;
	CHECK(lseek(self_mem, (off_t)high, SEEK_SET) == (off_t)high);
	errno = 0;
	CHECK(read(self_mem, buf, 8) == -1 && errno == EIO);
	CHECK(lseek(self_mem, 0, SEEK_END) == -1 && errno == EINVAL);
}

static void test_forced_writes(void)
{
	for (int prot = PROT_READ; prot >= PROT_NONE; prot--) {
		char *p = map(2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		CHECK(p != NULL);
		if (!p)
			return;
		memset(p, 'a', PAGE); /* page 0 present and exclusive, page 1 untouched */
		CHECK(mprotect(p, 2 * PAGE, prot) == 0);
		char buf[8] = { 0 };
		CHECK(pwrite(self_mem, "forced", 6, (uintptr_t)p + 100) == 6);
		CHECK(pwrite(self_mem, "absent", 6, (uintptr_t)p + PAGE + 100) == 6);
		CHECK(pread(self_mem, buf, 6, (uintptr_t)p + 100) == 6 && !memcmp(buf, "forced", 6));
		CHECK(pread(self_mem, buf, 6, (uintptr_t)p + PAGE + 100) == 6 && !memcmp(buf, "absent", 6));
		CHECK(pread(self_mem, buf, 1, (uintptr_t)p + PAGE + 99) == 1 && buf[0] == 0);
		CHECK(mprotect(p, 2 * PAGE, PROT_READ) == 0);
		CHECK(!memcmp(p + 100, "forced", 6) && p[99] == 'a' && !memcmp(p + PAGE + 100, "absent", 6));
		munmap(p, 2 * PAGE);
	}
	/* Linux refuses forced writes to shared mappings without write permission. */
	char *s = map(1, PROT_READ | PROT_WRITE, MAP_SHARED);
	CHECK(s && mprotect(s, PAGE, PROT_READ) == 0);
	errno = 0;
	CHECK(s && pwrite(self_mem, "x", 1, (uintptr_t)s) == -1 && errno == EIO);
	char c = 1;
	CHECK(s && pread(self_mem, &c, 1, (uintptr_t)s) == 1 && c == 0);
	if (s)
		munmap(s, PAGE);
}

static void test_zero_page(void)
{
	char *p = map(2, PROT_READ, MAP_PRIVATE);
	CHECK(p && p[0] == 0 && p[PAGE] == 0);
	if (!p)
		return;
	uint64_t zero = pfn_of(p);
	CHECK(zero && pfn_of(p + PAGE) == zero);
	CHECK(pwrite(self_mem, "Z", 1, (uintptr_t)p + 5) == 1);
	CHECK(p[5] == 'Z' && p[PAGE + 5] == 0);
	CHECK(pfn_of(p) && pfn_of(p) != zero && pfn_of(p + PAGE) == zero);
	munmap(p, 2 * PAGE);
}

static void test_fork_cow(void)
{
	char *p = map(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(p != NULL);
	if (!p)
		return;
	memset(p, 'P', PAGE);
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t c = fork();
	if (c == 0) {
		char x;
		int bad = 0;
		/* Opening a parent's (non-descendant's) mem is refused. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", getppid());
		errno = 0;
		if (open(path, O_RDONLY) != -1 || errno != EACCES)
			bad |= 1;
		if (read(go[0], &x, 1) != 1)
			bad |= 2;
		/* The parent wrote its own copy: ours is unchanged. */
		if (p[0] != 'P' || p[1] != 'P')
			bad |= 4;
		/* The parent wrote into ours through /proc/CHILD/mem. */
		if (p[PAGE - 1] != 'c' || p[PAGE - 2] != 'P')
			bad |= 8;
		_exit(bad);
	}
	CHECK(c > 0);
	uint64_t shared = pfn_of(p);
	CHECK(pwrite(self_mem, "p", 1, (uintptr_t)p) == 1 && p[0] == 'p');
	CHECK(pfn_of(p) != shared);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", c);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char x = 0;
	CHECK(pread(fd, &x, 1, (uintptr_t)p) == 1 && x == 'P');
	CHECK(pwrite(fd, "c", 1, (uintptr_t)p + PAGE - 1) == 1 && p[PAGE - 1] == 'P');
	CHECK(write(go[1], "g", 1) == 1);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
	if (WEXITSTATUS(st))
		printf("procmem: fork child reports %#x\n", WEXITSTATUS(st));
	CHECK(WEXITSTATUS(st) == 0);
	close(fd);
	close(go[0]);
	close(go[1]);
	munmap(p, PAGE);
}

/* Wait until every page of [p, p + n pages) and of q maps one frame: that frame, or 0. */
static uint64_t wait_merged(char *p, char *q, int n)
{
	for (int scans = 0; scans < 50; scans++) {
		uint64_t f = pfn_of(p);
		int same = f != 0 && pfn_of(q) == f;
		for (int i = 1; same && i < n; i++)
			same = pfn_of(p + i * PAGE) == f;
		if (same)
			return f;
		if (ksm_wait_scans(1, 30))
			return 0;
	}
	return 0;
}

static void test_ksm(void)
{
	enum { N = 4 };
	long run = ksm_read("run"), sleep = ksm_read("sleep_millisecs");
	CHECK(ksm_write("sleep_millisecs", "0") == 0 && ksm_write("run", "1") == 0);
	char *p = map(N, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *other = map(1, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(p && other);
	if (!p || !other)
		return;
	memset(p, 0x5a, N * PAGE);
	memset(other, 0x5a, PAGE);
	CHECK(madvise(p, N * PAGE, MADV_MERGEABLE) == 0 && madvise(other, PAGE, MADV_MERGEABLE) == 0);
	uint64_t kpfn = wait_merged(p, other, N);
	CHECK(kpfn != 0);
	/* As ksm_functional_tests' test_prot_none: PROT_NONE, then 4 bytes into each page. */
	CHECK(mprotect(p, N * PAGE, PROT_NONE) == 0);
	for (int i = 0; i < N; i++) {
		CHECK(lseek(self_mem, (uintptr_t)p + i * PAGE, SEEK_SET) == (off_t)((uintptr_t)p + i * PAGE));
		CHECK(write(self_mem, &i, sizeof(i)) == sizeof(i));
	}
	for (int i = 0; i < N; i++) {
		uint64_t f = pfn_of(p + i * PAGE);
		CHECK(f && f != kpfn);
		for (int j = 0; j < i; j++)
			CHECK(pfn_of(p + j * PAGE) != f);
		int v = -1;
		unsigned char tail = 0;
		CHECK(pread(self_mem, &v, sizeof(v), (uintptr_t)p + i * PAGE) == sizeof(v) && v == i);
		CHECK(pread(self_mem, &tail, 1, (uintptr_t)p + i * PAGE + 4) == 1 && tail == 0x5a);
	}
	/* The other sharer kept the merged page and its contents. */
	CHECK(pfn_of(other) == kpfn && other[0] == 0x5a && other[PAGE - 1] == 0x5a);
	munmap(p, N * PAGE);
	munmap(other, PAGE);
	ksm_write_long("sleep_millisecs", sleep);
	ksm_write_long("run", run);
}

static void test_holes(void)
{
	char *p = map(2, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(p && munmap(p + PAGE, PAGE) == 0);
	if (!p)
		return;
	memset(p, 'h', PAGE);
	char *buf = malloc(2 * PAGE);
	errno = 0;
	CHECK(pread(self_mem, buf, 16, (uintptr_t)p + PAGE) == -1 && errno == EIO);
	errno = 0;
	CHECK(pwrite(self_mem, buf, 16, (uintptr_t)p + PAGE) == -1 && errno == EIO);
	CHECK(pread(self_mem, buf, 2 * PAGE, (uintptr_t)p + 10) == PAGE - 10 && buf[0] == 'h');
	memset(buf, 'w', 2 * PAGE);
	CHECK(pwrite(self_mem, buf, 2 * PAGE, (uintptr_t)p + PAGE - 3) == 3 && p[PAGE - 1] == 'w');
	free(buf);
	munmap(p, PAGE);
}

/* A child maps and touches EXIT_CHILD_MIB; we open its mem, read it, let it exit: the
 * open file reads 0 and writes 0, and the child's memory is free although it is open. */
static void test_exited_target(void)
{
	int ready[2], go[2];
	CHECK(pipe(ready) == 0 && pipe(go) == 0);
	pid_t c = fork();
	if (c == 0) {
		size_t len = EXIT_CHILD_MIB << 20;
		char *p = map(len / PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		if (!p)
			_exit(1);
		memset(p, 'e', len);
		uintptr_t addr = (uintptr_t)p;
		char x;
		if (write(ready[1], &addr, sizeof(addr)) != sizeof(addr) || read(go[0], &x, 1) != 1)
			_exit(2);
		_exit(0);
	}
	uintptr_t addr = 0;
	CHECK(read(ready[0], &addr, sizeof(addr)) == sizeof(addr));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", c);
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char x = 0;
	CHECK(pread(fd, &x, 1, addr + 12345) == 1 && x == 'e');
	long with_child = meminfo_free_kb();
	CHECK(write(go[1], "g", 1) == 1);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long after = meminfo_free_kb();
	printf("procmem: MemFree %ld kB with the child, %ld kB after its exit (mem file open)\n",
	       with_child, after);
	CHECK(after - with_child >= (EXIT_CHILD_MIB << 10));
	CHECK(pread(fd, &x, 1, addr) == 0);
	CHECK(pwrite(fd, "x", 1, addr) == 0);
	CHECK(lseek(fd, addr, SEEK_SET) == (off_t)addr && read(fd, &x, 1) == 0);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* The files of a process that the test holds open, in the order opened. */
enum { HELD_PAGEMAP, HELD_MEM, HELD_MAPS, HELD_SMAPS, HELD_ROLLUP, HELD_FILES };
static const char *const held_names[HELD_FILES] = { "pagemap", "mem", "maps", "smaps",
						    "smaps_rollup" };

/* What a read of each held file returns: pagemap's entry and a byte of mem at addr, the
 * text files from their start (a count, or -errno). */
static void read_held(const int fds[HELD_FILES], uintptr_t addr, long got[HELD_FILES])
{
	static char buf[65536];
	for (int i = 0; i < HELD_FILES; i++) {
		long n = i == HELD_PAGEMAP ? pread(fds[i], buf, 8, addr / PAGE * 8)
		       : i == HELD_MEM ? pread(fds[i], buf, 1, addr) : pread(fds[i], buf, sizeof(buf), 0);
		got[i] = n < 0 ? -errno : n;
	}
}

/* A child maps and touches HELD_CHILD_MIB (mergeable, each page unique); we open its
 * pagemap, mem, maps, smaps and smaps_rollup and keep them, and a grandchild keeps the
 * child's userfaultfd, while the child exits. As Linux: once it has exited (a zombie, not
 * reaped) its memory is free, pagemap and mem read 0 bytes, maps and smaps read empty and
 * smaps_rollup fails with ESRCH; once reaped, maps and smaps fail with ESRCH too. MemFree
 * comes back to within HELD_SLACK_KB of what it was before the fork. */
#define HELD_CHILD_MIB 32
#define HELD_SLACK_KB 2048
static void test_held_files(void)
{
	int ready[2], go[2], hold[2];
	CHECK(pipe(ready) == 0 && pipe(go) == 0 && pipe(hold) == 0);
	long before = meminfo_free_kb();
	pid_t c = fork();
	if (c == 0) {
		close(hold[1]);
		int uffd = syscall(SYS_userfaultfd, 0);
		pid_t g = uffd < 0 ? -1 : fork();
		if (g == 0) { /* keeps uffd until the test lets it go */
			char x;
			ssize_t r = read(hold[0], &x, 1);
			_exit(r < 0);
		}
		size_t len = (size_t)HELD_CHILD_MIB << 20;
		char *p = map(len / PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		if (!p || g < 0)
			_exit(1);
		madvise(p, len, MADV_MERGEABLE);
		memset(p, 'h', len);
		for (size_t off = 0; off < len; off += PAGE)
			memcpy(p + off, &off, sizeof(off));
		uintptr_t addr = (uintptr_t)p;
		char x;
		if (write(ready[1], &addr, sizeof(addr)) != sizeof(addr) || read(go[0], &x, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(hold[0]);
	uintptr_t addr = 0;
	CHECK(read(ready[0], &addr, sizeof(addr)) == sizeof(addr));
	int fds[HELD_FILES];
	for (int i = 0; i < HELD_FILES; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/%s", c, held_names[i]);
		fds[i] = open(path, i == HELD_MEM ? O_RDWR : O_RDONLY);
		CHECK(fds[i] >= 0);
	}
	uint64_t entry = 0;
	char x = 0;
	CHECK(pread(fds[HELD_PAGEMAP], &entry, 8, addr / PAGE * 8) == 8 && entry >> 63);
	CHECK(pread(fds[HELD_MEM], &x, 1, addr + 12345) == 1 && x == 'h');
	long with_child = meminfo_free_kb();
	CHECK(write(go[1], "g", 1) == 1);
	siginfo_t si;
	CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == c);
	long zombie = meminfo_free_kb();
	long got[HELD_FILES];
	read_held(fds, addr, got);
	printf("procmem: exited, not reaped: pagemap %ld, mem %ld, maps %ld, smaps %ld, "
	       "smaps_rollup %ld\n", got[0], got[1], got[2], got[3], got[4]);
	CHECK(got[HELD_PAGEMAP] == 0 && got[HELD_MEM] == 0);
	CHECK(pwrite(fds[HELD_MEM], "x", 1, addr) == 0);
	CHECK(got[HELD_MAPS] == 0 && got[HELD_SMAPS] == 0 && got[HELD_ROLLUP] == -ESRCH);
	int st;
	CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	long after = meminfo_free_kb();
	read_held(fds, addr, got);
	printf("procmem: reaped: pagemap %ld, mem %ld, maps %ld, smaps %ld, smaps_rollup %ld\n",
	       got[0], got[1], got[2], got[3], got[4]);
	CHECK(got[HELD_PAGEMAP] == 0 && got[HELD_MEM] == 0);
	CHECK(lseek(fds[HELD_MEM], addr, SEEK_SET) == (off_t)addr && read(fds[HELD_MEM], &x, 1) == 0);
	CHECK(got[HELD_MAPS] == -ESRCH && got[HELD_SMAPS] == -ESRCH && got[HELD_ROLLUP] == -ESRCH);
	printf("procmem held: MemFree %ld kB before the child, %ld kB with it, %ld kB exited, "
	       "%ld kB reaped (%d MiB; pagemap, mem, maps, smaps, smaps_rollup, userfaultfd held)\n",
	       before, with_child, zombie, after, HELD_CHILD_MIB);
	CHECK(before - with_child >= (HELD_CHILD_MIB << 10));
	CHECK(zombie >= before - HELD_SLACK_KB && after >= before - HELD_SLACK_KB);
	for (int i = 0; i < HELD_FILES; i++)
		close(fds[i]);
	CHECK(write(hold[1], "q", 1) == 1); /* the grandchild lets the userfaultfd go */
	close(hold[1]);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "held")) {
		test_held_files();
		return checks_report();
	}
	self_mem = open("/proc/self/mem", O_RDWR);
	CHECK(self_mem >= 0);
	if (self_mem < 0)
		return 1;
	test_own_memory();
	test_forced_writes();
	test_zero_page();
	test_fork_cow();
	test_ksm();
	test_holes();
	test_exited_target();
	close(self_mem);
	return checks_report();
}
