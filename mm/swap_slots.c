/* A swap area's slot map (see swap_slots.h). 16 bytes a slot: 0.4% of the area's size, all
 * allocated when the area is enabled, so that reclaim never allocates to find a slot. */
#include "mm/swap_slots.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

struct swap_slot *swap_slot(const struct swap_slots *s, uint64_t off)
{
	BUG_ON(off >= s->nslots);
	return &s->chunks[off / SLOTS_PER_CHUNK][off % SLOTS_PER_CHUNK];
}

static uint64_t nchunks(uint64_t nslots) { return (nslots + SLOTS_PER_CHUNK - 1) / SLOTS_PER_CHUNK; }

int swap_slots_init(struct swap_slots *s, uint64_t nslots, const uint32_t *bad, uint32_t nbad)
{
	memset(s, 0, sizeof(*s));
	uint64_t n = nchunks(nslots);
	s->chunks = kzalloc(n * sizeof(*s->chunks));
	if (!s->chunks)
		return -ENOMEM;
	s->nslots = nslots;
	for (uint64_t i = 0; i < n; i++) {
		if (!(s->chunks[i] = kzalloc(PAGE_SIZE))) {
			swap_slots_destroy(s);
			return -ENOMEM;
		}
	}
	swap_slot(s, 0)->flags = SLOT_BAD;
	uint64_t nbad_slots = 1;
	for (uint32_t i = 0; i < nbad; i++) {
		struct swap_slot *sl = swap_slot(s, bad[i]);
		nbad_slots += !(sl->flags & SLOT_BAD); /* a page listed twice counts once */
		sl->flags = SLOT_BAD;
	}
	s->nusable = nslots - nbad_slots;
	s->cursor = 1;
	return 0;
}

void swap_slots_destroy(struct swap_slots *s)
{
	BUG_ON(s->nused);
	for (uint64_t i = 0; s->chunks && i < nchunks(s->nslots); i++)
		kfree(s->chunks[i]);
	kfree(s->chunks);
	memset(s, 0, sizeof(*s));
}

uint64_t swap_slots_alloc(struct swap_slots *s)
{
	if (s->nused == s->nusable)
		return 0;
	/* A free slot exists, so this ends within one lap. */
	for (;;) {
		uint64_t off = s->cursor;
		s->cursor = off + 1 < s->nslots ? off + 1 : 1;
		struct swap_slot *sl = swap_slot(s, off);
		if (!(sl->flags & (SLOT_USED | SLOT_BAD))) {
			BUG_ON(sl->count || sl->cache);
			sl->flags = SLOT_USED;
			s->nused++;
			return off;
		}
	}
}

bool swap_slots_release(struct swap_slots *s, uint64_t off)
{
	struct swap_slot *sl = swap_slot(s, off);
	BUG_ON(!(sl->flags & SLOT_USED));
	if (sl->count || sl->cache)
		return false;
	sl->flags = 0;
	s->nused--;
	return true;
}
