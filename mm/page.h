/* struct page: what mm knows about each physical frame, one 64-byte entry per frame from
 * frame 0 up to the highest usable frame, in one array (mem_map) reached by arithmetic. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "lib/compiler.h"
#include "lib/list.h"
#include "mm/memlayout.h"

/* page->flags. Set and cleared atomically (page_set/page_clear), so owners may use their
 * own bits while someone else reads. A free frame has no flags; an owner clears its flag
 * before it frees the frame. */
#define PG_RESERVED (1UL << 0) /* never given to the allocator: firmware, hole, kernel image,
				* boot module, struct page array, first MiB */
#define PG_BUDDY    (1UL << 1) /* first frame of a free buddy block (order in ->order) */
#define PG_SLAB     (1UL << 2) /* part of a slab (->slab_cache in every frame of it) */
#define PG_PGTABLE  (1UL << 3) /* a page-table page */
#define PG_KMALLOC  (1UL << 4) /* first frame of a multi-page kmalloc block */
/* User memory (bits 5-15). A user frame's owner flag is set while it is in use and cleared
 * by put_page() when the last reference goes. */
#define PG_ANON     (1UL << 5) /* private anonymous page of an address space (demand-zero,
				* copy-on-write copy, copied file data): on ->rmap, KSM candidate */
#define PG_ZERO     (1UL << 6) /* the shared zero page: never freed, never on a reverse map,
				* never counted in rss or mapcount */
#define PG_SHMEM    (1UL << 7) /* page of a shared anonymous object (mm/shmem.c), which holds
				* one reference; on ->rmap like anonymous pages */
#define PG_KSM      (1UL << 8) /* KSM page (mm/ksm.c): ->private is its stable node; never
				* written in place, always copied on write */
/* Reclaim and swap (mm/vmscan.c, mm/swap_state.c): */
#define PG_LRU       (1UL << 9)  /* on the reclaim LRU (->list), [lru lock] */
#define PG_SWAPCACHE (1UL << 10) /* in the swap cache under ->swap, which holds one reference
				  * [swap lock] */
#define PG_DIRTY     (1UL << 11) /* swap cache page newer than its slot on disk */
#define PG_WRITEBACK (1UL << 12) /* being written to its slot */
#define PG_LOCKED    (1UL << 13) /* being read from its slot: contents not valid yet */
#define PG_YOUNG     (1UL << 14) /* a PTE of it was accessed, and ksmd cleared the bit to see
				  * whether the page idles (same_behaviour): reclaim counts it
				  * as that accessed bit */
/* Bit 15 stays free. */
#define PG_USER_MASK (0x7ffUL << 5)

struct kmem_cache;

struct page {
	uint64_t flags;         /*  0: PG_* */
	int32_t refcount;       /*  8: references (atomic); 0 = free, reserved or a tail frame */
	int32_t mapcount;       /* 12: PTEs that map the frame (atomic; user pages: the length of
				 *     ->rmap, changed under the rmap lock) */
	struct list_head list;  /* 16: the owner's list: buddy free list, partial slabs, the
				 *     reclaim LRU (PG_LRU) */
	union {                 /* 32: by owner */
		void *rmap;     /*     PG_ANON/PG_SHMEM: reverse map, the list of (mm, address)
				 *     that map the frame (mm/rmap.h) */
		struct kmem_cache *slab_cache; /* PG_SLAB: the owning cache */
	};
	union {                 /* 40: by owner */
		void *freelist; /*     PG_SLAB, first frame of the slab: first free object */
		uint64_t swap;  /*     PG_SWAPCACHE: the swap entry (mm/swap.h) */
	};
	uint64_t private;       /* 48: the owner's word (PG_KSM: the stable node) */
	uint8_t order;          /* 56: first frame of a block: its order (free or allocated) */
	uint16_t inuse;         /* 58: PG_SLAB, first frame of the slab: objects handed out */
	uint32_t unused;        /* 60 */
};
_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes");

/* The array, set up once by page_array_init(); read-only afterwards. */
extern struct page *mem_map;
extern uint64_t max_pfn; /* frames [0, max_pfn) have a struct page */

static inline bool page_test(const struct page *p, uint64_t flag)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED) & flag;
}
static inline void page_set(struct page *p, uint64_t flag) { __atomic_fetch_or(&p->flags, flag, __ATOMIC_RELAXED); }
static inline void page_clear(struct page *p, uint64_t flag) { __atomic_fetch_and(&p->flags, ~flag, __ATOMIC_RELAXED); }

static inline bool pfn_valid(uint64_t pfn) { return pfn < max_pfn; }
static inline struct page *pfn_to_page(uint64_t pfn) { return &mem_map[pfn]; }
static inline uint64_t page_to_pfn(const struct page *p) { return (uint64_t)(p - mem_map); }
static inline uint64_t page_to_phys(const struct page *p) { return page_to_pfn(p) << PAGE_SHIFT; }
/* The frame's contents, through the direct map. */
static inline void *page_address(const struct page *p) { return phys_to_virt(page_to_phys(p)); }
/* The frame behind a direct-map or kernel-image address. */
static inline struct page *virt_to_page(const void *va) { return pfn_to_page(virt_to_phys(va) >> PAGE_SHIFT); }

#endif
