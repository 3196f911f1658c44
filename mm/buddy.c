/* The buddy allocator. A free block is represented by its first frame only: PG_BUDDY set,
 * ->order its size, ->list on free[order]. The buddy of the block at pfn with order k is
 * the block at pfn ^ 2^k; when both are free they merge into one block of order k + 1. */
#include "mm/buddy.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

void buddy_init(struct buddy *b, struct page *map, uint64_t npages)
{
	spin_lock_init(&b->lock, "buddy");
	b->map = map;
	b->npages = npages;
	for (unsigned o = 0; o <= MAX_ORDER; o++)
		list_init(&b->free[o]);
	b->nr_free = 0;
}

/* Put the free block [pfn, pfn + 2^order) on the free lists, merged with every free buddy
 * it has. Under b->lock. */
static void free_block(struct buddy *b, uint64_t pfn, unsigned order)
{
	assert_held(&b->lock);
	b->nr_free += 1UL << order;
	while (order < MAX_ORDER) {
		uint64_t buddy_pfn = pfn ^ (1UL << order);
		if (buddy_pfn >= b->npages)
			break;
		struct page *buddy = &b->map[buddy_pfn];
		if (!page_test(buddy, PG_BUDDY) || buddy->order != order)
			break;
		list_del(&buddy->list);
		page_clear(buddy, PG_BUDDY);
		pfn &= ~(1UL << order);
		order++;
	}
	struct page *head = &b->map[pfn];
	head->order = order;
	page_set(head, PG_BUDDY);
	list_add(&head->list, &b->free[order]);
}

void buddy_add_range(struct buddy *b, uint64_t start_pfn, uint64_t end_pfn)
{
	BUG_ON(start_pfn > end_pfn || end_pfn > b->npages);
	uint64_t flags = spin_lock_irqsave(&b->lock);
	for (uint64_t pfn = start_pfn; pfn < end_pfn; ) {
		unsigned order = 0;
		while (order < MAX_ORDER && !(pfn & (1UL << order)) && pfn + (2UL << order) <= end_pfn)
			order++;
		struct page *p = &b->map[pfn];
		BUG_ON(p->flags || p->refcount);
		free_block(b, pfn, order);
		pfn += 1UL << order;
	}
	spin_unlock_irqrestore(&b->lock, flags);
}

struct page *buddy_alloc(struct buddy *b, unsigned order)
{
	BUG_ON(order > MAX_ORDER);
	uint64_t flags = spin_lock_irqsave(&b->lock);
	unsigned o = order;
	while (o <= MAX_ORDER && list_empty(&b->free[o]))
		o++;
	if (o > MAX_ORDER) {
		spin_unlock_irqrestore(&b->lock, flags);
		return NULL;
	}
	struct page *head = list_first_entry(&b->free[o], struct page, list);
	list_del(&head->list);
	page_clear(head, PG_BUDDY);
	uint64_t pfn = (uint64_t)(head - b->map);
	while (o > order) { /* split: the upper half goes back, one order down */
		o--;
		struct page *upper = &b->map[pfn + (1UL << o)];
		upper->order = o;
		page_set(upper, PG_BUDDY);
		list_add(&upper->list, &b->free[o]);
	}
	b->nr_free -= 1UL << order;
	spin_unlock_irqrestore(&b->lock, flags);

	BUG_ON(head->flags || head->refcount || head->mapcount);
	head->refcount = 1;
	head->order = order;
	return head;
}

struct page *buddy_alloc_at(struct buddy *b, uint64_t pfn)
{
	if (pfn >= b->npages)
		return NULL;
	uint64_t flags = spin_lock_irqsave(&b->lock);
	/* The free block that holds pfn, if any: its head is pfn rounded down to its order. */
	unsigned o = 0;
	uint64_t start = pfn;
	for (; o <= MAX_ORDER; o++) {
		start = pfn & ~((1UL << o) - 1);
		if (page_test(&b->map[start], PG_BUDDY) && b->map[start].order == o)
			break;
	}
	if (o > MAX_ORDER) {
		spin_unlock_irqrestore(&b->lock, flags);
		return NULL;
	}
	list_del(&b->map[start].list);
	page_clear(&b->map[start], PG_BUDDY);
	while (o > 0) { /* split: the half without pfn goes back, one order down */
		o--;
		uint64_t other = (pfn & (1UL << o)) ? start : start + (1UL << o);
		if (other == start)
			start += 1UL << o;
		b->map[other].order = o;
		page_set(&b->map[other], PG_BUDDY);
		list_add(&b->map[other].list, &b->free[o]);
	}
	b->nr_free--;
	spin_unlock_irqrestore(&b->lock, flags);

	struct page *p = &b->map[pfn];
	BUG_ON(start != pfn || p->flags || p->refcount || p->mapcount);
	p->refcount = 1;
	p->order = 0;
	return p;
}

void buddy_free(struct buddy *b, struct page *page, unsigned order)
{
	uint64_t pfn = (uint64_t)(page - b->map);
	BUG_ON(order > MAX_ORDER || pfn >= b->npages || (pfn & ((1UL << order) - 1)));
	BUG_ON(page_test(page, PG_RESERVED | PG_BUDDY) || page->order != order);
	int32_t refs = __atomic_sub_fetch(&page->refcount, 1, __ATOMIC_ACQ_REL);
	BUG_ON(refs < 0);
	if (refs)
		return;
	BUG_ON(page->flags || page->mapcount); /* owners clear their flags before freeing */
	uint64_t flags = spin_lock_irqsave(&b->lock);
	free_block(b, pfn, order);
	spin_unlock_irqrestore(&b->lock, flags);
}
