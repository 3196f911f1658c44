/* Virtual memory areas: the sorted, non-overlapping ranges of an address space and what
 * backs them. Pure bookkeeping (no page tables), unit-tested in tests/unit/test_vma.c. */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "lib/compiler.h"
#include "lib/list.h"

/* VMA flags. */
#define VMA_READ      (1u << 0)
#define VMA_WRITE     (1u << 1)
#define VMA_EXEC      (1u << 2)
#define VMA_SHARED    (1u << 3)	/* MAP_SHARED (else private, copy-on-write) */
#define VMA_FILE      (1u << 4)	/* backed by file data (else anonymous) */
#define VMA_MERGEABLE (1u << 5)	/* MADV_MERGEABLE: ksmd may merge its pages */
#define VMA_STACK     (1u << 6)	/* the main stack (shown as [stack]) */
#define VMA_HEAP      (1u << 7)	/* the brk area (shown as [heap]) */
#define VMA_UFFD_MISSING (1u << 8) /* userfaultfd: report faults on missing pages (uffd) */
#define VMA_UFFD_WP   (1u << 9)	/* userfaultfd: report writes to write-protected pages */
#define VMA_UFFD_MASK (VMA_UFFD_MISSING | VMA_UFFD_WP)
#define VMA_SPECIAL   (1u << 10) /* the kernel's own mapping ([vvar], [vdso]): not for KSM */
#define VMA_PROT_MASK (VMA_READ | VMA_WRITE | VMA_EXEC)

/* Where a file-backed VMA's bytes come from: initramfs files live in memory for good, so a
 * pointer and a size are the whole "file". The byte at VMA address a is
 * data[a - start + offset] when that index is below size, else zero. */
struct vma_file {
	const uint8_t *data;
	uint64_t size;
	uint64_t offset;	/* file offset of vma->start (page-aligned) */
	const char *name;	/* path shown in /proc/PID/maps */
};

struct shmem;
struct uffd_ctx;

struct vma {
	uint64_t start, end;	/* page-aligned, [start, end) */
	uint32_t flags;
	struct vma_file file;	/* valid when flags & VMA_FILE */
	struct shmem *shm;	/* VMA_SHARED anonymous: the object holding the pages, which
				 * this VMA references (shmem_get/put, done here) */
	uint64_t shm_off;	/* byte offset in shm of start (page-aligned) */
	struct uffd_ctx *uffd;	/* the userfaultfd the VMA_UFFD_* modes report to (unreferenced:
				 * it clears them before it goes), else NULL */
	struct list_head node;	/* in vma_set.list, by address */
};

/* Reference counting of shared anonymous objects (mm/shmem.c; a stub in the host tests):
 * every VMA with a shm holds one reference, so splits, copies and merges take and drop
 * them here. */
void shmem_get(struct shmem *s);
void shmem_put(struct shmem *s);

/* All VMAs of one address space, guarded by the owning mm's lock. */
struct vma_set {
	struct list_head list;
	unsigned count;
	unsigned max_count;	/* like vm.max_map_count */
	uint64_t bytes;		/* total size of the VMAs (VmSize) */
	struct vma *cache;	/* last VMA found: faults come in runs */
};

void vma_set_init(struct vma_set *vs, unsigned max_count);
/* The VMA containing addr, or NULL. */
struct vma *vma_find(struct vma_set *vs, uint64_t addr);
/* The first VMA ending above addr (containing it or after it), or NULL. */
struct vma *vma_find_from(struct vma_set *vs, uint64_t addr);
/* The VMA after v, or NULL. */
struct vma *vma_next(struct vma_set *vs, struct vma *v);
/* No VMA overlaps [start, end). */
bool vma_range_free(struct vma_set *vs, uint64_t start, uint64_t end);
/* Add [start, end) with flags (and file backing, or NULL); the range must be free. Merges
 * with compatible neighbours. Returns 0, or -ENOMEM (no memory or max_count reached). */
int vma_insert(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t flags,
	       const struct vma_file *file);
/* The same for a VMA_SHARED anonymous range backed by shm from byte offset off; the new
 * VMA takes its own reference on shm. */
int vma_insert_shm(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t flags,
		   struct shmem *shm, uint64_t off);
/* Remove [start, end) from every VMA it touches, splitting at the edges; calls unmap(ctx,
 * vma, s, e) for each piece before it goes (to clear page tables). Returns 0 or -ENOMEM
 * (a split needed memory; nothing was changed then). */
int vma_remove(struct vma_set *vs, uint64_t start, uint64_t end,
	       void (*unmap)(void *ctx, struct vma *v, uint64_t s, uint64_t e), void *ctx);
/* Set and clear flags over [start, end), splitting and re-merging. Every byte of the range
 * must be mapped, else -ENOMEM and nothing changes. check(ctx, vma) may veto with an error
 * (e.g. -EACCES, -EINVAL) before anything changes; apply(ctx, vma, s, e, newflags) is called
 * for each piece before its flags change (to update page tables). */
int vma_change(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t set, uint32_t clear,
	       int (*check)(void *ctx, struct vma *v),
	       void (*apply)(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t newflags),
	       void *ctx);
/* Highest free gap of len bytes inside [lo, hi), or 0 if none. */
uint64_t vma_find_gap(struct vma_set *vs, uint64_t len, uint64_t lo, uint64_t hi);
/* Copy every VMA of src into the empty dst (fork; shared objects gain a reference per
 * copy, userfaultfd registrations are not copied, as Linux's fork without
 * UFFD_FEATURE_EVENT_FORK); dst keeps its own max_count. Returns 0 or -ENOMEM (dst then emptied). */
int vma_copy_all(struct vma_set *dst, struct vma_set *src);
/* Free every VMA (the page tables are the caller's business). */
void vma_free_all(struct vma_set *vs);

#define vma_for_each(v, vs) list_for_each_entry_vma(v, &(vs)->list)
#define list_for_each_entry_vma(v, head) \
	for (v = list_entry((head)->next, struct vma, node); &v->node != (head); \
	     v = list_entry(v->node.next, struct vma, node))

#endif
