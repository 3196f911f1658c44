/* What ksmd remembers of each scanned page between visits: the rmap items' life in their
 * slot's address-ordered list, and the two decisions taken from an item's history alone:
 * is the page volatile (its checksum moved since the last visit), and may smart scan skip
 * it this time. Pure bookkeeping over items (tests/unit/test_ksm_tree.c). [ksm_lock] */
#include "mm/ksm_internal.h"
#include "mm/slab.h"
#include "lib/string.h"

static struct kmem_cache rmap_item_cache;

void ksm_item_init(void)
{
	kmem_cache_init(&rmap_item_cache, "ksm_rmap_item", sizeof(struct ksm_rmap_item), 8);
}

void free_rmap_item(struct ksm_rmap_item *item)
{
	item->slot->rmap_items--;
	ksm_stat.rmap_items--;
	kmem_cache_free(&rmap_item_cache, item);
}

void remove_trailing_rmap_items(struct ksm_rmap_item **list)
{
	while (*list) {
		struct ksm_rmap_item *item = *list;
		*list = item->rmap_next;
		remove_rmap_item_from_tree(item);
		free_rmap_item(item);
	}
}

struct ksm_rmap_item *get_next_rmap_item(struct ksm_mm_slot *slot, struct ksm_rmap_item **list,
					 uint64_t addr)
{
	while (*list) {
		struct ksm_rmap_item *item = *list;
		if ((item->address & PAGE_MASK) == addr)
			return item;
		if (item->address > addr)
			break;
		*list = item->rmap_next;
		remove_rmap_item_from_tree(item);
		free_rmap_item(item);
	}
	struct ksm_rmap_item *item = kmem_cache_alloc(&rmap_item_cache);
	if (!item)
		return NULL;
	memset(item, 0, sizeof(*item));
	item->slot = slot;
	item->address = addr;
	item->rmap_next = *list;
	*list = item;
	slot->rmap_items++;
	ksm_stat.rmap_items++;
	return item;
}

/* How many scans smart scan skips a page that failed to merge age times. */
static unsigned skip_age(uint8_t age)
{
	return age <= 3 ? 1 : age <= 5 ? 2 : age <= 8 ? 4 : 8;
}

bool should_skip_rmap_item(struct page *page, struct ksm_rmap_item *item)
{
	if (!READ_ONCE(ksm_knobs.smart_scan) || page_test(page, PG_KSM))
		return false;
	uint8_t age = item->age;
	if (age != UINT8_MAX)
		item->age++;
	if (age < 3) /* young pages go through every phase first */
		return false;
	if (!item->remaining_skips) {
		item->remaining_skips = skip_age(age);
		return false;
	}
	ksm_stat.pages_skipped++;
	item->remaining_skips--;
	remove_rmap_item_from_tree(item);
	return true;
}

bool rmap_item_volatile(struct ksm_rmap_item *item, uint32_t checksum)
{
	checksum = checksum ? checksum : 1; /* 0 means none yet */
	if (item->oldchecksum == checksum)
		return false;
	item->oldchecksum = checksum;
	item->changed_scan = (uint16_t)ksm_stat.seqnr;
	return true;
}
