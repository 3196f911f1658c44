/* uffdtest: userfaultfd(2) from user space, one scenario per argument:
 *   copy     MISSING faults on MAP_SHARED|MAP_ANONYMOUS memory served by a forked handler
 *            (which inherited the descriptor, not the registration) with UFFDIO_COPY,
 *            messages waited for with poll() and blocking read()
 *   zero     the same served with UFFDIO_ZEROPAGE
 *   release  a task waiting on a fault is let go when the last descriptor closes
 *   wp       write-protect faults (a user write, and the kernel writing through read())
 *            resolved by clearing the protection; the pagemap WP bit follows
 *   badargs  the errors of bad requests (EINVAL, ENOENT, EEXIST, EFAULT, EAGAIN)
 *   ksmwp    MADV_UNMERGEABLE on KSM-merged pages of a write-protected range: no fault,
 *            every page its own frame again, still write-protected
 *   wpmerge  the other order: write-protected pages merged by ksmd stay write-protected,
 *            and with same_behaviour also through the copy their first read makes
 *   wpreclaim  write-protected pages stay resident and protected while a memory hog
 *            pushes everything else out to swap
 * Prints what it checks and "uffdtest MODE: ok"; exits 1 at the first failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksm_util.h"
#include "uffd_abi.h"

#define PAGE 4096
#define NPAGES 8

#define IOCTL_BIT(nr) (1ULL << (nr))

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		int errno_ = errno; \
		printf("FAIL line %d: ", __LINE__); \
		printf(__VA_ARGS__); \
		printf(" (errno %d)\n", errno_); \
		exit(1); \
	} \
} while (0)

static uint64_t pagemap(void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, &entry, 8, (uintptr_t)addr / PAGE * 8) == 8, "pagemap");
	close(fd);
	return entry;
}
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))
#define PM_UFFD_WP (1ULL << 57)

static int uffd_open(int flags, uint64_t features)
{
	int fd = syscall(SYS_userfaultfd, flags);
	CHECK(fd >= 0, "userfaultfd(%#x)", flags);
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "UFFDIO_API");
	return fd;
}

static uint64_t uffd_register(int fd, void *p, size_t len, uint64_t mode)
{
	struct uffdio_register r = { { (uintptr_t)p, len }, mode, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &r) == 0, "UFFDIO_REGISTER mode %llu", (unsigned long long)mode);
	return r.ioctls;
}

static int writeprotect(int fd, void *p, size_t len, uint64_t mode)
{
	struct uffdio_writeprotect w = { { (uintptr_t)p, len }, mode };
	return ioctl(fd, UFFDIO_WRITEPROTECT, &w);
}

/* One fault message; with use_poll, poll() says it is there first. */
static struct uffd_msg next_msg(int fd, int use_poll)
{
	struct uffd_msg msg;
	if (use_poll) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		CHECK(poll(&p, 1, -1) == 1 && (p.revents & POLLIN), "poll");
	}
	CHECK(read(fd, &msg, sizeof(msg)) == sizeof(msg), "read of a message");
	CHECK(msg.event == UFFD_EVENT_PAGEFAULT, "event %u", msg.event);
	return msg;
}

static int wait_child(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The forked handler: serve NPAGES missing faults in base, each page i by a copy of bytes
 * 'A' + i or by the zero page. */
static void serve_missing(int fd, char *base, int zero)
{
	/* Not registered in the child: touching the spare page must not wait. */
	CHECK(base[NPAGES * PAGE] == 0, "spare page");
	printf("handler: child's range is not registered\n");
	char *src = malloc(PAGE);
	for (int n = 0; n < NPAGES; n++) {
		struct uffd_msg msg = next_msg(fd, n % 2);
		int i = (int)((msg.address - (uintptr_t)base) / PAGE);
		CHECK(i >= 0 && i < NPAGES && msg.address % PAGE == 0, "address %#llx",
		      (unsigned long long)msg.address);
		printf("handler: fault page %d %s\n", i,
		       msg.flags & UFFD_PAGEFAULT_FLAG_WRITE ? "write" : "read");
		if (zero) {
			struct uffdio_zeropage z = { { msg.address, PAGE }, 0, 0 };
			CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == 0 && z.zeropage == PAGE, "ZEROPAGE");
		} else {
			memset(src, 'A' + i, PAGE);
			struct uffdio_copy c = { msg.address, (uintptr_t)src, PAGE, 0, 0 };
			CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0 && c.copy == PAGE, "COPY");
		}
	}
	exit(0);
}

static void test_missing(int zero)
{
	char *base = mmap(NULL, (NPAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED, "mmap");
	int fd = uffd_open(O_CLOEXEC, 0);
	uint64_t ioctls = uffd_register(fd, base, NPAGES * PAGE, UFFDIO_REGISTER_MODE_MISSING);
	CHECK(ioctls == (IOCTL_BIT(2) | IOCTL_BIT(3) | IOCTL_BIT(4)), "range ioctls %#llx",
	      (unsigned long long)ioctls);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid)
		serve_missing(fd, base, zero);
	/* Even pages read, odd pages written; in an order unlike the addresses. */
	for (int n = 0; n < NPAGES; n++) {
		int i = (n * 3) % NPAGES;
		char *p = base + i * PAGE;
		if (i % 2)
			p[1] = 'w';
		char want = zero ? 0 : 'A' + i;
		CHECK(p[7] == want && p[PAGE - 1] == want && (i % 2 == 0 || p[1] == 'w'),
		      "page %d reads %d", i, p[7]);
	}
	CHECK(wait_child(pid) == 0, "handler failed");
	printf("faulter: %d pages %s\n", NPAGES, zero ? "zero-filled" : "copied");
	/* A present page cannot be filled again. */
	struct uffdio_copy c = { (uintptr_t)base, (uintptr_t)base + PAGE, PAGE, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EEXIST && c.copy == -EEXIST,
	      "COPY onto a present page");
	struct uffdio_zeropage z = { { (uintptr_t)base, PAGE }, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_ZEROPAGE, &z) == -1 && errno == EEXIST, "ZEROPAGE onto a present page");
	printf("present page: EEXIST\n");
	close(fd);
	munmap(base, (NPAGES + 1) * PAGE);
}

static void test_release(void)
{
	volatile int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap");
	int fd = uffd_open(0, 0);
	uffd_register(fd, (void *)p, PAGE, UFFDIO_REGISTER_MODE_MISSING);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		struct uffd_msg msg = next_msg(fd, 0);
		CHECK(msg.address == (uintptr_t)p, "address");
		printf("handler: parent waits on its fault; closing the descriptor\n");
		fflush(stdout);
		close(fd);
		exit(0);
	}
	close(fd); /* the child's copy is the last one */
	int v = *p; /* waits until the child closes it, then faults as unregistered */
	CHECK(v == 0, "value %d", v);
	CHECK(wait_child(pid) == 0, "handler failed");
	printf("faulter: released, read %d\n", v);
	munmap((void *)p, PAGE);
}

static void test_wp(void)
{
	char *base = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED, "mmap");
	for (int i = 0; i < NPAGES; i++)
		memset(base + i * PAGE, 'a' + i, PAGE);
	int fd = uffd_open(0, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	uint64_t ioctls = uffd_register(fd, base, NPAGES * PAGE, UFFDIO_REGISTER_MODE_WP);
	CHECK(ioctls & IOCTL_BIT(6), "no WRITEPROTECT in %#llx", (unsigned long long)ioctls);
	CHECK(writeprotect(fd, base, NPAGES * PAGE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "WP set");
	for (int i = 0; i < NPAGES; i++)
		CHECK(pagemap(base + i * PAGE) & PM_UFFD_WP, "page %d not WP in pagemap", i);
	printf("pagemap: %d pages write-protected\n", NPAGES);
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		for (int n = 0; n < 2; n++) {
			struct uffd_msg msg = next_msg(fd, n);
			CHECK(msg.flags == (UFFD_PAGEFAULT_FLAG_WRITE | UFFD_PAGEFAULT_FLAG_WP),
			      "flags %#llx", (unsigned long long)msg.flags);
			int i = (int)((msg.address - (uintptr_t)base) / PAGE);
			printf("handler: wp fault page %d\n", i);
			CHECK(writeprotect(fd, (void *)(uintptr_t)msg.address, PAGE, 0) == 0, "WP clear");
		}
		exit(0);
	}
	CHECK(base[2 * PAGE] == 'c', "a read of a protected page");
	base[0] = 'X'; /* a user write: waits for the handler */
	CHECK(base[0] == 'X' && base[1] == 'a', "page 0 after the write");
	CHECK(!(pagemap(base) & PM_UFFD_WP) && (pagemap(base + 2 * PAGE) & PM_UFFD_WP),
	      "pagemap WP bits after the write");
	/* The kernel writing into a protected page (read() into it) waits the same way. */
	CHECK(write(pfd[1], "hello", 5) == 5, "pipe write");
	CHECK(read(pfd[0], base + PAGE, 5) == 5 && !memcmp(base + PAGE, "hello", 5) &&
	      base[PAGE + 5] == 'b', "read() into a protected page");
	CHECK(wait_child(pid) == 0, "handler failed");
	printf("faulter: user write and kernel write resolved\n");
	close(fd);
	CHECK(!(pagemap(base + 2 * PAGE) & PM_UFFD_WP), "WP bit left after close");
	base[2 * PAGE] = 'Y'; /* unregistered: no fault to report */
	printf("close: protection gone\n");
	close(pfd[0]);
	close(pfd[1]);
	munmap(base, NPAGES * PAGE);
}

static void test_badargs(void)
{
	char *base = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED && munmap(base + 4 * PAGE, PAGE) == 0, "mmap"); /* a hole after */
	CHECK(syscall(SYS_userfaultfd, 0x10) == -1 && errno == EINVAL, "bad flags");
	int fd = syscall(SYS_userfaultfd, O_NONBLOCK);
	CHECK(fd >= 0, "userfaultfd");
	struct uffdio_range r = { (uintptr_t)base, PAGE };
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == -1 && errno == EINVAL, "WAKE before API");
	struct uffdio_api api = { .api = 0x55 };
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL && !api.features, "bad api");
	api = (struct uffdio_api){ .api = UFFD_API, .features = 1ULL << 40 };
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL, "unknown feature");
	CHECK(ioctl(fd, UFFDIO_API, (void *)8) == -1 && errno == EFAULT, "API at a bad pointer");
	api = (struct uffdio_api){ .api = UFFD_API };
	CHECK(ioctl(fd, UFFDIO_API, &api) == 0, "API");
	CHECK(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP, "features %#llx",
	      (unsigned long long)api.features);
	CHECK(api.ioctls == (IOCTL_BIT(0) | IOCTL_BIT(1) | IOCTL_BIT(0x3f)), "ioctls %#llx",
	      (unsigned long long)api.ioctls);
	printf("api: features %#llx ioctls %#llx\n", (unsigned long long)api.features,
	       (unsigned long long)api.ioctls);
	api = (struct uffdio_api){ .api = UFFD_API };
	CHECK(ioctl(fd, UFFDIO_API, &api) == -1 && errno == EINVAL, "second API");

	struct uffdio_register reg = { { (uintptr_t)base + 1, PAGE }, UFFDIO_REGISTER_MODE_MISSING, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "misaligned start");
	reg.range = (struct uffdio_range){ (uintptr_t)base, 0 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "len 0");
	reg.range = (struct uffdio_range){ (uintptr_t)base, PAGE + 1 };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "misaligned len");
	reg.range = (struct uffdio_range){ (uintptr_t)base, 5 * PAGE };
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "beyond the VMA");
	reg.range = (struct uffdio_range){ (uintptr_t)base, PAGE };
	reg.mode = 8;
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "unknown mode");
	reg.mode = 0;
	CHECK(ioctl(fd, UFFDIO_REGISTER, &reg) == -1 && errno == EINVAL, "no mode");
	CHECK(ioctl(fd, UFFDIO_REGISTER, (void *)8) == -1 && errno == EFAULT, "bad pointer");
	printf("register: EINVAL x6, EFAULT\n");

	/* Pages 1-2 registered (MISSING): the VMA splits in three. */
	uffd_register(fd, base + PAGE, 2 * PAGE, UFFDIO_REGISTER_MODE_MISSING);
	char *src = malloc(PAGE);
	memset(src, 'q', PAGE);
	struct uffdio_copy c = { (uintptr_t)base + PAGE + 8, (uintptr_t)src, PAGE, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EINVAL, "misaligned dst");
	c = (struct uffdio_copy){ (uintptr_t)base + PAGE, (uintptr_t)src, PAGE, 4, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EINVAL, "unknown copy mode");
	c = (struct uffdio_copy){ (uintptr_t)base + PAGE, (uintptr_t)src, PAGE, 2, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EINVAL, "WP copy outside a WP range");
	c = (struct uffdio_copy){ (uintptr_t)base, (uintptr_t)src, PAGE, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == ENOENT, "copy outside the range");
	c = (struct uffdio_copy){ (uintptr_t)base + 2 * PAGE, (uintptr_t)src, 2 * PAGE, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == ENOENT, "copy across the range end");
	c = (struct uffdio_copy){ (uintptr_t)base + PAGE, 0x10000000, PAGE, 0, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == -1 && errno == EFAULT, "unmapped source");
	c = (struct uffdio_copy){ (uintptr_t)base + PAGE, (uintptr_t)src, PAGE,
				  UFFDIO_COPY_MODE_DONTWAKE, 0 };
	CHECK(ioctl(fd, UFFDIO_COPY, &c) == 0 && c.copy == PAGE && base[PAGE + 9] == 'q', "copy");
	CHECK(writeprotect(fd, base + PAGE, PAGE, UFFDIO_WRITEPROTECT_MODE_WP) == -1 &&
	      errno == ENOENT, "WRITEPROTECT on a MISSING-only range");
	CHECK(writeprotect(fd, base + PAGE, PAGE, 3) == -1 && errno == EINVAL, "WP with DONTWAKE");
	r = (struct uffdio_range){ (uintptr_t)base, 0 };
	CHECK(ioctl(fd, UFFDIO_WAKE, &r) == -1 && errno == EINVAL, "WAKE len 0");
	CHECK(ioctl(fd, _IOR(0xAA, 0x09, struct uffdio_range), &r) == -1 && errno == EINVAL,
	      "unknown request");
	printf("copy: EINVAL x3, ENOENT x2, EFAULT; writeprotect: ENOENT, EINVAL\n");

	struct uffd_msg msg[2];
	CHECK(read(fd, msg, sizeof(msg[0]) - 1) == -1 && errno == EINVAL, "short buffer");
	CHECK(read(fd, msg, sizeof(msg)) == -1 && errno == EAGAIN, "nothing to read");
	struct pollfd p = { .fd = fd, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0, "poll with nothing pending");
	printf("read: EINVAL, EAGAIN; poll: nothing\n");
	r = (struct uffdio_range){ (uintptr_t)base + PAGE, 2 * PAGE };
	CHECK(ioctl(fd, UFFDIO_UNREGISTER, &r) == 0, "UNREGISTER");
	CHECK(base[2 * PAGE] == 0, "unregistered page");
	close(fd);

	/* UFFD_USER_MODE_ONLY: the kernel's accesses fail instead of waiting. */
	fd = uffd_open(UFFD_USER_MODE_ONLY, 0);
	uffd_register(fd, base + 3 * PAGE, PAGE, UFFDIO_REGISTER_MODE_MISSING);
	int pfd[2];
	CHECK(pipe(pfd) == 0 && write(pfd[1], "x", 1) == 1, "pipe");
	CHECK(write(pfd[1], base + 3 * PAGE, 1) == -1 && errno == EFAULT, "kernel read, user-mode-only");
	printf("user-mode-only: kernel access EFAULT\n");
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	free(src);
	munmap(base, 4 * PAGE);
}

/* Write-protected pages under memory pressure: a child touches more memory than RAM, so
 * reclaim swaps out what it can; the protected pages stay resident and protected. */
static void test_wp_reclaim(void)
{
	const int n = 16;
	char *base = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED, "mmap");
	for (int i = 0; i < n; i++)
		memset(base + i * PAGE, 'a' + i, PAGE);
	int fd = uffd_open(O_NONBLOCK, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	uffd_register(fd, base, n * PAGE, UFFDIO_REGISTER_MODE_WP);
	CHECK(writeprotect(fd, base, n * PAGE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "WP set");
	long out0 = vmstat("pswpout");
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (!pid) {
		size_t big = (size_t)160 << 20;
		char *p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(p != MAP_FAILED, "mmap of the hog");
		for (size_t off = 0; off < big; off += PAGE)
			p[off] = 1;
		exit(0);
	}
	CHECK(wait_child(pid) == 0, "memory hog failed");
	long swapped = vmstat("pswpout") - out0;
	CHECK(swapped > 0, "nothing was swapped out");
	for (int i = 0; i < n; i++) {
		uint64_t e = pagemap(base + i * PAGE);
		CHECK((e >> 63) && (e & PM_UFFD_WP), "page %d: pagemap %#llx", i, (unsigned long long)e);
		CHECK(base[i * PAGE] == 'a' + i, "data");
	}
	printf("reclaim: %ld pages swapped out, %d protected pages resident and protected\n",
	       swapped, n);
	close(fd);
	munmap(base, n * PAGE);
}

/* The pagemap entries of n pages from base, in one read. */
static void pagemap_range(char *base, int n, uint64_t *out)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, out, n * 8, (uintptr_t)base / PAGE * 8) == n * 8, "pagemap");
	close(fd);
}

/* Distinct frames among n pagemap entries. */
static int distinct_frames(const uint64_t *e, int n)
{
	uint64_t *pfn = malloc(n * sizeof(*pfn));
	for (int i = 0; i < n; i++)
		pfn[i] = PM_PFN(e[i]);
	qsort(pfn, n, sizeof(*pfn), cmp_u64);
	int d = n > 0;
	for (int i = 1; i < n; i++)
		d += pfn[i] != pfn[i - 1];
	free(pfn);
	return d;
}

/* Make the n pages at base mergeable, with run 1, and wait until ksmd has merged them into
 * fewer than half as many frames; their pagemap entries then in e. */
static void merge_range(char *base, int n, uint64_t *e)
{
	CHECK(madvise(base, n * PAGE, MADV_MERGEABLE) == 0 && ksm_write("run", "1") == 0, "KSM on");
	for (;;) {
		CHECK(ksm_wait_scans(1, 120) == 0, "ksmd does not scan");
		pagemap_range(base, n, e);
		if (distinct_frames(e, n) < n / 2)
			break;
	}
}

/* n private pages all of byte value, and room for their n pagemap entries in *e. */
static char *one_value_range(int n, char value, uint64_t **e)
{
	char *base = mmap(NULL, n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED, "mmap");
	memset(base, value, n * PAGE);
	*e = malloc(n * sizeof(**e));
	CHECK(*e != NULL, "malloc");
	return base;
}

/* As Linux's ksm_functional_tests test_unmerge_uffd_wp: 2 MiB of one value, merged, then
 * write-protected through a descriptor whose UFFDIO_API asked for the WP feature. */
static void test_ksm_wp(void)
{
	const int n = 512;
	uint64_t *e;
	char *base = one_value_range(n, (char)0xcf, &e);
	long run = ksm_read("run");
	merge_range(base, n, e);
	printf("ksm: %d pages merged into %d frames\n", n, distinct_frames(e, n));
	/* A first descriptor only to see the features, as the selftest does. */
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	CHECK(fd >= 0 && ioctl(fd, UFFDIO_API, &api) == 0 &&
	      (api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP), "features");
	close(fd);
	fd = uffd_open(O_CLOEXEC | O_NONBLOCK, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	uffd_register(fd, base, n * PAGE, UFFDIO_REGISTER_MODE_WP);
	CHECK(writeprotect(fd, base, n * PAGE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "WP set");
	CHECK(madvise(base, n * PAGE, MADV_UNMERGEABLE) == 0, "MADV_UNMERGEABLE");
	pagemap_range(base, n, e);
	CHECK(distinct_frames(e, n) == n, "%d frames for %d pages", distinct_frames(e, n), n);
	for (int i = 0; i < n; i++) {
		CHECK(e[i] & PM_UFFD_WP, "page %d lost its protection", i);
		CHECK(base[i * PAGE] == (char)0xcf && base[i * PAGE + PAGE - 1] == (char)0xcf, "data");
	}
	struct uffd_msg msg;
	CHECK(read(fd, &msg, sizeof(msg)) == -1 && errno == EAGAIN, "a fault was reported");
	printf("unmerge: %d frames, all still write-protected, no fault\n", n);
	close(fd);
	ksm_write_long("run", run);
	free(e);
	munmap(base, n * PAGE);
}

/* The other order: 2 MiB of one value write-protected, then merged by ksmd. Every page
 * keeps its protection through the merge (and, with same_behaviour, through the copy its
 * first read makes), and reads back right. */
static void test_wp_merge(void)
{
	const int n = 512;
	uint64_t *e;
	char *base = one_value_range(n, (char)0xd4, &e);
	int fd = uffd_open(O_CLOEXEC | O_NONBLOCK, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	uffd_register(fd, base, n * PAGE, UFFDIO_REGISTER_MODE_WP);
	CHECK(writeprotect(fd, base, n * PAGE, UFFDIO_WRITEPROTECT_MODE_WP) == 0, "WP set");
	long run = ksm_read("run");
	merge_range(base, n, e);
	int merged_frames = distinct_frames(e, n);
	for (int i = 0; i < n; i++)
		CHECK(e[i] & PM_UFFD_WP, "page %d lost its protection in the merge", i);
	CHECK(ksm_write("run", "0") == 0, "KSM off");
	for (int i = 0; i < n; i++)
		CHECK(base[i * PAGE] == (char)0xd4 && base[i * PAGE + PAGE - 1] == (char)0xd4, "data");
	pagemap_range(base, n, e);
	for (int i = 0; i < n; i++)
		CHECK(e[i] & PM_UFFD_WP, "page %d lost its protection when read", i);
	struct uffd_msg msg;
	CHECK(read(fd, &msg, sizeof(msg)) == -1 && errno == EAGAIN, "a fault was reported");
	printf("wpmerge: %d pages merged into %d frames, all still write-protected\n", n, merged_frames);
	close(fd);
	ksm_write_long("run", run);
	free(e);
	munmap(base, n * PAGE);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int a = 1; a < argc; a++) {
		const char *m = argv[a];
		if (!strcmp(m, "copy"))
			test_missing(0);
		else if (!strcmp(m, "zero"))
			test_missing(1);
		else if (!strcmp(m, "release"))
			test_release();
		else if (!strcmp(m, "wp"))
			test_wp();
		else if (!strcmp(m, "badargs"))
			test_badargs();
		else if (!strcmp(m, "ksmwp"))
			test_ksm_wp();
		else if (!strcmp(m, "wpmerge"))
			test_wp_merge();
		else if (!strcmp(m, "wpreclaim"))
			test_wp_reclaim();
		else {
			printf("usage: uffdtest copy|zero|release|wp|badargs|ksmwp|wpmerge|wpreclaim...\n");
			return 2;
		}
		printf("uffdtest %s: ok\n", m);
	}
	return 0;
}
