/* Memory system calls: the mmap family and brk, on current's address space (mm/). */
#include "kernel/syscall_table.h"
#include "fs/sys_path.h"
#include "fs/file.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "lib/errno.h"

long sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	struct mm *mm = current()->mm;
	if (!IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL; /* first of all, anonymous or not (Linux's sys_mmap) */
	if (flags & MAP_ANONYMOUS)
		return mm_mmap(mm, addr, len, prot, flags, NULL);
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	struct vnode *vn = f->vn;
	bool regular = (vn->mode & S_IFMT) == S_IFREG;
	bool shared_write = (flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE);
	struct vma_file vf = { .data = vn->data, .size = vn->size, .offset = off };
	long rc = mm_mmap_check(addr, len, prot, flags, &vf, regular ? INT64_MAX : UINT64_MAX);
	if (rc)
		; /* the argument checks come first, then the file's mode (Linux's do_mmap) */
	else if (!file_readable(f) || (shared_write && !file_writable(f)))
		rc = -EACCES;
	else if (regular && !vn->ops && vn->data) {
		vf.name = vfs_static_path(vn);
		rc = mm_mmap(mm, addr, len, prot, flags, &vf);
	} else
		rc = -ENODEV; /* only initramfs files have bytes to map */
	file_put(f);
	return rc;
}

long sys_munmap(uint64_t addr, uint64_t len) { return mm_munmap(current()->mm, addr, len); }
long sys_mprotect(uint64_t addr, uint64_t len, int prot) { return mm_mprotect(current()->mm, addr, len, prot); }
long sys_madvise(uint64_t addr, uint64_t len, int advice) { return mm_madvise(current()->mm, addr, len, advice); }
long sys_brk(uint64_t brk) { return mm_brk(current()->mm, brk); }
long sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr)
{
	return mm_mremap(current()->mm, addr, old_len, new_len, flags);
}
