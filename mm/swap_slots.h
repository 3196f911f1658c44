/* The slot map of one swap area: for each of its pages, how many PTEs hold its swap entry,
 * whether the swap cache holds a page with its data, and whether it is in use or bad. The
 * allocator hands out free slots next-fit from a cursor, so that pages swapped out together
 * lie together on disk. Pure data structure: the caller (mm/swapfile.c) serialises every
 * call with the swap lock; tested on the host. */
#ifndef MM_SWAP_SLOTS_H
#define MM_SWAP_SLOTS_H

#include "lib/compiler.h"
#include "mm/memlayout.h"

struct page;

#define SLOT_USED (1u << 0) /* allocated: referenced by PTEs or the swap cache, or about to be */
#define SLOT_BAD  (1u << 1) /* never handed out: the header page, or a bad page */
#define SLOT_KSM  (1u << 2) /* holds a page that was a KSM page when it went out */

struct swap_slot {
	struct page *cache;	/* the swap-cache page with this slot's data, or NULL */
	uint32_t count;		/* PTEs that hold this slot's swap entry */
	uint32_t flags;		/* SLOT_* */
};

#define SLOTS_PER_CHUNK (PAGE_SIZE / sizeof(struct swap_slot))

struct swap_slots {
	struct swap_slot **chunks;	/* nslots slots in page-sized chunks */
	uint64_t nslots;		/* pages of the area, the header included */
	uint64_t nusable;		/* of them not bad (nor the header) */
	uint64_t nused;			/* of them SLOT_USED */
	uint64_t cursor;		/* where the next search starts */
};

/* Set up the map of an area of nslots pages (slot 0, the header, and the nbad pages listed
 * in bad are marked bad; indices already checked to lie in [1, nslots)). 0 or -ENOMEM
 * (nothing left allocated). */
int swap_slots_init(struct swap_slots *s, uint64_t nslots, const uint32_t *bad, uint32_t nbad);
/* Free the map; every slot must be unused. */
void swap_slots_destroy(struct swap_slots *s);
/* The slot at offset off (< nslots). */
struct swap_slot *swap_slot(const struct swap_slots *s, uint64_t off);
/* A free slot, marked SLOT_USED with no references: its offset, or 0 if the area is full
 * (0 is the header, never a data slot). */
uint64_t swap_slots_alloc(struct swap_slots *s);
/* Free slot off if nothing refers to it any more (no PTE, no cache page): true if freed. */
bool swap_slots_release(struct swap_slots *s, uint64_t off);
static inline uint64_t swap_slots_free(const struct swap_slots *s) { return s->nusable - s->nused; }

#endif
