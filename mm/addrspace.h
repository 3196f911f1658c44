/* User address spaces: VMAs, demand paging, copy-on-write, the user half of the page tables.
 * Generic code (syscalls, exec, procfs, later ksmd and swap) goes through these functions
 * and the pgtable API, never through PTE bits.
 *
 * Implementation: addrspace.c (life cycle, fork, /proc figures), mmap.c (the mmap family,
 * brk, exec mappings), fault.c (page faults, the zero page, copy-on-write), uaccess.c (user
 * copies), with rmap.c (reverse maps) and shmem.c (shared anonymous memory).
 *
 * Memory model. Nothing is mapped before it is touched. A user PTE maps one of:
 *  - the shared zero page (PG_ZERO), read-only: untouched private anonymous memory read;
 *  - a private anonymous page (PG_ANON): written anonymous memory, file data copied on
 *    first touch, or a copy-on-write copy. Writable in the PTE only while exclusive (one
 *    mapping, no other reference); fork write-protects it in both address spaces;
 *  - a page of a shared anonymous object (PG_SHMEM, shmem.h), writable as its VMA allows.
 * Each PG_ANON/PG_SHMEM page has one reference and one reverse-map entry (rmap.h) per PTE
 * mapping it (plus the object's reference for PG_SHMEM, and the swap cache's for a page
 * in it), and counts in rss_anon/rss_shmem of each address space mapping it. The zero
 * page has none of these. A private anonymous page may also be swapped out (swap.h): its
 * PTEs then hold a swap entry instead, counted in swap_ents and on the swap slot.
 *
 * Locking, outermost first: mm->lock (mutex: every change to an address space's VMAs or
 * user PTEs, and every lookup that must stay true while it is used) -> pt.lock (spinlock
 * inside the pgtable API) or the rmap lock (global spinlock, rmap.h) or a shared object's
 * lock (shmem.h) -> slab cache locks -> the buddy lock. The spinlocks are never nested in
 * each other here. Two address spaces' locks are never held together except in mm_fork
 * (parent, then the child nobody else can see yet). Functions that take mm->lock may
 * sleep: not from interrupt handlers, not with a spinlock held. */
#ifndef MM_ADDRSPACE_H
#define MM_ADDRSPACE_H

#include "lib/compiler.h"
#include "mm/memlayout.h"
#include "kernel/mutex.h"
#include "mm/pgtable.h"
#include "mm/vma.h"

#define MAX_MAP_COUNT   65530			/* VMAs per address space (vm.max_map_count) */
/* /proc/sys/vm/max_map_count: the limit new address spaces get (default MAX_MAP_COUNT). */
extern unsigned vm_max_map_count;
#define STACK_TOP       0x7ffffffde000UL	/* just below USER_END minus a guard gap */
#define STACK_MAX       (8UL << 20)		/* RLIMIT_STACK: the stack VMA's size */
#define MMAP_TOP        (STACK_TOP - STACK_MAX - (1UL << 30)) /* mmap grows down from here */
#define MMAP_BOTTOM     0x10000UL		/* lowest address mmap hands out (mmap_min_addr) */

/* Linux's values for the mmap family. */
#define PROT_NONE       0x0
#define PROT_READ       0x1
#define PROT_WRITE      0x2
#define PROT_EXEC       0x4
#define MAP_SHARED      0x01
#define MAP_PRIVATE     0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE        0x0f
#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define MAP_GROWSDOWN   0x100
#define MAP_DENYWRITE   0x800
#define MAP_EXECUTABLE  0x1000
#define MAP_LOCKED      0x2000
#define MAP_NORESERVE   0x4000
#define MAP_POPULATE    0x8000
#define MAP_NONBLOCK    0x10000
#define MAP_STACK       0x20000
#define MAP_HUGETLB     0x40000
#define MAP_SYNC        0x80000
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_NORMAL      0
#define MADV_RANDOM      1
#define MADV_SEQUENTIAL  2
#define MADV_WILLNEED    3
#define MADV_DONTNEED    4
#define MADV_FREE        8
#define MADV_MERGEABLE   12
#define MADV_UNMERGEABLE 13
#define MADV_PAGEOUT     21

/* One user address space, shared by the tasks that use it (vfork; references from /proc
 * readers). Two counts, as Linux's mm_users and mm_count: `users` keeps the address space
 * (VMAs, pages, page tables) alive, `count` only the struct; all users together hold one
 * count. An open /proc/PID/mem or pagemap holds a count, so it never pins a dead process's
 * memory: it takes a user (mm_tryget) for each access. `lock` (sleeping) guards the VMAs, brk and the user-half page tables as a
 * whole: take it for any lookup-then-change sequence (faults, mmap family, fork, exit,
 * ksmd's scans). pt.lock (a spinlock inside the pgtable API) only makes single entry
 * updates atomic. The rss counters are atomic. */
struct mm {
	struct pgtable pt;
	struct mutex lock;
	struct vma_set vmas;		/* [lock] */
	int users;			/* atomic: mm_get/mm_tryget/mm_put */
	int count;			/* atomic: mm_grab/mm_drop; the users hold one */
	uint64_t brk_start, brk;	/* [lock] heap [brk_start, brk), page granular VMA */
	uint64_t stack_top;		/* [lock] highest stack address */
	uint64_t rss_anon;		/* atomic: private pages mapped (anonymous or copied file data) */
	uint64_t rss_file;		/* atomic: pages mapped from files and not copied (0 for now) */
	uint64_t rss_shmem;		/* atomic: shared anonymous pages mapped */
	uint64_t vm_peak;		/* [lock] largest total VMA size seen, bytes */
	bool merge_any;			/* [lock] prctl(PR_SET_MEMORY_MERGE): new anonymous private VMAs
					 * are mergeable; inherited by fork */
	struct ksm_mm_slot *ksm_slot;	/* [ksm_mmlist_lock] registered with ksmd (mm/ksm.c) */
	uint32_t ksm_domain;		/* [ksm_lock and lock to change] its KSM merge domain
					 * (0-65535): with merge_across_domains 0 its pages merge
					 * only within it; inherited by fork, kept by execve */
	uint64_t ksm_zero_pages;	/* atomic: PTEs ksmd pointed at the zero page */
	uint64_t swap_ents;		/* atomic: PTEs holding a swap entry (VmSwap) */
	uint64_t kernel_writes;		/* [lock] writes into its pages through the direct map
					 * (walk_user), which set no PTE dirty bit: with those
					 * bits, ksmd's proof that a page did not change */
	struct list_head mm_node;	/* [mm_list_lock, addrspace.c] in the list of all mms */
	char exe[64];			/* [lock] path of the executable (/proc/PID/exe) */
	uint64_t arg_start, arg_end;	/* [lock] argv's strings on the stack (/proc/PID/cmdline) */
};

/* Boot, once, after mm_init and before the first user task: the zero page and the
 * reverse-map cache (user page faults need both). */
void addrspace_init(void);

/* A new, empty address space with one user; NULL when out of memory. stack_top starts at
 * STACK_TOP: an anonymous mm_map_fixed() ending there is the [stack] VMA. */
struct mm *mm_create(void);
void mm_get(struct mm *mm);
/* Take a reference unless the last one is already gone (the mm is being torn down): for
 * holders of a bare pointer, e.g. from a reverse-map walk. */
bool mm_tryget(struct mm *mm);
/* Drop a user; the last one unmaps every page (dropping frames, reverse maps, counters),
 * frees the page tables and VMAs, and drops the users' count (mm_drop). Must not be the
 * active address space of any CPU. */
void mm_put(struct mm *mm);
/* Keep the struct (not the address space) of mm, which the caller holds a user or count of:
 * mm_tryget then tells whether the address space is still alive. */
void mm_grab(struct mm *mm);
/* Drop a count; the last one frees the struct (the address space is long gone). */
void mm_drop(struct mm *mm);
/* Call fn(mm, ctx) for each address space in turn, each held by a reference while fn runs
 * (fn may sleep and take mm->lock); stops at the first non-zero return, which it returns.
 * Address spaces made meanwhile may be missed. */
int mm_for_each(int (*fn)(struct mm *mm, void *ctx), void *ctx);
/* fork(): a copy of parent (VMAs, brk, merge_any, exe) whose private pages are shared
 * copy-on-write: write-protected in both. NULL when out of memory (nothing leaked).
 * Takes parent->lock. */
struct mm *mm_fork(struct mm *parent);
/* Load mm's page tables on this CPU (NULL: the kernel's, empty user half). */
void mm_activate(struct mm *mm);

/* The mmap family with Linux's semantics and errno values (negative return = -errno).
 * Each takes mm->lock. prot: PROT_READ/WRITE/EXEC bits as in Linux; flags: MAP_PRIVATE,
 * MAP_SHARED (anonymous only), MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE (MAP_STACK,
 * MAP_NORESERVE, MAP_POPULATE accepted and ignored). file: NULL for anonymous.
 * mm_mmap: len 0, bad prot or type, unaligned MAP_FIXED address -EINVAL; a length that
 * overflows when rounded, a fixed range beyond user space or no free gap -ENOMEM (as
 * Linux); a fixed address below MMAP_BOTTOM -EPERM; MAP_FIXED_NOREPLACE over a mapping
 * -EEXIST; MAP_SHARED with a file -EINVAL (no page cache yet); MAP_HUGETLB -EINVAL; file
 * pages past 2^63 bytes (offset + rounded length, Linux's file_mmap_ok) -EOVERFLOW.
 * mm_munmap: unaligned, len 0 or beyond user space -EINVAL; holes are fine.
 * mm_mprotect: unaligned or bad prot -EINVAL; any hole -ENOMEM with nothing changed (Linux
 * changes the VMAs before the hole). */
long mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags,
	     const struct vma_file *file);
/* mm_mmap's argument checks alone, in Linux's order (all of them precede the file type's
 * own refusals, -EACCES and -ENODEV), for a file of at most max_file_size bytes (Linux:
 * 2^63 - 1 for regular files, 2^64 - 1 for others). 0 or -errno. */
long mm_mmap_check(uint64_t addr, uint64_t len, int prot, int flags,
		   const struct vma_file *file, uint64_t max_file_size);
long mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
long mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot);
/* MADV_DONTNEED (drop the pages: private memory reads back zero or the file data, shared
 * memory keeps its data in its object), MADV_FREE (private anonymous only, else -EINVAL;
 * dropped at once), MADV_MERGEABLE and MADV_UNMERGEABLE (the VMA flag; as Linux's
 * ksm_madvise, VMAs KSM cannot handle (VMA_SHARED) are silently left alone),
 * MADV_PAGEOUT (swap out now the private anonymous pages only this mm maps; nothing
 * without swap), MADV_NORMAL/RANDOM/SEQUENTIAL/WILLNEED (accepted, no effect); other
 * advice -EINVAL.
 * Unaligned start or overflowing range -EINVAL; unmapped parts -ENOMEM after the advice
 * was applied to the mapped parts (Linux). */
long mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
/* mremap without MREMAP_FIXED, as Linux 6.x: no VMA at addr -EFAULT; shrinking unmaps
 * the tail, whatever VMAs or holes it spans; growing works in place, for a private
 * anonymous mapping with room behind it, else -ENOMEM (even with MREMAP_MAYMOVE: libc
 * then maps anew and copies); a growing old range must lie in one VMA (-EFAULT), and
 * old_len 0 on a private mapping is -EINVAL; old_len 0 with MREMAP_MAYMOVE on a shared
 * one maps the same memory a second time, elsewhere (within the object, else -EINVAL).
 * Returns the (new) address or -errno. Takes mm->lock. */
#define MREMAP_MAYMOVE 1
long mm_mremap(struct mm *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, int flags);
/* prctl(PR_SET_MEMORY_MERGE, on): set merge_any; on registers mm with ksmd and marks every
 * compatible VMA (private, i.e. not VMA_SHARED: anonymous or private file mappings, as
 * Linux) mergeable now and new ones later; off unmerges what ksmd merged and clears the
 * flag from all VMAs. 0 or -errno (-ENOMEM). Takes mm->lock. */
int mm_set_merge_any(struct mm *mm, bool on);
/* brk(2): move the break (0 or below brk_start just returns it); returns the new break,
 * or the old one when it cannot move. */
uint64_t mm_brk(struct mm *mm, uint64_t new_brk);

/* exec support, on an mm not yet in use by any task (no locking needed but taken):
 * map [addr, addr+len) privately from file (or anonymous when file is NULL) with prot;
 * addr and file->offset page-aligned. 0 or -errno. */
int mm_map_fixed(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		 const struct vma_file *file);
/* The same for the kernel's own mappings ([vvar], [vdso]): VMA_SPECIAL, so KSM never takes
 * them (as Linux's VM_SPECIAL). */
int mm_map_special(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		   const struct vma_file *file);
/* Copy len bytes into the address space at va, faulting pages in as a write would
 * (breaking copy-on-write), through the direct map: mm need not be active.
 * 0 or -EFAULT (no VMA or no VMA_WRITE) / -ENOMEM. Takes mm->lock. */
int mm_write(struct mm *mm, uint64_t va, const void *src, size_t len);
/* The same for reading (VMA_READ needed; untouched memory reads as the zero page). */
int mm_read(struct mm *mm, uint64_t va, void *dst, size_t len);

/* Resolve a fault at addr (user address) in mm: demand-zero (read: the shared zero page,
 * read-only; write: a new zeroed page), file data copied into a new page, or a
 * copy-on-write break (reusing the page when the faulting mm is its only mapper).
 * Returns 0, -EFAULT (no VMA, or an access the VMA does not allow: SIGSEGV) or -ENOMEM.
 * Takes mm->lock. */
int mm_handle_fault(struct mm *mm, uint64_t addr, bool write, bool exec);

/* The access a user page fault made (one of them), as the arch decodes it. */
#define FAULT_READ  (1u << 0)
#define FAULT_WRITE (1u << 1)
#define FAULT_EXEC  (1u << 2) /* instruction fetch */
/* The one arch-neutral entry for a page fault in ring 3 at addr (access: FAULT_*; ip: the
 * faulting instruction, for the kill report), in current's mm: resolved (with reclaim and
 * retries while memory is short), or the task is already being killed and ends on its way
 * back to user mode, or it ends here with task_fault_kill (SIGSEGV, or SIGBUS for a swap
 * read error). Called by the arch's fault handler with interrupts as the user code had
 * them (on: it takes mm->lock and may sleep), holding no lock. */
void mm_user_fault(uint64_t addr, unsigned access, uint64_t ip);
/* A fault the kernel's direct user copies (copy_to_user and friends) took at user address
 * addr in current's mm: resolved as a user access would be (with reclaim retries), 0; or
 * the error (-EFAULT, -ENOMEM, -EIO, -EINTR), and the copy fails with -EFAULT. Nobody is
 * signalled. Called by the arch with interrupts on, holding no lock: takes mm->lock. */
int mm_uaccess_fault(uint64_t addr, bool write);

/* Current task's user memory, from system calls. Each returns 0 or -EFAULT (any byte not
 * accessible as asked: unmapped, no VMA or one that does not allow it, a kernel address, a
 * range wrapping or crossing USER_END, a page that could not be allocated or read back
 * from swap; a kernel thread has no user memory). They check the range against USER_END
 * and then touch user memory directly (arch-x86_64/uaccess.h): the MMU does the checking,
 * and a fault is resolved as the user's own access would be (mm_uaccess_fault). No lock on
 * the way unless a page must be faulted in. May sleep; current's mm must be the one
 * loaded (it always is, outside the moment a task switches address spaces). */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
/* Whether every byte of [uptr, uptr + n) lies in current's VMAs that allow the access
 * (nothing is faulted in): system calls check a buffer with it before they consume input
 * they could not give back, such as a pipe's or the console's. Takes mm->lock. */
bool user_range_ok(const void *uptr, size_t n, bool write);
/* Copy a NUL-terminated string of at most max-1 chars: its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL within max bytes. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

/* Futex words (kernel/futex.c). A futex is named by where its word is in the mappings,
 * never by the frame that holds it now (KSM merging, swap and copy-on-write change that),
 * so the naming is mm's: it reads the VMA and the shared object under mm->lock, which
 * futex.c never sees. Linux's get_futex_key, three kinds that never meet each other:
 *  - UWORD_PRIVATE (FUTEX_PRIVATE_FLAG): the address space and the address, the mapping
 *    not looked at;
 *  - UWORD_SHMEM: a word in a shared anonymous mapping, by the object's serial and the
 *    word's offset in it: every address space mapping the object meets there, at any
 *    address;
 *  - UWORD_MM: any other word named without the flag, by address space and address (Linux's
 *    key of an anonymous page). */
enum uword_kind { UWORD_PRIVATE, UWORD_SHMEM, UWORD_MM };
struct uword_key {
	uint64_t object;	/* the struct mm's address, or the shared object's serial */
	uint64_t offset;	/* the user address, or the byte offset in the object */
	enum uword_kind kind;
};
/* The name of the user word at uaddr in mm, shared (else private) as above: -EINVAL unless
 * uaddr is 4-byte aligned, -EFAULT past user space and, for a shared name, unless a mapping
 * there allows a read (write: a write; a private mapping that is not writable only if it
 * is file data, as Linux refuses read-only anonymous memory). Takes mm->lock (shared). */
int mm_uword_key(struct mm *mm, uint64_t uaddr, bool shared, bool write, struct uword_key *key);
/* Call fn(ctx, word) with the kernel alias of the aligned user word at uaddr in mm, its page
 * faulted in as a user read (write: a user write, copy-on-write broken) would, under
 * mm->lock: the page stays mapped there while fn runs, so fn may read the word or change
 * it with atomic operations that user code on every CPU sees as its own. fn must not sleep
 * (spinlocks are fine). Returns fn's result (>= 0 or -errno), or -EFAULT / -ENOMEM with
 * fn not called. Takes mm->lock: may sleep. */
int mm_uword_locked(struct mm *mm, uint64_t uaddr, bool write, int (*fn)(void *ctx, uint32_t *word),
		    void *ctx);

/* Figures for /proc (kB), a consistent snapshot taken under mm->lock. */
struct mm_stats {
	uint64_t vm_size_kb, vm_peak_kb, rss_kb, rss_anon_kb, rss_file_kb, rss_shmem_kb;
	uint64_t data_kb, stack_kb, exec_kb, swap_kb;
	uint64_t pte_kb;	/* its page tables (Linux's VmPTE) */
	uint64_t vma_kb;	/* its VMA structs: kernel memory it holds, as pte_kb */
};
void mm_get_stats(struct mm *mm, struct mm_stats *st);
/* Call fn for each VMA in address order, under mm->lock (fn must not take it). */
void mm_for_each_vma(struct mm *mm, void (*fn)(const struct vma *v, void *ctx), void *ctx);
/* /proc/PID/pagemap entry of the page at va: PFN in bits 0-54, bit 56 exclusively mapped
 * (mapcount 1), bit 57 userfaultfd write-protected, bit 61 shared anonymous page, bit 63
 * present; or for a swapped-out page, bit 62 with the swap type in bits 0-4 and the offset
 * in bits 5-54 (bit 56 if this is the slot's only PTE). Linux's format; the zero page is present with its PFN, not
 * exclusive. Takes mm->lock. */
uint64_t mm_pagemap_entry(struct mm *mm, uint64_t va);

#endif
