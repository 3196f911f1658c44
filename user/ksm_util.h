/* Helpers the KSM and swap programs share: reading and writing /sys/kernel/mm/ksm, waiting
 * for ksmd's scans, /proc/vmstat, the clock. Header-only (each program is one static
 * binary). */
#ifndef KSM_UTIL_H
#define KSM_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KSM_DIR "/sys/kernel/mm/ksm/"

/* The value of a KSM file (a counter or knob), or -1 if it cannot be read. */
static inline long ksm_read(const char *name)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* Pages of process pid (0: this one) that map a KSM page (/proc/PID/ksm_merging_pages),
 * or -1. */
static inline long ksm_merging_pages(pid_t pid)
{
	char path[64];
	long v = -1;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ksm_merging_pages");
	FILE *f = fopen(path, "r");
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* Write value to a KSM knob: 0, or -errno. */
static inline int ksm_write(const char *name, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), KSM_DIR "%s", name);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	int rc = write(fd, value, strlen(value)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* The same with a number (restoring a knob read with ksm_read). */
static inline int ksm_write_long(const char *name, long value)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%ld", value);
	return ksm_write(name, buf);
}

/* A /proc/vmstat counter ("pswpout"), or -1. */
static inline long vmstat(const char *name)
{
	char key[64];
	long value, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");
	while (f && fscanf(f, "%63s %ld", key, &value) == 2)
		if (!strcmp(key, name))
			found = value;
	if (f)
		fclose(f);
	return found;
}

static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The /proc/self/pagemap entry of addr (0 if it cannot be read). */
static inline uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)addr / 4096 * 8) != 8)
		e = 0;
	if (fd >= 0)
		close(fd);
	return e;
}

/* The explanation /proc/self/ksm_explain gives for addr (written as text to the open
 * file, read back from offset 0) into buf: the length read, or -1 with errno. */
static inline long ksm_explain_self(const char *addr_text, char *buf, size_t size)
{
	int fd = open("/proc/self/ksm_explain", O_RDWR);
	if (fd < 0)
		return -1;
	long n = write(fd, addr_text, strlen(addr_text));
	if (n >= 0)
		n = pread(fd, buf, size - 1, 0);
	int saved = errno;
	close(fd);
	errno = saved;
	if (n >= 0)
		buf[n] = 0;
	return n;
}

/* For qsort: ascending 64-bit values. */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ksmd's pid (the task whose /proc/PID/comm says ksmd), or -1. */
static inline int ksmd_pid(void)
{
	int pid = -1;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char comm[32] = "", p[300];
		snprintf(p, sizeof(p), "/proc/%s/comm", e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "ksmd\n"))
			pid = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return pid;
}

/* ksmd's CPU time in ns (first field of its /proc/PID/schedstat, as on Linux), or 0. */
static inline uint64_t ksmd_cpu_ns(void)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof(path), "/proc/%d/schedstat", ksmd_pid());
	unsigned long long ns = 0;
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns;
}

/* The median time of a write to one byte of each of up to 1001 of pages (4 KiB each) at
 * mem, spread evenly: the copy-on-write fault when they are merged. The clock's own cost
 * is taken off. */
static inline uint64_t cow_fault_median_ns(unsigned char *mem, size_t pages)
{
	enum { SAMPLES = 1001 };
	static uint64_t cow[SAMPLES], clock_cost[SAMPLES];
	for (int s = 0; s < SAMPLES; s++) {
		uint64_t a = now_ns(), b = now_ns();
		clock_cost[s] = b - a;
	}
	qsort(clock_cost, SAMPLES, sizeof(uint64_t), cmp_u64);
	size_t stride = pages / SAMPLES ? pages / SAMPLES : 1;
	int n = 0;
	for (size_t i = 0; i < pages && n < SAMPLES; i += stride) {
		uint64_t a = now_ns();
		mem[i * 4096] ^= 0xff;
		cow[n++] = now_ns() - a;
	}
	qsort(cow, n, sizeof(uint64_t), cmp_u64);
	return cow[n / 2] > clock_cost[SAMPLES / 2] ? cow[n / 2] - clock_cost[SAMPLES / 2] : 0;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	nanosleep(&ts, NULL);
}

/* Poll value() every poll_ms until it reaches target: 0, or -1 after timeout_s seconds. */
static inline int ksm_wait_for(long (*value)(void), long target, double timeout_s, long poll_ms)
{
	double end = now_s() + timeout_s;
	while (value() < target) {
		if (now_s() > end)
			return -1;
		sleep_ms(poll_ms);
	}
	return 0;
}

static inline long ksm_pages_merged(void) { return ksm_read("pages_shared") + ksm_read("pages_sharing"); }
static inline long ksm_merging_self(void) { return ksm_merging_pages(0); }
static inline long ksm_full_scans(void) { return ksm_read("full_scans"); }

/* Wait until KSM pages back `pages` pages (pages_shared + pages_sharing): 0, or -1 after
 * timeout_s seconds. */
static inline int ksm_wait_merged(size_t pages, double timeout_s)
{
	return ksm_wait_for(ksm_pages_merged, (long)pages, timeout_s, 2);
}

/* Wait until `pages` pages of this process map KSM pages (its ksm_merging_pages, which
 * other processes' merges do not move, unlike the global counters): 0, or -1 after
 * timeout_s seconds. */
static inline int ksm_wait_merging_self(long pages, double timeout_s)
{
	return ksm_wait_for(ksm_merging_self, pages, timeout_s, 2);
}

/* Wait until full_scans has grown by n: 0, or -1 after timeout_s seconds. */
static inline int ksm_wait_scans(long n, double timeout_s)
{
	return ksm_wait_for(ksm_full_scans, ksm_full_scans() + n, timeout_s, 5);
}

#endif
