/* pagestat PID: what backs a process's memory, frame by frame. For every page of every
 * mapping in /proc/PID/maps it reads /proc/PID/pagemap (is it present, which frame), then
 * /proc/kpageflags and /proc/kpagecount for that frame (is it a KSM page, the zero page,
 * how many map it), and prints one line per mapping and a total:
 *   pagestat: total present N ksm K zero Z ksm_frames F max_ksm_mapcount M */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096
#define KPF_KSM 21
#define KPF_ZERO_PAGE 24
#define MAX_FRAMES 65536

static uint64_t frames[MAX_FRAMES];
static int nframes;

static int read_u64(int fd, uint64_t index, uint64_t *v)
{
	return pread(fd, v, 8, (off_t)(index * 8)) == 8 ? 0 : -1;
}

/* Remember a KSM frame once: whether it was new. */
static int note_frame(uint64_t pfn)
{
	for (int i = 0; i < nframes; i++)
		if (frames[i] == pfn)
			return 0;
	if (nframes < MAX_FRAMES)
		frames[nframes++] = pfn;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pagestat PID\n");
		return 2;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	FILE *maps = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%s/pagemap", argv[1]);
	int pagemap = open(path, O_RDONLY);
	int kflags = open("/proc/kpageflags", O_RDONLY), kcount = open("/proc/kpagecount", O_RDONLY);
	if (!maps || pagemap < 0 || kflags < 0 || kcount < 0) {
		perror("pagestat");
		return 1;
	}
	char line[512];
	long present = 0, ksm = 0, zero = 0;
	uint64_t max_count = 0;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t start, end;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
			continue;
		long vp = 0, vk = 0, vz = 0;
		for (uint64_t va = start; va < end; va += PAGE) {
			uint64_t e, flags, count;
			if (read_u64(pagemap, va / PAGE, &e) || !(e >> 63))
				continue;
			uint64_t pfn = e & ((1ull << 55) - 1);
			vp++;
			if (read_u64(kflags, pfn, &flags) || read_u64(kcount, pfn, &count))
				continue;
			if (flags & (1ull << KPF_ZERO_PAGE))
				vz++;
			if (flags & (1ull << KPF_KSM)) {
				vk++;
				note_frame(pfn);
				if (count > max_count)
					max_count = count;
			}
		}
		line[strcspn(line, "\n")] = 0;
		printf("%s\n    present %ld ksm %ld zero %ld\n", line, vp, vk, vz);
		present += vp;
		ksm += vk;
		zero += vz;
	}
	printf("pagestat: total present %ld ksm %ld zero %ld ksm_frames %d max_ksm_mapcount %" PRIu64 "\n",
	       present, ksm, zero, nframes, max_count);
	return 0;
}
