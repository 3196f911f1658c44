/* mm-internal: the swap areas as swapfile.c, swap_state.c and swap_io.c share them. */
#ifndef MM_SWAP_INTERNAL_H
#define MM_SWAP_INTERNAL_H

#include "mm/swap.h"
#include "mm/swap_slots.h"
#include "arch-x86_64/spinlock.h"

struct blockdev;
struct mm;

/* One enabled swap area. Made and freed by swapon/swapoff (swapon_mutex); while it is in
 * swap_areas[] only these fields change: */
struct swap_area {
	struct blockdev *dev;
	char path[24];			/* "/dev/vda" */
	int prio;			/* Linux's default priorities: -2, -3, ... */
	struct swap_slots slots;	/* [swap_lock] */
	uint64_t pte_refs;		/* [swap_lock] sum of the slots' counts (swapoff's progress) */
	uint64_t cached;		/* [swap_lock] slots with a cache page */
	bool writeok;			/* [swap_lock] new slots may be taken (false while swapoff
					 * empties the area) */
	uint64_t pswpin, pswpout;	/* atomic: pages read and written */
	char label[17];
};

/* The swap lock: every area's slot map, pte_refs, cached, writeok, and swap_areas[] (read
 * under it, changed under it and swapon_mutex). irqsave, leaf. */
extern spinlock_t swap_lock;
extern struct swap_area *swap_areas[MAX_SWAPFILES];

/* The area and slot of entry, under swap_lock; BUG on an entry of no area. */
struct swap_area *swap_area_of(uint64_t entry);
struct swap_slot *swap_slot_of(uint64_t entry);

/* swap_io.c: the reader of a page (swap_in.c) clears PG_LOCKED and wakes the waiters. */
void swap_page_unlocked(struct page *page);

/* swap_in.c: bring every page of area `type` back into mm (swapoff): 0, -ENOMEM or -EIO.
 * Takes mm->lock. */
int swap_unuse_mm(struct mm *mm, unsigned type);

#endif
