/* smp-bench: what merging costs the other CPUs, as key=value lines (make bench runs it).
 * ksmd is bound to CPU 0 and merges a region of duplicate pages of this process while a
 * thread of the same process, pinned to CPU 1, keeps writing a buffer of its own: its
 * address space is live on CPU 1, so every write-protect and replacement ksmd makes must
 * reach CPU 1's TLB (a shootdown IPI). Measured: the merge throughput, the writer's
 * throughput alone and during the merge, the shootdowns per merged page and the IPIs per
 * second while ksmd scans (from /proc/interrupts), and the median copy-on-write fault on
 * a merged page with the writer running on CPU 1.
 *
 * usage: smp-bench [MIB]   (default 128; needs 2 CPUs) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include "ksm_util.h"

#define PAGE 4096
#define CONTENTS 64
#define WRITER_BYTES (4 << 20)

static volatile int stop_writer;
static volatile uint64_t written; /* bytes the writer has written */

static int pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(pid, sizeof(set), &set);
}

static void *writer(void *arg)
{
	char *buf = arg;
	if (pin(0, 1))
		return NULL;
	for (int v = 0; !stop_writer; v++) {
		memset(buf, v, WRITER_BYTES);
		written += WRITER_BYTES;
	}
	return NULL;
}

/* The sum over the CPUs of a /proc/interrupts row ("TLB", "RES", "CAL"). */
static uint64_t interrupts(const char *label)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	uint64_t sum = 0;
	size_t n = strlen(label);
	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, label, n) || p[n] != ':')
			continue;
		p += n + 1;
		for (char *end;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += v;
		}
	}
	if (f)
		fclose(f);
	return sum;
}

/* The writer's rate over ms milliseconds, MiB/s. */
static double writer_rate(long ms)
{
	uint64_t w0 = written, t0 = now_ns();
	sleep_ms(ms);
	return (written - w0) / 1048576.0 / ((now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 128;
	size_t pages = (size_t)mib << 8;
	int ksmd = ksmd_pid();
	cpu_set_t ksmd_was;
	if (mib < 1 || sysconf(_SC_NPROCESSORS_ONLN) < 2 || ksmd < 0 ||
	    sched_getaffinity(ksmd, sizeof(ksmd_was), &ksmd_was) || pin(ksmd, 0) || pin(0, 0)) {
		printf("smp-bench: needs 2 CPUs, ksmd and a region of 1 MiB or more\n");
		return 1;
	}
	if (ksm_write("pages_to_scan", "4096") || ksm_write("sleep_millisecs", "10") ||
	    ksm_write("run", "2") || ksm_write("run", "0")) {
		printf("smp-bench: cannot set the KSM knobs\n");
		return 1;
	}
	unsigned char *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf = mmap(NULL, WRITER_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t th;
	if (mem == MAP_FAILED || buf == MAP_FAILED || pthread_create(&th, NULL, writer, buf)) {
		perror("smp-bench: setup");
		return 1;
	}
	for (size_t i = 0; i < pages; i++)
		memset(mem + i * PAGE, (int)(i % CONTENTS) + 1, PAGE);
	while (!written)
		sleep_ms(1);
	double alone = writer_rate(1000);

	uint64_t tlb0 = interrupts("TLB"), ipi0 = interrupts("RES") + interrupts("CAL");
	uint64_t w0 = written, t0 = now_ns();
	madvise(mem, pages * PAGE, MADV_MERGEABLE);
	ksm_write("run", "1");
	if (ksm_wait_merged(pages, 600)) {
		printf("smp-bench: not merged after 600 s\n");
		return 1;
	}
	uint64_t merge_ns = now_ns() - t0;
	double during = (written - w0) / 1048576.0 / (merge_ns / 1e9);
	uint64_t tlb = interrupts("TLB") - tlb0, ipis = interrupts("RES") + interrupts("CAL") - ipi0;
	ksm_write("run", "0"); /* the faults below, not ksmd */

	/* A write fault on a merged page with the writer on CPU 1: the replaced PTE must leave
	 * CPU 1's TLB too. */
	uint64_t cow_median = cow_fault_median_ns(mem, pages);
	stop_writer = 1;
	pthread_join(th, NULL);
	ksm_write("run", "2");
	sched_setaffinity(ksmd, sizeof(ksmd_was), &ksmd_was);

	printf("smp_region_mib=%ld\n", mib);
	printf("smp_merge_mib_s=%.1f\n", mib / (merge_ns / 1e9));
	printf("smp_writer_alone_mib_s=%.0f\n", alone);
	printf("smp_writer_during_merge_mib_s=%.0f\n", during);
	printf("smp_writer_slowdown_pct=%.1f\n", alone > 0 ? 100.0 * (alone - during) / alone : 0.0);
	printf("smp_tlb_shootdowns_per_merged_page=%.2f\n", (double)tlb / pages);
	printf("smp_ipis_per_s=%.0f\n", ipis / (merge_ns / 1e9));
	printf("smp_cow_fault_ns=%llu\n", (unsigned long long)cow_median);
	return 0;
}
