/* mm-internal: mapping user pages into an address space and removing them with every
 * counter right (reference, mapcount, reverse map, rss), the protection a user PTE gets,
 * and the fault core. Used by addrspace.c, mmap.c, fault.c, uaccess.c (and later ksm.c and
 * swap); nothing outside mm/ calls these. Every function here expects mm->lock held. */
#ifndef MM_MAPPING_H
#define MM_MAPPING_H

#include "mm/addrspace.h"
#include "mm/page.h"

struct rmap_block;

/* The shared zero page (fault.c), set by addrspace_init(). */
extern struct page *zero_page;
static inline bool is_zero_page(const struct page *p) { return p == zero_page; }

/* MMU protection for PTEs of a VMA with these flags: any of read/write/exec makes the page
 * user-readable (x86 cannot do write- or exec-only); none (PROT_NONE) keeps the page present
 * but out of ring 3's reach. */
unsigned vma_mmu_prot(uint32_t vflags);
/* The access the VMA allows to user code: writes need VMA_WRITE, instruction fetches
 * VMA_EXEC, reads any of the three (as on Linux/x86). */
bool vma_allows(const struct vma *v, bool write, bool exec);
/* A private page this mapping may write in place: anonymous, not KSM, mapped once and held
 * by nobody else. */
bool page_exclusive(const struct page *p);
/* The PTE protection for page p in a VMA with flags vflags: the VMA's, minus write for a
 * private page that is not exclusive (copy-on-write) or the zero page. */
unsigned pte_prot_for(uint32_t vflags, const struct page *p);

/* Map p at va in mm with prot, handing over one reference the caller holds on p (none for
 * the zero page); *rmap: from rmap_block_alloc(), taken as rmap_add() says, what is left
 * in it the caller's to free (the zero page needs none: rmap may be NULL). On success the
 * page is on the reverse map and counted in rss; on failure (-ENOMEM for a page table,
 * -EEXIST) nothing changed and the reference is still the caller's. */
int install_page(struct mm *mm, uint64_t va, struct page *p, unsigned prot,
		 struct rmap_block **rmap);
/* install_page() with the reverse-map block allocated here, for a page the caller just got:
 * 0, or -ENOMEM / -EEXIST with the caller's reference on p dropped. */
int install_new_page(struct mm *mm, uint64_t va, struct page *p, unsigned prot);
/* The accounting half of install_page(), for a PTE the caller set itself (e.g. with
 * pgtable_replace()). */
void account_mapping(struct mm *mm, uint64_t va, struct page *p, struct rmap_block **rmap);
/* Account the end of the mapping old (as the PTE was) at va in mm, whose PTE is already
 * gone or replaced (and flushed): reverse map, rss, and the mapping's reference; a KSM
 * zero-page mapping leaves ksm_zero_pages. */
void release_mapping(struct mm *mm, uint64_t va, const struct pte_info *old);
/* Give va, which pte maps, a private copy of its page with v's protection (a copy-on-write
 * break, or KSM unsharing a merged page in a VMA of any protection); a userfaultfd WP mark
 * stays, and the copy read-only with it (as Linux's FAULT_FLAG_UNSHARE). 0 or -ENOMEM. */
int break_cow(struct mm *mm, struct vma *v, uint64_t va, const struct pte_info *pte);
/* A PTE mark (MMU_SOFT): KSM pointed this mapping of the zero page there (use_zero_pages),
 * so it counts in ksm_zero_pages until it goes. */
#define MMU_KSM_ZERO MMU_SOFT
/* A PTE guard (MMU_GUARD): KSM's same_behaviour took the page out of ring 3's reach,
 * merged or not (mm/ksm.c); the first access copies it (fault.c), mprotect keeps it. */
#define MMU_KSM_GUARD MMU_GUARD
/* Entries per pgtable_next_batch() of a range's teardown or fork (an array on the stack,
 * 32 bytes each). */
#define MAPPING_BATCH 16

/* Unmap and release every page mapped in [start, end) (page-aligned), and drop the swap
 * entries held there. */
void zap_range(struct mm *mm, uint64_t start, uint64_t end);

/* A new private anonymous page (PG_ANON, refcount 1, on the LRU), zero-filled when zero;
 * NULL when out of memory or when free memory is down to the kernel's reserve (the caller
 * returns -ENOMEM, and the fault path reclaims without locks: make_room_for_user_page). */
struct page *alloc_anon_page(bool zero);
/* alloc_anon_page(false) in a frame drawn at random from free memory (page_alloc.h). */
struct page *alloc_anon_page_random(void);

/* Resolve an access to va (page-aligned) inside v that v allows: demand paging, the zero
 * page, file data, copy-on-write, swap-in. 0 (the PTE now allows the access), -ENOMEM,
 * -EIO (the page could not be read back from swap), or FAULT_USERFAULT: v's userfaultfd
 * must hear of it (a missing page, or a write to a WP-marked one): the caller passes it
 * to uffd_handle_fault() (userfaultfd.h) and tries again. */
#define FAULT_USERFAULT 1
int fault_locked(struct mm *mm, struct vma *v, uint64_t va, bool write);

/* Resolve an access to va (page-aligned) in v, whose PTE holds swap entry `entry`: the
 * page from the swap cache or the disk (swap_in.c). 0, -ENOMEM or -EIO (read error). */
int fault_swap(struct mm *mm, struct vma *v, uint64_t va, uint64_t entry, bool write);

/* How walk_user() finds the kernel alias of user byte va for a read or a write, faulting
 * its page in as needed: 0 with *kaddr set, or -errno. Called with mm->lock held. */
typedef int (*page_resolver)(struct mm *mm, uint64_t va, bool write, uint8_t **kaddr);
/* The page walk of the user copies (uaccess.c) and forced access (access_remote.c): call
 * fn(ctx, kaddr, n) on each page-sized piece of [va, va + len) of mm in order, each page
 * resolved by resolve, under mm->lock (let go of while reclaiming after -ENOMEM). fn
 * returns 0 to go on, > 0 to stop (success), < 0 to fail with that error. Returns 0 or
 * the first error (-EFAULT: no mm, or a range beyond user space). Takes mm->lock. */
int walk_user(struct mm *mm, uint64_t va, size_t len, bool write, page_resolver resolve,
	      int (*fn)(void *ctx, uint8_t *kaddr, size_t n), void *ctx);

/* Record the current total VMA size in vm_peak if it is a new high. */
static inline void mm_note_size(struct mm *mm)
{
	if (mm->vmas.bytes > mm->vm_peak)
		mm->vm_peak = mm->vmas.bytes;
}

#endif
