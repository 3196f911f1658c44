/* The PROCMAP_QUERY ioctl of /proc/PID/maps (Linux 6.11): one VMA's /proc/PID/maps line as
 * a binary struct, found by address (the VMA covering it, or with
 * PROCMAP_QUERY_COVERING_OR_NEXT_VMA the first one after it) and filtered by permissions
 * and file backing, with Linux's validation of the extensible argument struct and its
 * errno values. There are no build IDs here: build_id_size always comes back 0. */
#include "fs/procfs.h"
#include "mm/addrspace.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PROCMAP_QUERY_VMA_READABLE         0x01
#define PROCMAP_QUERY_VMA_WRITABLE         0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE       0x04
#define PROCMAP_QUERY_VMA_SHARED           0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY_FILE_BACKED_VMA      0x20
#define PROCMAP_QUERY_VMA_FLAGS (PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE | \
				 PROCMAP_QUERY_VMA_EXECUTABLE | PROCMAP_QUERY_VMA_SHARED)
#define PROCMAP_QUERY_VALID_FLAGS (PROCMAP_QUERY_VMA_FLAGS | PROCMAP_QUERY_COVERING_OR_NEXT_VMA | \
				   PROCMAP_QUERY_FILE_BACKED_VMA)

/* Linux's struct procmap_query (include/uapi/linux/fs.h), all of it as of 6.18. */
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;		/* in */
	uint64_t query_addr;		/* in */
	uint64_t vma_start;		/* out */
	uint64_t vma_end;		/* out */
	uint64_t vma_flags;		/* out: PROCMAP_QUERY_VMA_* */
	uint64_t vma_page_size;		/* out */
	uint64_t vma_offset;		/* out */
	uint64_t inode;			/* out */
	uint32_t dev_major;		/* out */
	uint32_t dev_minor;		/* out */
	uint32_t vma_name_size;		/* in/out: buffer size in, name size (NUL included) out */
	uint32_t build_id_size;		/* in/out */
	uint64_t vma_name_addr;		/* in */
	uint64_t build_id_addr;		/* in */
};

/* _IOWR('f', 17, struct procmap_query) */
#define IOC_READ_WRITE 3UL
#define PROCMAP_QUERY_CMD ((IOC_READ_WRITE << 30) | (sizeof(struct procmap_query) << 16) | \
			   ('f' << 8) | 17)

/* The smallest struct accepted: up to and including query_addr. */
#define PROCMAP_QUERY_MIN_SIZE (offsetof(struct procmap_query, query_addr) + sizeof(uint64_t))

/* What the VMA walk looks for, and what it copies out of the VMA it finds. */
struct procmap_match {
	uint64_t addr, flags;		/* the query */
	bool done, found;
	uint64_t start, end, vma_flags, offset;
	const char *name;		/* lives for good (proc_vma_name) */
};

static uint64_t query_flags_of(const struct vma *v)
{
	uint64_t f = 0;
	if (v->flags & VMA_READ)
		f |= PROCMAP_QUERY_VMA_READABLE;
	if (v->flags & VMA_WRITE)
		f |= PROCMAP_QUERY_VMA_WRITABLE;
	if (v->flags & VMA_EXEC)
		f |= PROCMAP_QUERY_VMA_EXECUTABLE;
	if (v->flags & VMA_SHARED)
		f |= PROCMAP_QUERY_VMA_SHARED;
	return f;
}

/* mm_for_each_vma callback, in address order: as Linux's query_matching_vma, the first VMA
 * ending above addr decides unless COVERING_OR_NEXT lets the search go on past VMAs that
 * do not pass the filters. Shared anonymous VMAs count as file-backed (Linux's shmem file). */
static void match_vma(const struct vma *v, void *ctx)
{
	struct procmap_match *m = ctx;
	if (m->done || v->end <= m->addr)
		return;
	bool next_ok = m->flags & PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	uint64_t want = m->flags & PROCMAP_QUERY_VMA_FLAGS;
	bool file_backed = (v->flags & VMA_FILE) || v->shm;
	bool pass = (!(m->flags & PROCMAP_QUERY_FILE_BACKED_VMA) || file_backed) &&
		    (query_flags_of(v) & want) == want;
	if (!pass) {
		m->done = !next_ok;
		return;
	}
	m->done = true;
	if (!next_ok && v->start > m->addr)
		return;
	m->found = true;
	m->start = v->start;
	m->end = v->end;
	m->vma_flags = query_flags_of(v);
	m->offset = v->flags & VMA_FILE ? v->file.offset : v->shm ? v->shm_off : 0;
	m->name = proc_vma_name(v);
}

/* Linux's copy_struct_from_user: the first usize bytes of the user's struct into q (zero
 * beyond them), and any bytes past sizeof(*q) must be zero (-E2BIG). 0 or -errno. */
static int copy_query_from_user(struct procmap_query *q, unsigned long uarg, uint64_t usize)
{
	memset(q, 0, sizeof(*q));
	if (copy_from_user(q, (void *)uarg, MIN(usize, sizeof(*q))))
		return -EFAULT;
	uint8_t tail[64];
	for (uint64_t off = sizeof(*q); off < usize;) {
		size_t n = MIN(usize - off, sizeof(tail));
		if (copy_from_user(tail, (void *)(uarg + off), n))
			return -EFAULT;
		for (size_t i = 0; i < n; i++)
			if (tail[i])
				return -E2BIG;
		off += n;
	}
	return 0;
}

static long procmap_query(struct mm *mm, unsigned long uarg)
{
	uint64_t usize;
	if (copy_from_user(&usize, (void *)uarg, sizeof(usize)))
		return -EFAULT;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < PROCMAP_QUERY_MIN_SIZE)
		return -EINVAL;
	struct procmap_query q;
	int rc = copy_query_from_user(&q, uarg, usize);
	if (rc)
		return rc;
	if ((q.query_flags & ~(uint64_t)PROCMAP_QUERY_VALID_FLAGS) ||
	    !q.vma_name_size != !q.vma_name_addr || !q.build_id_size != !q.build_id_addr)
		return -EINVAL;
	if (!mm)
		return -ESRCH;
	struct procmap_match m = { .addr = q.query_addr, .flags = q.query_flags };
	mm_for_each_vma(mm, match_vma, &m);
	if (!m.found)
		return -ENOENT;
	q.vma_start = m.start;
	q.vma_end = m.end;
	q.vma_flags = m.vma_flags;
	q.vma_page_size = PAGE_SIZE;
	q.vma_offset = m.offset;
	q.inode = 0;		/* as /proc/PID/maps shows them here */
	q.dev_major = q.dev_minor = 0;
	q.build_id_size = 0;
	if (q.vma_name_size) {
		size_t room = MIN((size_t)q.vma_name_size, (size_t)PATH_MAX);
		size_t len = m.name ? strlen(m.name) + 1 : 0;
		if (len > room)
			return -ENAMETOOLONG;
		if (len && copy_to_user((void *)q.vma_name_addr, m.name, len))
			return -EFAULT;
		q.vma_name_size = len;
	}
	if (copy_to_user((void *)uarg, &q, MIN(usize, sizeof(q))))
		return -EFAULT;
	return 0;
}

long procmap_ioctl(struct mm *mm, unsigned long req, unsigned long arg)
{
	return req == PROCMAP_QUERY_CMD ? procmap_query(mm, arg) : -ENOTTY;
}
