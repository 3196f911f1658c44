/* procmap: the PROCMAP_QUERY ioctl of /proc/PID/maps as Linux 6.11+ has it (the selftests'
 * vm_util.c find_vma_procmap uses it): covering and next-VMA queries, ENOENT past the last
 * VMA or in a hole, the permission and file-backed filters, VMA names ([heap], [stack],
 * the executable's path, none for anonymous memory), and Linux's validation of the
 * extensible struct (EINVAL, E2BIG, ENAMETOOLONG, a short struct written back short).
 * Prints one line per failure and "procmap: N checks, F failed". */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define SELFCHECK_NAME "procmap"
#include "selfcheck.h"

#define PAGE 4096

/* include/uapi/linux/fs.h (6.18), which musl's headers lack. */
struct procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size;
	uint64_t vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define Q_READABLE 0x01
#define Q_WRITABLE 0x02
#define Q_EXECUTABLE 0x04
#define Q_SHARED 0x08
#define Q_COVERING_OR_NEXT 0x10
#define Q_FILE_BACKED 0x20

static int maps;
static char name[256];

/* Query addr with flags, asking for the name: 0 or -errno; q holds the answer. */
static int query(struct procmap_query *q, uint64_t addr, uint64_t flags)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_addr = addr;
	q->query_flags = flags;
	q->vma_name_addr = (uintptr_t)name;
	q->vma_name_size = sizeof(name);
	memset(name, 0x7f, sizeof(name));
	return ioctl(maps, PROCMAP_QUERY, q) ? -errno : 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	maps = open("/proc/self/maps", O_RDONLY);
	CHECK(maps >= 0);
	struct procmap_query q;

	/* A: one RW page, a hole, B: two read-only pages. */
	char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != MAP_FAILED && munmap(a + PAGE, PAGE) == 0 && mprotect(a + 2 * PAGE, 2 * PAGE, PROT_READ) == 0);
	uint64_t A = (uintptr_t)a, B = A + 2 * PAGE;
	CHECK(query(&q, A + 10, 0) == 0 && q.vma_start == A && q.vma_end == A + PAGE);
	CHECK(q.vma_flags == (Q_READABLE | Q_WRITABLE) && q.vma_page_size == PAGE && q.vma_offset == 0);
	CHECK(q.inode == 0 && q.dev_major == 0 && q.dev_minor == 0 && q.build_id_size == 0);
	CHECK(q.vma_name_size == 0 && (unsigned char)name[0] == 0x7f); /* anonymous: no name */
	CHECK(query(&q, A + PAGE, 0) == -ENOENT);
	CHECK(query(&q, A + PAGE, Q_COVERING_OR_NEXT) == 0 && q.vma_start == B && q.vma_end == B + 2 * PAGE);
	CHECK(q.vma_flags == Q_READABLE);
	CHECK(query(&q, B + PAGE, Q_WRITABLE) == -ENOENT);
	CHECK(query(&q, A, Q_EXECUTABLE) == -ENOENT);
	CHECK(query(&q, A, Q_READABLE | Q_WRITABLE) == 0 && q.vma_start == A);
	CHECK(query(&q, A + PAGE, Q_WRITABLE | Q_COVERING_OR_NEXT) == 0 && q.vma_start > B &&
	      (q.vma_flags & Q_WRITABLE));

	/* Past the last VMA (the stack ends below 0x7ffffffff000). */
	CHECK(query(&q, 0x7ffffffff000ull, Q_COVERING_OR_NEXT) == -ENOENT);
	CHECK(query(&q, 0x7ffffffff000ull, 0) == -ENOENT);

	/* Names: the executable's text, the heap, the stack, shared anonymous memory. */
	uint64_t text = (uintptr_t)&main;
	CHECK(query(&q, text, 0) == 0 && q.vma_start <= text && text < q.vma_end);
	CHECK((q.vma_flags & (Q_READABLE | Q_EXECUTABLE)) == (Q_READABLE | Q_EXECUTABLE));
	CHECK(q.vma_name_size == strlen("/bin/procmap") + 1 && !strcmp(name, "/bin/procmap"));
	uint64_t text_start = q.vma_start;
	CHECK(query(&q, 0, Q_FILE_BACKED | Q_COVERING_OR_NEXT) == 0 && q.vma_start <= text_start);
	CHECK(!strcmp(name, "/bin/procmap"));
	CHECK(query(&q, A, Q_FILE_BACKED) == -ENOENT);
	char *heap = (char *)syscall(SYS_brk, 0); /* musl's sbrk only reports the break */
	CHECK(syscall(SYS_brk, heap + PAGE) == (long)(heap + PAGE));
	CHECK(query(&q, (uintptr_t)heap, 0) == 0 && q.vma_name_size == 7 && !strcmp(name, "[heap]"));
	int local;
	CHECK(query(&q, (uintptr_t)&local, 0) == 0 && q.vma_name_size == 8 && !strcmp(name, "[stack]"));
	char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(s != MAP_FAILED);
	CHECK(query(&q, 0, Q_SHARED | Q_COVERING_OR_NEXT) == 0 && q.vma_start == (uintptr_t)s);
	CHECK(q.vma_flags == (Q_READABLE | Q_WRITABLE | Q_SHARED) && !strcmp(name, "/dev/zero (deleted)"));

	/* A name buffer too small, or a name without a buffer. */
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = (uintptr_t)heap;
	q.vma_name_addr = (uintptr_t)name;
	q.vma_name_size = 6; /* "[heap]" needs 7 with its NUL */
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == ENAMETOOLONG);
	q.vma_name_size = 7;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == 0 && q.vma_name_size == 7);
	q.vma_name_addr = 0;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == EINVAL);
	q.vma_name_size = 0;
	q.build_id_size = 20;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == EINVAL);

	/* The struct's size and flags. */
	memset(&q, 0, sizeof(q));
	q.query_addr = A;
	q.size = 16;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == EINVAL);
	q.size = 24; /* just query_addr: answered, written back no further */
	q.vma_start = 0xdead;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == 0 && q.vma_start == 0xdead);
	q.size = PAGE + 8;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == E2BIG);
	struct { struct procmap_query q; uint64_t tail; } big;
	memset(&big, 0, sizeof(big));
	big.q.size = sizeof(big);
	big.q.query_addr = A;
	CHECK(ioctl(maps, PROCMAP_QUERY, &big) == 0 && big.q.vma_start == A && big.tail == 0);
	big.tail = 1;
	CHECK(ioctl(maps, PROCMAP_QUERY, &big) == -1 && errno == E2BIG);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = A;
	q.query_flags = 0x40;
	CHECK(ioctl(maps, PROCMAP_QUERY, &q) == -1 && errno == EINVAL);
	CHECK(ioctl(maps, PROCMAP_QUERY, NULL) == -1 && errno == EFAULT);
	CHECK(ioctl(maps, _IOWR('f', 17, uint64_t), &q) == -1 && errno == ENOTTY);

	close(maps);
	return checks_report();
}
