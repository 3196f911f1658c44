/* VMA bookkeeping: insert/merge, munmap splits, mprotect-style changes with re-merging,
 * gap finding, allocation failure leaving everything intact, the total size, references
 * to shared objects through splits, merges and copies, against a page-level model. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/kmalloc.h"
#include "mm/vma.c"

/* Shared anonymous objects, reduced to their reference count. */
struct shmem { int refs; };
void shmem_get(struct shmem *s) { s->refs++; }
void shmem_put(struct shmem *s) { CHECK(s->refs > 0); s->refs--; }

#define P 4096ull

static int nvmas(struct vma_set *vs) { return (int)vs->count; }

/* "start-end:flags" of every VMA, to compare layouts in one string. */
static const char *layout(struct vma_set *vs)
{
	static char buf[1024];
	size_t n = 0;
	struct vma *v;
	buf[0] = 0;
	vma_for_each(v, vs)
		n += snprintf(buf + n, sizeof(buf) - n, "%llx-%llx:%x ", (unsigned long long)(v->start / P),
			      (unsigned long long)(v->end / P), v->flags);
	return buf;
}

static uint64_t unmapped_pages;
static void count_unmap(void *ctx, struct vma *v, uint64_t s, uint64_t e) { unmapped_pages += (e - s) / P; }

static void test_insert_merge(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 100);
	CHECK_EQ(vma_insert(&vs, 10 * P, 20 * P, VMA_READ, NULL), 0);
	CHECK_EQ(vma_insert(&vs, 20 * P, 30 * P, VMA_READ, NULL), 0); /* merges */
	CHECK_EQ(nvmas(&vs), 1);
	CHECK_EQ(vma_insert(&vs, 5 * P, 10 * P, VMA_READ | VMA_WRITE, NULL), 0); /* different flags */
	CHECK_EQ(nvmas(&vs), 2);
	CHECK_EQ(vma_insert(&vs, 40 * P, 50 * P, VMA_READ, NULL), 0);
	CHECK_EQ(vma_insert(&vs, 30 * P, 40 * P, VMA_READ, NULL), 0); /* bridges two */
	CHECK_STR(layout(&vs), "5-a:3 a-32:1 ");
	CHECK(vma_find(&vs, 5 * P) && vma_find(&vs, 5 * P)->end == 10 * P);
	CHECK(vma_find(&vs, 50 * P) == NULL);
	CHECK(vma_find(&vs, 4 * P) == NULL);
	CHECK(vma_find_from(&vs, 4 * P)->start == 5 * P);

	/* file VMAs merge only when their offsets continue */
	static const uint8_t file[100];
	struct vma_file f1 = { file, sizeof(file), 0, "f" }, f2 = { file, sizeof(file), 2 * P, "f" };
	CHECK_EQ(vma_insert(&vs, 100 * P, 101 * P, VMA_READ | VMA_FILE, &f1), 0);
	CHECK_EQ(vma_insert(&vs, 101 * P, 102 * P, VMA_READ | VMA_FILE, &f2), 0);
	CHECK_EQ(nvmas(&vs), 4);
	f2.offset = P * 3;
	CHECK_EQ(vma_insert(&vs, 102 * P, 103 * P, VMA_READ | VMA_FILE, &f2), 0);
	CHECK_EQ(nvmas(&vs), 4);
	vma_free_all(&vs);
	CHECK_EQ(nvmas(&vs), 0);
}

static void test_remove(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 100);
	vma_insert(&vs, 10 * P, 30 * P, VMA_READ | VMA_WRITE, NULL);
	unmapped_pages = 0;
	CHECK_EQ(vma_remove(&vs, 15 * P, 20 * P, count_unmap, NULL), 0); /* hole */
	CHECK_STR(layout(&vs), "a-f:3 14-1e:3 ");
	CHECK_EQ(unmapped_pages, 5);
	CHECK_EQ(vma_remove(&vs, 0, 12 * P, count_unmap, NULL), 0); /* head trim */
	CHECK_EQ(vma_remove(&vs, 28 * P, 40 * P, count_unmap, NULL), 0); /* tail trim */
	CHECK_STR(layout(&vs), "c-f:3 14-1c:3 ");
	CHECK_EQ(vma_remove(&vs, 13 * P, 25 * P, count_unmap, NULL), 0); /* across two */
	CHECK_STR(layout(&vs), "c-d:3 19-1c:3 ");
	CHECK_EQ(unmapped_pages, 5 + 2 + 2 + 2 + 5);
	CHECK_EQ(vma_remove(&vs, 0, 100 * P, count_unmap, NULL), 0);
	CHECK_EQ(nvmas(&vs), 0);
	CHECK_EQ(vma_remove(&vs, 0, 100 * P, count_unmap, NULL), 0); /* nothing there: fine */

	/* file offsets follow the trims */
	static const uint8_t file[10];
	struct vma_file f = { file, sizeof(file), 0, "f" };
	vma_insert(&vs, 10 * P, 20 * P, VMA_READ | VMA_FILE, &f);
	vma_remove(&vs, 12 * P, 14 * P, count_unmap, NULL);
	vma_remove(&vs, 10 * P, 11 * P, count_unmap, NULL);
	struct vma *a = vma_find(&vs, 11 * P), *b = vma_find(&vs, 14 * P);
	CHECK_EQ(a->file.offset, 1 * P);
	CHECK_EQ(b->file.offset, 4 * P);
	vma_free_all(&vs);
}

static int veto_exec(void *ctx, struct vma *v) { return (v->flags & VMA_EXEC) ? -13 : 0; }
static uint64_t applied_pages;
static void count_apply(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t nf) { applied_pages += (e - s) / P; }

static void test_change(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 100);
	vma_insert(&vs, 10 * P, 30 * P, VMA_READ | VMA_WRITE, NULL);
	/* mprotect the middle read-only: three VMAs */
	CHECK_EQ(vma_change(&vs, 15 * P, 20 * P, 0, VMA_WRITE, NULL, count_apply, NULL), 0);
	CHECK_STR(layout(&vs), "a-f:3 f-14:1 14-1e:3 ");
	CHECK_EQ(applied_pages, 5);
	/* and back: merges into one again */
	CHECK_EQ(vma_change(&vs, 15 * P, 20 * P, VMA_WRITE, 0, NULL, NULL, NULL), 0);
	CHECK_STR(layout(&vs), "a-1e:3 ");
	/* madvise(MERGEABLE) on a range with a hole: -ENOMEM, nothing changes */
	vma_insert(&vs, 40 * P, 50 * P, VMA_READ | VMA_WRITE, NULL);
	CHECK_EQ(vma_change(&vs, 20 * P, 45 * P, VMA_MERGEABLE, 0, NULL, NULL, NULL), -ENOMEM);
	CHECK_STR(layout(&vs), "a-1e:3 28-32:3 ");
	CHECK_EQ(vma_change(&vs, 5 * P, 12 * P, VMA_MERGEABLE, 0, NULL, NULL, NULL), -ENOMEM);
	/* the whole of one VMA and part of... one VMA: flags change exactly there */
	CHECK_EQ(vma_change(&vs, 10 * P, 30 * P, VMA_MERGEABLE, 0, NULL, NULL, NULL), 0);
	CHECK_STR(layout(&vs), "a-1e:23 28-32:3 ");
	/* a change at the very end of a VMA */
	CHECK_EQ(vma_change(&vs, 29 * P, 30 * P, 0, VMA_MERGEABLE, NULL, NULL, NULL), 0);
	CHECK_STR(layout(&vs), "a-1d:23 1d-1e:3 28-32:3 ");
	/* a veto stops everything */
	vma_insert(&vs, 60 * P, 61 * P, VMA_READ | VMA_EXEC, NULL);
	vma_insert(&vs, 61 * P, 62 * P, VMA_READ, NULL);
	CHECK_EQ(vma_change(&vs, 60 * P, 62 * P, VMA_MERGEABLE, 0, veto_exec, NULL, NULL), -13);
	CHECK_STR(layout(&vs), "a-1d:23 1d-1e:3 28-32:3 3c-3d:5 3d-3e:1 ");
	vma_free_all(&vs);
}

static void test_limits_and_failures(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 3);
	vma_insert(&vs, 10 * P, 20 * P, VMA_READ, NULL);
	vma_insert(&vs, 30 * P, 40 * P, VMA_READ, NULL);
	CHECK_EQ(vma_insert(&vs, 50 * P, 60 * P, VMA_READ, NULL), 0);
	CHECK_EQ(vma_insert(&vs, 70 * P, 80 * P, VMA_READ, NULL), -ENOMEM); /* max_count */
	CHECK_EQ(vma_remove(&vs, 12 * P, 14 * P, count_unmap, NULL), -ENOMEM); /* split over max */
	CHECK_EQ(vma_change(&vs, 12 * P, 14 * P, VMA_WRITE, 0, NULL, NULL, NULL), -ENOMEM);
	CHECK_STR(layout(&vs), "a-14:1 1e-28:1 32-3c:1 ");
	vs.max_count = 100;
	kmalloc_fail_after = 1; /* the first spare succeeds, the second fails */
	CHECK_EQ(vma_change(&vs, 12 * P, 14 * P, VMA_WRITE, 0, NULL, NULL, NULL), -ENOMEM);
	kmalloc_fail_after = 0;
	CHECK_EQ(vma_remove(&vs, 12 * P, 14 * P, count_unmap, NULL), -ENOMEM);
	CHECK_EQ(vma_insert(&vs, 70 * P, 80 * P, VMA_READ | VMA_WRITE, NULL), -ENOMEM);
	struct vma_set copy;
	vma_set_init(&copy, 100);
	CHECK_EQ(vma_copy_all(&copy, &vs), -ENOMEM);
	CHECK_EQ(nvmas(&copy), 0);
	kmalloc_fail_after = -1;
	CHECK_STR(layout(&vs), "a-14:1 1e-28:1 32-3c:1 ");
	CHECK_EQ(vma_copy_all(&copy, &vs), 0);
	CHECK_STR(layout(&copy), "a-14:1 1e-28:1 32-3c:1 ");
	vma_free_all(&copy);
	vma_free_all(&vs);
}

static void test_gap(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 100);
	CHECK_EQ(vma_find_gap(&vs, 10 * P, 0, 100 * P), 90 * P);
	vma_insert(&vs, 90 * P, 100 * P, VMA_READ, NULL);
	vma_insert(&vs, 50 * P, 85 * P, VMA_READ, NULL);
	CHECK_EQ(vma_find_gap(&vs, 5 * P, 0, 100 * P), 85 * P);
	CHECK_EQ(vma_find_gap(&vs, 6 * P, 0, 100 * P), 44 * P);
	CHECK_EQ(vma_find_gap(&vs, 50 * P, 0, 100 * P), 0);
	CHECK_EQ(vma_find_gap(&vs, 50 * P, 0, 50 * P), 0);
	CHECK_EQ(vma_find_gap(&vs, 49 * P, 1 * P, 100 * P), 1 * P);
	CHECK_EQ(vma_find_gap(&vs, 5 * P, 0, 95 * P), 85 * P); /* window top inside a VMA */
	CHECK_EQ(vma_find_gap(&vs, 5 * P, 60 * P, 200 * P), 195 * P);
	vma_free_all(&vs);
}

/* Random operations against a page-level model of the flags. */
static void test_bytes_and_shm(void)
{
	struct vma_set vs;
	vma_set_init(&vs, 100);
	struct shmem obj = { 1 }; /* the creator's reference */
	CHECK_EQ(vma_insert(&vs, 10 * P, 20 * P, VMA_READ, NULL), 0);
	CHECK_EQ(vs.bytes, 10 * P);
	CHECK_EQ(vma_insert_shm(&vs, 20 * P, 30 * P, VMA_READ | VMA_SHARED, &obj, 0), 0);
	CHECK_EQ(obj.refs, 2);
	CHECK_EQ(nvmas(&vs), 2); /* shared and private never merge */
	CHECK_EQ(vs.bytes, 20 * P);
	/* a hole splits: both halves reference the object, the tail at the right offset */
	CHECK_EQ(vma_remove(&vs, 22 * P, 24 * P, count_unmap, NULL), 0);
	CHECK_EQ(obj.refs, 3);
	CHECK_EQ(vs.bytes, 18 * P);
	struct vma *tail = vma_find(&vs, 24 * P);
	CHECK(tail && tail->shm == &obj && tail->shm_off == 4 * P);
	/* a head trim moves the offset */
	CHECK_EQ(vma_remove(&vs, 20 * P, 21 * P, count_unmap, NULL), 0);
	CHECK_EQ(vma_find(&vs, 21 * P)->shm_off, 1 * P);
	/* mprotect-style split and re-merge keep the count right */
	CHECK_EQ(vma_change(&vs, 25 * P, 26 * P, VMA_WRITE, 0, NULL, NULL, NULL), 0);
	CHECK_EQ(obj.refs, 5);
	CHECK_EQ(vma_change(&vs, 25 * P, 26 * P, 0, VMA_WRITE, NULL, NULL, NULL), 0);
	CHECK_EQ(obj.refs, 3);
	CHECK_STR(layout(&vs), "a-14:1 15-16:9 18-1e:9 ");
	/* re-inserting the hole at the matching offset merges everything back */
	CHECK_EQ(vma_insert_shm(&vs, 22 * P, 24 * P, VMA_READ | VMA_SHARED, &obj, 2 * P), 0);
	CHECK_EQ(vma_insert_shm(&vs, 20 * P, 21 * P, VMA_READ | VMA_SHARED, &obj, 0), 0);
	CHECK_STR(layout(&vs), "a-14:1 14-1e:9 ");
	CHECK_EQ(obj.refs, 2);
	/* a different object, or a non-contiguous offset, does not merge */
	struct shmem other = { 1 };
	CHECK_EQ(vma_insert_shm(&vs, 30 * P, 31 * P, VMA_READ | VMA_SHARED, &other, 0), 0);
	CHECK_EQ(vma_insert_shm(&vs, 31 * P, 32 * P, VMA_READ | VMA_SHARED, &obj, 11 * P), 0);
	CHECK_EQ(vma_insert_shm(&vs, 32 * P, 33 * P, VMA_READ | VMA_SHARED, &obj, 20 * P), 0);
	CHECK_EQ(nvmas(&vs), 5);
	CHECK_EQ(vs.bytes, (10 + 10 + 3) * P);
	/* fork copies: one more reference per copied VMA; a failed copy leaves none */
	struct vma_set copy;
	vma_set_init(&copy, 100);
	kmalloc_fail_after = 3;
	CHECK_EQ(vma_copy_all(&copy, &vs), -ENOMEM);
	kmalloc_fail_after = -1;
	CHECK_EQ(obj.refs, 4);
	CHECK_EQ(copy.bytes, 0);
	CHECK_EQ(vma_copy_all(&copy, &vs), 0);
	CHECK_EQ(obj.refs, 7);
	CHECK_EQ(other.refs, 3);
	CHECK_EQ(copy.bytes, vs.bytes);
	vma_free_all(&copy);
	vma_free_all(&vs);
	CHECK_EQ(obj.refs, 1);
	CHECK_EQ(other.refs, 1);
	CHECK_EQ(vs.bytes, 0);
	/* helpers */
	vma_insert(&vs, 10 * P, 20 * P, VMA_READ, NULL);
	CHECK(vma_range_free(&vs, 0, 10 * P) && vma_range_free(&vs, 20 * P, 30 * P));
	CHECK(!vma_range_free(&vs, 0, 11 * P) && !vma_range_free(&vs, 19 * P, 30 * P));
	CHECK(vma_next(&vs, vma_find(&vs, 10 * P)) == NULL);
	vma_free_all(&vs);
}

static void test_random(void)
{
	enum { N = 256 };
	static int model[N]; /* -1 unmapped, else flags */
	struct vma_set vs;
	vma_set_init(&vs, 1000);
	for (int i = 0; i < N; i++)
		model[i] = -1;
	srand(3);
	bool ok = true, merged = true;
	for (int round = 0; round < 20000 && ok; round++) {
		int a = rand() % N, b = a + 1 + rand() % 16;
		if (b > N) b = N;
		int op = rand() % 3;
		uint32_t fl = (uint32_t)(rand() % 4);
		if (op == 0) {
			bool free_range = true;
			for (int i = a; i < b; i++)
				free_range &= model[i] < 0;
			if (!free_range)
				continue;
			ok &= vma_insert(&vs, a * P, b * P, fl, NULL) == 0;
			for (int i = a; i < b; i++)
				model[i] = fl;
		} else if (op == 1) {
			vma_remove(&vs, a * P, b * P, count_unmap, NULL);
			for (int i = a; i < b; i++)
				model[i] = -1;
		} else {
			bool mapped = true;
			for (int i = a; i < b; i++)
				mapped &= model[i] >= 0;
			int rc = vma_change(&vs, a * P, b * P, fl, 3 & ~fl, NULL, NULL, NULL);
			ok &= rc == (mapped ? 0 : -ENOMEM);
			if (mapped)
				for (int i = a; i < b; i++)
					model[i] = fl;
		}
		for (int i = 0; i < N; i++) {
			struct vma *v = vma_find(&vs, i * P);
			ok &= model[i] < 0 ? v == NULL : v && (int)v->flags == model[i];
		}
		struct vma *v, *prev = NULL;
		uint64_t bytes = 0;
		for (int i = 0; i < N; i++)
			bytes += model[i] >= 0 ? P : 0;
		ok &= vs.bytes == bytes;
		vma_for_each(v, &vs) {
			ok &= v->start < v->end;
			if (prev) {
				ok &= prev->end <= v->start;
				merged &= !mergeable(prev, v);
			}
			prev = v;
		}
	}
	CHECK(ok);
	CHECK(merged);
	vma_free_all(&vs);
}

/* vma_change callback of a userfaultfd registration: the piece reports to ctx. */
static void set_uffd(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t newflags)
{
	v->uffd = (newflags & VMA_UFFD_MASK) ? ctx : NULL;
}

/* Userfaultfd registrations: VMAs of different contexts never merge, and a copy (fork)
 * drops them. */
static void test_uffd_registration(void)
{
	struct vma_set vs, copy;
	struct uffd_ctx *a = (struct uffd_ctx *)0x1000, *b = (struct uffd_ctx *)0x2000;
	vma_set_init(&vs, 100);
	vma_set_init(&copy, 100);
	vma_insert(&vs, 10 * P, 30 * P, VMA_READ | VMA_WRITE, NULL);
	CHECK_EQ(vma_change(&vs, 12 * P, 16 * P, VMA_UFFD_WP, VMA_UFFD_MASK, NULL, set_uffd, a), 0);
	CHECK_EQ(vma_change(&vs, 16 * P, 20 * P, VMA_UFFD_WP, VMA_UFFD_MASK, NULL, set_uffd, b), 0);
	CHECK_STR(layout(&vs), "a-c:3 c-10:203 10-14:203 14-1e:3 ");
	/* the same context and modes: one VMA */
	CHECK_EQ(vma_change(&vs, 16 * P, 20 * P, VMA_UFFD_WP, VMA_UFFD_MASK, NULL, set_uffd, a), 0);
	CHECK_STR(layout(&vs), "a-c:3 c-14:203 14-1e:3 ");
	CHECK(vma_find(&vs, 13 * P)->uffd == a);
	CHECK_EQ(vma_copy_all(&copy, &vs), 0);
	CHECK_STR(layout(&copy), "a-c:3 c-14:3 14-1e:3 ");
	CHECK(vma_find(&copy, 13 * P)->uffd == NULL);
	/* unregistered: everything merges back */
	CHECK_EQ(vma_change(&vs, 12 * P, 20 * P, 0, VMA_UFFD_MASK, NULL, set_uffd, a), 0);
	CHECK_STR(layout(&vs), "a-1e:3 ");
	vma_free_all(&vs);
	vma_free_all(&copy);
}

int main(void)
{
	test_insert_merge();
	test_remove();
	test_change();
	test_limits_and_failures();
	test_gap();
	test_bytes_and_shm();
	test_random();
	test_uffd_registration();
	return check_summary("vma");
}
