/* The mmap family, brk, exec's fixed mappings and the merge-any switch, with Linux's
 * argument checks and errno values (see addrspace.h for the deviations). Nothing is
 * populated here: pages come with faults. Unmapping goes through zap_range(), which keeps
 * reverse maps, mapcounts, references and rss exact, and frees the page tables left empty. */
#include "mm/mapping.h"
#include "mm/pgtable.h"
#include "mm/shmem.h"
#include "mm/ksm.h"
#include "mm/swap.h"
#include "kernel/lock.h"
#include "lib/errno.h"
#include "kernel/printk.h"

#define MAP_KNOWN (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | \
		   MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | \
		   MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE)

static uint32_t prot_to_vma(int prot)
{
	return (prot & PROT_READ ? VMA_READ : 0) | (prot & PROT_WRITE ? VMA_WRITE : 0) |
	       (prot & PROT_EXEC ? VMA_EXEC : 0);
}

/* KSM can work on the VMA (Linux's vma_ksm_compatible: not shared, not special). */
static bool ksm_compatible(uint32_t vflags)
{
	return !(vflags & (VMA_SHARED | VMA_SPECIAL));
}

/* vma_remove callback: drop the pages of [s, e). */
static void unmap_pages(void *ctx, struct vma *v, uint64_t s, uint64_t e)
{
	zap_range(ctx, s, e);
}

/* Replace whatever is in [addr, addr + len) by a new VMA (expects mm->lock). Should the
 * new VMA's allocation fail after the old mappings went, the range is left empty (as
 * Linux may leave it after a failed MAP_FIXED). */
static int map_region(struct mm *mm, uint64_t addr, uint64_t len, uint32_t vflags,
		      const struct vma_file *file, struct shmem *shm)
{
	uint64_t end = addr + len;
	if (!vma_range_free(&mm->vmas, addr, end)) {
		int rc = vma_remove(&mm->vmas, addr, end, unmap_pages, mm);
		if (rc)
			return rc;
	}
	if (mm->merge_any && ksm_compatible(vflags))
		vflags |= VMA_MERGEABLE;
	int rc = shm ? vma_insert_shm(&mm->vmas, addr, end, vflags, shm, 0)
		     : vma_insert(&mm->vmas, addr, end, vflags, file);
	if (!rc)
		mm_note_size(mm);
	return rc;
}

/* Linux's file_mmap_ok: the pages from offset on, size bytes of them, lie inside a file
 * of at most max bytes (a regular file: MAX_LFS_FILESIZE, 2^63 - 1). */
static bool file_range_ok(uint64_t offset, uint64_t size, uint64_t max)
{
	return size <= max && offset >> PAGE_SHIFT <= (max - size) >> PAGE_SHIFT;
}

long mm_mmap_check(uint64_t addr, uint64_t len, int prot, int flags,
		   const struct vma_file *file, uint64_t max_file_size)
{
	int type = flags & MAP_TYPE;
	if (!len || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (type == MAP_SHARED_VALIDATE && (flags & ~MAP_KNOWN))
		return -EOPNOTSUPP;
	if (flags & MAP_HUGETLB)
		return -EINVAL;
	if (file && !IS_ALIGNED(file->offset, PAGE_SIZE))
		return -EINVAL;
	uint64_t size = ALIGN_UP(len, PAGE_SIZE);
	if (!size || size > USER_END)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!IS_ALIGNED(addr, PAGE_SIZE))
			return -EINVAL;
		if (addr > USER_END - size)
			return -ENOMEM;
		if (addr < MMAP_BOTTOM)
			return -EPERM;
	}
	if (file && !file_range_ok(file->offset, size, max_file_size))
		return -EOVERFLOW;
	return 0;
}

long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
	     const struct vma_file *file)
{
	long err = mm_mmap_check(addr, len, prot, flags, file, INT64_MAX);
	if (err)
		return err;
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	if (shared && file)
		return -EINVAL; /* no page cache to share file pages through */
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	uint64_t size = ALIGN_UP(len, PAGE_SIZE);
	struct shmem *shm = NULL;
	if (shared && !(shm = shmem_create(size)))
		return -ENOMEM;

	long rc;
	mutex_lock(&mm->lock);
	if (!fixed) {
		uint64_t hint = addr & PAGE_MASK;
		if (hint && hint < MMAP_BOTTOM)
			hint = MMAP_BOTTOM;
		if (hint && hint <= USER_END - size && vma_range_free(&mm->vmas, hint, hint + size))
			addr = hint;
		else
			addr = vma_find_gap(&mm->vmas, size, MMAP_BOTTOM, MMAP_TOP);
	}
	if (!addr)
		rc = -ENOMEM;
	else if ((flags & MAP_FIXED_NOREPLACE) && !vma_range_free(&mm->vmas, addr, addr + size))
		rc = -EEXIST;
	else
		rc = map_region(mm, addr, size, prot_to_vma(prot) | (shared ? VMA_SHARED : 0) |
				(file ? VMA_FILE : 0), file, shm);
	mutex_unlock(&mm->lock);
	if (shm)
		shmem_put(shm); /* the VMA holds its own reference */
	return rc ? rc : (long)addr;
}

static int map_fixed(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		     const struct vma_file *file, uint32_t extra_flags)
{
	uint64_t size = ALIGN_UP(len, PAGE_SIZE);
	if (!len || !size || !IS_ALIGNED(addr, PAGE_SIZE) || size > USER_END ||
	    addr > USER_END - size || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    (file && !IS_ALIGNED(file->offset, PAGE_SIZE)))
		return -EINVAL;
	if (file && !file_range_ok(file->offset, size, INT64_MAX))
		return -EOVERFLOW;
	mutex_lock(&mm->lock);
	uint32_t vflags = prot_to_vma(prot) | (file ? VMA_FILE : 0) | extra_flags;
	if (!file && addr + size == mm->stack_top)
		vflags |= VMA_STACK;
	int rc = map_region(mm, addr, size, vflags, file, NULL);
	mutex_unlock(&mm->lock);
	return rc;
}

int mm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		 const struct vma_file *file)
{
	return map_fixed(mm, addr, len, prot, file, 0);
}

int mm_map_special(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		   const struct vma_file *file)
{
	return map_fixed(mm, addr, len, prot, file, VMA_SPECIAL);
}

long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t size = ALIGN_UP(len, PAGE_SIZE);
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || !size || addr >= USER_END ||
	    size > USER_END - addr)
		return -EINVAL;
	mutex_lock(&mm->lock);
	int rc = vma_remove(&mm->vmas, addr, addr + size, unmap_pages, mm);
	if (!rc)
		pgtable_free_empty(&mm->pt, addr, addr + size);
	mutex_unlock(&mm->lock);
	return rc;
}

/* vma_change callback of mprotect: give the present pages of [s, e) their new protection.
 * Write permission is granted in the PTE only where no copy-on-write is pending. */
static void apply_prot(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t newflags)
{
	struct mm *mm = ctx;
	struct pte_info pte;
	const unsigned mask = MMU_READ | MMU_WRITE | MMU_EXEC | MMU_USER;
	for (uint64_t va = s; pgtable_next(&mm->pt, &va, e, &pte); va += PAGE_SIZE) {
		unsigned prot = pte_prot_for(newflags, pfn_to_page(PFN_DOWN(pte.pa)));
		if ((pte.prot & mask) != prot) /* (protect keeps a KSM zero-page mark) */
			pgtable_protect(&mm->pt, va, prot, NULL);
	}
}

long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	uint64_t size = ALIGN_UP(len, PAGE_SIZE);
	if (!size || addr >= USER_END || size > USER_END - addr)
		return -ENOMEM;
	uint32_t set = prot_to_vma(prot);
	mutex_lock(&mm->lock);
	int rc = vma_change(&mm->vmas, addr, addr + size, set, VMA_PROT_MASK & ~set, NULL,
			    apply_prot, mm);
	mutex_unlock(&mm->lock);
	return rc;
}

/* Apply advice to [s, e), which lies inside v (expects mm->lock; v may be freed by a
 * re-merge once this returns). */
static int advise_one(struct mm *mm, struct vma *v, uint64_t s, uint64_t e, int advice)
{
	switch (advice) {
	case MADV_DONTNEED:
		zap_range(mm, s, e);
		return 0;
	case MADV_FREE:
		if (v->flags & (VMA_SHARED | VMA_FILE))
			return -EINVAL;
		zap_range(mm, s, e); /* lazily freeable pages may go at once */
		return 0;
	case MADV_MERGEABLE: {
		if ((v->flags & VMA_MERGEABLE) || !ksm_compatible(v->flags))
			return 0; /* Linux ignores the advice for VMAs KSM cannot handle */
		int rc = ksm_enter(mm);
		return rc ? rc : vma_change(&mm->vmas, s, e, VMA_MERGEABLE, 0, NULL, NULL, NULL);
	}
	case MADV_UNMERGEABLE: {
		if (!(v->flags & VMA_MERGEABLE))
			return 0;
		/* Every merged page of the range gets its own copy back before the flag goes. */
		int rc = ksm_unmerge_range(mm, v, s, e);
		return rc ? rc : vma_change(&mm->vmas, s, e, 0, VMA_MERGEABLE, NULL, NULL, NULL);
	}
	default:
		return 0; /* NORMAL, RANDOM, SEQUENTIAL, WILLNEED: hints we do not use */
	}
}

/* Unmerging takes a new page for every merged one. Out of memory, do what a fault does:
 * reclaim (or let the OOM killer choose) without mm->lock, which reclaim may need, then
 * take it again. True if the caller should try again (mm may have changed meanwhile). */
static bool room_made_unlocked(struct mm *mm)
{
	assert_held(&mm->lock);
	mutex_unlock(&mm->lock);
	bool room = make_room_for_user_page();
	mutex_lock(&mm->lock);
	return room;
}

long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_MERGEABLE: case MADV_UNMERGEABLE:
	case MADV_PAGEOUT:
		break;
	default:
		return -EINVAL;
	}
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	uint64_t size = ALIGN_UP(len, PAGE_SIZE), end = addr + size;
	if ((len && !size) || end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	int rc = 0;
	bool hole = false;
	mutex_lock(&mm->lock);
	for (uint64_t cur = addr; cur < end && !rc;) {
		struct vma *v = vma_find_from(&mm->vmas, cur);
		if (!v || v->start >= end) {
			hole = true;
			break;
		}
		if (v->start > cur) {
			hole = true;
			cur = v->start;
		}
		uint64_t e = MIN(v->end, end);
		rc = advise_one(mm, v, cur, e, advice);
		if (rc == -ENOMEM && advice == MADV_UNMERGEABLE && room_made_unlocked(mm)) {
			rc = 0;
			continue; /* the pages unmerged so far stay so: on from cur */
		}
		cur = e;
	}
	mutex_unlock(&mm->lock);
	if (!rc && advice == MADV_PAGEOUT) /* reclaim takes mm->lock itself */
		pageout_range(mm, addr, end);
	return rc ? rc : hole ? -ENOMEM : 0;
}

uint64_t mm_brk(struct mm *mm, uint64_t new_brk)
{
	mutex_lock(&mm->lock);
	uint64_t old = mm->brk, ret = old;
	uint64_t old_end = ALIGN_UP(old, PAGE_SIZE), new_end = ALIGN_UP(new_brk, PAGE_SIZE);
	if (!mm->brk_start || new_brk < mm->brk_start || new_end > USER_END || new_end < new_brk)
		goto out;
	if (new_end < old_end) {
		if (vma_remove(&mm->vmas, new_end, old_end, unmap_pages, mm))
			goto out;
		pgtable_free_empty(&mm->pt, new_end, old_end);
	} else if (new_end > old_end) {
		/* Never into another mapping. */
		if (!vma_range_free(&mm->vmas, old_end, new_end))
			goto out;
		uint32_t vflags = VMA_READ | VMA_WRITE | VMA_HEAP;
		if (map_region(mm, old_end, new_end - old_end, vflags, NULL, NULL))
			goto out;
	}
	mm->brk = ret = new_brk;
out:
	mutex_unlock(&mm->lock);
	return ret;
}

int mm_set_merge_any(struct mm *mm, bool on)
{
	mutex_lock(&mm->lock);
	int rc = on ? ksm_enter(mm) : 0;
	if (rc)
		goto out;
	mm->merge_any = on;
	/* Whole VMAs change, so nothing splits; neighbours may merge (hence the address walk). */
	for (uint64_t cur = 0; !rc;) {
		struct vma *v = vma_find_from(&mm->vmas, cur);
		if (!v)
			break;
		uint64_t s = v->start, e = v->end;
		if (on && !(v->flags & VMA_MERGEABLE) && ksm_compatible(v->flags))
			rc = vma_change(&mm->vmas, s, e, VMA_MERGEABLE, 0, NULL, NULL, NULL);
		else if (!on && (v->flags & VMA_MERGEABLE) && !(rc = ksm_unmerge_range(mm, v, s, e)))
			rc = vma_change(&mm->vmas, s, e, 0, VMA_MERGEABLE, NULL, NULL, NULL);
		if (rc == -ENOMEM && !on && room_made_unlocked(mm)) {
			rc = 0;
			continue; /* this VMA again, from what is left of it merged */
		}
		cur = e;
	}
out:
	mutex_unlock(&mm->lock);
	return rc;
}

/* [mm->lock] mremap(*addr, 0, size, MREMAP_MAYMOVE) of v, a shared mapping: a second
 * mapping of the same object from *addr's offset at a new address, stored in *addr
 * (Linux's duplication). 0, -ENOMEM (no gap), or -EINVAL past the object's end (Linux
 * maps it, and an access there gets SIGBUS). userfaultfd registrations are not copied. */
static int duplicate_shared(struct mm *mm, struct vma *v, uint64_t *addr, uint64_t size)
{
	assert_held(&mm->lock);
	uint64_t off = v->shm_off + (*addr - v->start);
	if (size > v->shm->npages * PAGE_SIZE - off)
		return -EINVAL;
	uint64_t to = vma_find_gap(&mm->vmas, size, MMAP_BOTTOM, MMAP_TOP);
	if (!to)
		return -ENOMEM;
	int rc = vma_insert_shm(&mm->vmas, to, to + size, v->flags & ~VMA_UFFD_MASK, v->shm, off);
	if (rc)
		return rc;
	mm_note_size(mm);
	*addr = to;
	return 0;
}

long mm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, int flags)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL; /* MREMAP_FIXED and MREMAP_DONTUNMAP: not here */
	uint64_t old_size = ALIGN_UP(old_len, PAGE_SIZE), new_size = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_size || addr >= USER_END || old_size > USER_END - addr)
		return -EINVAL;
	if (new_size > USER_END - addr)
		return -ENOMEM;
	long rc;
	mutex_lock(&mm->lock);
	/* As Linux 6.x: the VMA at addr must exist; a shrink then unmaps the tail, whatever
	 * VMAs or holes it covers; only a growth needs the old range inside that one VMA. */
	struct vma *v = vma_find(&mm->vmas, addr);
	if (!v) {
		rc = -EFAULT;
	} else if (new_size <= old_size) {
		rc = new_size == old_size ? 0 : vma_remove(&mm->vmas, addr + new_size, addr + old_size,
							   unmap_pages, mm);
		if (!rc && new_size < old_size)
			pgtable_free_empty(&mm->pt, addr + new_size, addr + old_size);
	} else if (!old_size && !(v->flags & VMA_SHARED)) {
		rc = -EINVAL; /* old_len 0 "duplicates" a mapping: meaningless when private */
	} else if (!old_size && (flags & MREMAP_MAYMOVE)) {
		rc = duplicate_shared(mm, v, &addr, new_size);
	} else if (addr + old_size > v->end) {
		rc = -EFAULT; /* a growing range must be one mapping */
	} else if (addr + old_size != v->end || (v->flags & (VMA_FILE | VMA_SHARED | VMA_STACK)) ||
		   !vma_range_free(&mm->vmas, v->end, addr + new_size)) {
		rc = -ENOMEM; /* grows in place only: libc falls back to a new mapping and a copy */
	} else {
		rc = vma_insert(&mm->vmas, v->end, addr + new_size, v->flags, NULL);
		if (!rc)
			mm_note_size(mm);
	}
	mutex_unlock(&mm->lock);
	return rc ? rc : (long)addr;
}
