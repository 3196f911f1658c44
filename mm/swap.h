/* Swap: anonymous pages written to a swap area on a block device and read back on demand.
 *
 * A swap area is a disk formatted by mkswap (swap_header.h). Each of its pages is a slot
 * (swap_slots.h); a swap entry names one: (area, offset). A page swapped out leaves in
 * each PTE that mapped it a swap entry (pgtable_swap_out); a fault on such a PTE reads the
 * page back into the swap cache, or finds it there, and maps it (swap_in.c).
 *
 * The swap cache ties a slot to the page holding its data while both exist: a page on its
 * way out (unmapped, being written), or a page read back in and not written since, which
 * keeps its slot so that reclaiming it again costs no write. The cache holds one reference
 * on such a page (PG_SWAPCACHE, page->swap = entry). A slot is freed when no PTE holds its
 * entry and no cache page refers to it; the first write to a cached page (by its only
 * user) takes it out of the cache and so frees the slot.
 *
 * Files: swapfile.c (areas: swapon, swapoff, /proc/swaps, figures), swap_state.c (slot
 * references and the swap cache), swap_io.c (page I/O), swap_in.c (the fault side),
 * vmscan.c (the LRU and reclaim), kswapd.c (the thread, watermarks, direct reclaim).
 *
 * Locking, outermost first: swapon_mutex (swapon/swapoff) -> reclaim_mutex (one reclaimer
 * at a time) -> ksm_lock (a KSM victim) -> mm->lock -> the swap lock (spinlock, irqsave:
 * every slot map and the cache) and the LRU lock (spinlock, irqsave), never nested in each
 * other. Disk I/O sleeps with at most mm->lock held (a fault reading a page in). */
#ifndef MM_SWAP_H
#define MM_SWAP_H

#include "lib/compiler.h"

struct page;
struct seqbuf;
struct blockdev;
struct mm;

#define MAX_SWAPFILES 8
/* Swap entries: the area's index above the page offset; never 0 (offset 0 is the header). */
#define SWP_OFFSET_BITS 45
static inline uint64_t swp_entry(unsigned type, uint64_t offset)
{
	return (uint64_t)type << SWP_OFFSET_BITS | offset;
}
static inline unsigned swp_type(uint64_t entry) { return entry >> SWP_OFFSET_BITS; }
static inline uint64_t swp_offset(uint64_t entry) { return entry & ((1UL << SWP_OFFSET_BITS) - 1); }

/* ---- swapfile.c: areas ---- */
/* Boot, after the block devices: enable every disk that carries a valid swap header (one
 * line each), or say in one line why a disk is not used; boots on regardless. */
void swap_init(void);
/* Enable the swap area on block device dev ("vda" or "/dev/vda"): 0, or -errno with *why
 * one line (no such device, already on, bad header, read error, out of memory). Takes
 * swapon_mutex; reads the disk. */
int swap_on(const char *dev, const char **why);
/* Disable it: every page swapped out there is read back in first. 0, or -errno with *why:
 * not active, not enough free memory for its pages (nothing changed), a read error or
 * memory running out half-way (the pages read so far stay in; the area stays on). Takes
 * swapon_mutex; sleeps. */
int swap_off(const char *dev, const char **why);
/* mkswap: write a swap header over the first page of block device dev ("vda" or
 * "/dev/vda"), making all of it one swap area (swap_header_make(), a random UUID).
 * Returns the area's usable pages, or -errno with *why one line (no such device, in use
 * as swap, too small, write error, out of memory). Takes swapon_mutex; writes the disk. */
int64_t swap_format(const char *dev, const char **why);
/* /proc/swaps, Linux's format. */
void swap_render_proc_swaps(struct seqbuf *s);
/* The shell's `swapinfo`: each area and its disk's I/O figures. */
void swap_render_info(struct seqbuf *s);
/* Pages of all areas, and of them free (lock-free snapshot). */
void swap_totals(uint64_t *total_pages, uint64_t *free_pages);
/* Whether an enabled swap area lives on disk d. Takes swapon_mutex. */
bool swap_uses_disk(const struct blockdev *d);
/* Whether some area can take pages now (lock-free snapshot). */
bool swap_available(void);
/* Whether less than half of all swap is free (Linux's vm_swap_full): then a page read
 * back in gives up its slot, for the pages still to go out. Takes the swap lock. */
bool swap_full(void);

/* ---- swap_state.c: slot references and the swap cache (take the swap lock) ---- */
/* A free slot of a writable area (SLOT_USED, no references yet; ksm: the page going out is
 * a KSM page), or 0 when all swap is full. */
uint64_t swap_alloc(bool ksm);
/* Readahead: the slot offsets [*first, *end) of the naturally aligned 2^order slots around
 * entry's, clipped to its area (the header excluded). */
void swap_cluster(uint64_t entry, unsigned order, uint64_t *first, uint64_t *end);
/* One more PTE holds entry (fork, unmapping a page). */
void swap_dup(uint64_t entry);
/* One PTE less holds entry (unmap, swap-in, exit): the slot is freed when nothing refers to
 * it any more, and a cache page nobody maps or holds leaves the cache (and is freed). */
void swap_free(uint64_t entry);
/* PTEs that hold entry. */
uint32_t swap_count(uint64_t entry);
/* Whether entry's slot held a KSM page when it went out. */
bool swap_was_ksm(uint64_t entry);
/* Whether page is in the swap cache for a slot that held a KSM page (ksmd re-merges such
 * a page where it is: its former sharers map it through the cache). */
bool swap_cache_page_was_ksm(const struct page *page);
/* Whether page is in the swap cache of an area that swapoff is emptying (reclaim must not
 * add to it). */
bool swap_page_closing(const struct page *page);
/* Reclaim: page (in the cache, unmapped, dirty) goes into a write batch: PG_DIRTY becomes
 * PG_WRITEBACK, unless it left the cache or its area is closing (false, nothing changed). */
bool swap_cache_start_writeback(struct page *page);
/* Put page (PG_ANON, caller holds a reference) in the cache for entry, a used slot: the
 * cache takes a reference of its own. false if the slot has a cache page already (another
 * task is reading it in: look it up instead). */
bool swap_cache_add(struct page *page, uint64_t entry);
/* Readahead: the same, only if PTEs hold entry's slot (its data is wanted) and nothing is
 * in the cache for it yet. */
bool swap_cache_add_readahead(struct page *page, uint64_t entry);
/* The cache page of entry with a reference, or NULL. */
struct page *swap_cache_lookup(uint64_t entry);
/* Take page out of the cache (the caller holds its own reference, so it survives); its
 * slot is freed if no PTE holds it. */
void swap_cache_delete(struct page *page);
/* Reclaim: take a cache page nobody maps out of the cache if the caller's reference is
 * the only other one and the page is clean (or no PTE holds its entry any more); true if
 * done (the caller's reference is then the last). */
bool swap_cache_release_unused(struct page *page);
/* put_page() left only the cache's reference on page: if no PTE holds its entry either,
 * nobody can ask for the data again, and it leaves the cache (and is freed). */
void swap_cache_drop_orphan(struct page *page);
/* A write to a cache page by its one user (one mapping or one PTE holding its entry, plus
 * the cache, hold it): take it out of the cache, so that it may be written in place; its
 * slot goes with the last reference to it. false (nothing changed) if anyone else may see
 * the page or its slot: the writer must copy. */
bool swap_cache_reuse(struct page *page);
/* Pages in the swap cache (lock-free snapshot). */
uint64_t swap_cache_pages(void);

/* ---- swap_io.c: page I/O on the slots of cache pages (sleep until done) ---- */
#define SWAP_BATCH_MAX 32	/* pages in one batch of I/O */
/* Read the slots of pages[i] (each PG_SWAPCACHE, PG_LOCKED by the caller, who clears it
 * afterwards with swap_page_unlocked) into them, all in flight at once; err[i] gets 0 or
 * -EIO. */
void swap_read_pages(struct page **pages, int *err, unsigned n);
/* Write pages[i] (each PG_SWAPCACHE, PG_WRITEBACK set by the caller) to their slots, all
 * in flight at once; err[i] gets 0 or -EIO. PG_WRITEBACK is cleared as each one ends. */
void swap_write_pages(struct page **pages, int *err, unsigned n);
/* Sleep until page has none of flags (PG_LOCKED: being read in, PG_WRITEBACK: in a write
 * batch or being written). A fault waits for PG_LOCKED only: a page under writeback is
 * valid, and its batch may wait for locks the faulter holds. */
void swap_wait_page(struct page *page, uint64_t flags);

/* ---- swap_in.c ---- */
/* /proc/sys/vm/page-cluster, Linux's knob: a fault that reads from swap reads the 2^n
 * slots around its own (those whose data some PTE still wants) in one batch. 0: no
 * readahead. At most SWAP_CLUSTER_MAX. */
extern unsigned swap_page_cluster;
#define SWAP_CLUSTER_MAX 5

/* ---- vmscan.c / kswapd.c: reclaim ---- */
/* A new user page joins the LRU (alloc_anon_page); its final put_page() leaves it. */
void lru_add(struct page *page);
void lru_remove(struct page *page);
/* Swap out up to nr pages chosen by the clock; returns how many frames were freed. Sleeps;
 * call without locks. Takes reclaim_mutex. */
uint64_t reclaim_pages(uint64_t nr);
/* madvise(MADV_PAGEOUT): write out at once the anonymous pages of [start, end) that mm
 * alone maps (not KSM pages), accessed or not; returns the frames freed (0 without swap).
 * Sleeps; call without locks (takes reclaim_mutex, then mm->lock page by page). */
uint64_t pageout_range(struct mm *mm, uint64_t start, uint64_t end);
/* Boot, after the scheduler: the kswapd thread and the watermarks. */
void kswapd_init(void);
/* Whether a user-page allocation may take a frame now (free memory above the min
 * watermark, which keeps a reserve for the kernel); wakes kswapd below the low one. */
bool user_alloc_allowed(void);
/* A user-page allocation failed: reclaim directly, else call the OOM killer. true if the
 * caller should try again. Sleeps; call without locks. */
bool make_room_for_user_page(void);
/* For the in-kernel self-test, which empties the frame allocator on purpose and counts
 * every frame: while disabled, user allocations ignore the watermarks, and reclaim, kswapd
 * and the OOM killer do nothing. */
void reclaim_disable(bool disabled);
/* The watermarks, in pages (read-only after kswapd_init). */
extern uint64_t wmark_min, wmark_low, wmark_high;

#endif
