/* KSM's two content-ordered trees (see the top of mm/ksm.c for how ksmd uses them).
 *
 * The stable tree holds the KSM pages: write-protected everywhere, so their contents, and
 * the tree order, cannot change. A node's page is referenced by nobody but its mappings:
 * when the last one goes, ksm_page_freed() clears node->page and the next walk that meets
 * the node drops it. A node that would pass max_page_sharing items is not joined; the next
 * merge of that content makes a second KSM page, and the tree position becomes a chain
 * whose dups are the KSM pages of that content.
 *
 * The unstable tree holds candidate pages that stayed unchanged for one scan, ordered by
 * what they contained when compared: they are still writable, so the order may be wrong
 * by the time it is used. That is tolerated: a search may miss, a merge re-checks the
 * content after write-protecting, and the tree is thrown away at the start of every scan
 * (its items leave one by one as they are visited again, by the scan number they carry).
 *
 * Everything here expects ksm_lock, but for the node-page lock taken inside. */
#include "ksm_internal.h"
#include "page_alloc.h"
#include "page_cmp.h"
#include "rmap.h"
#include "kmalloc.h"
#include "spinlock.h"
#include "trace.h"
#include "printk.h"
#include "errno.h"

static struct rb_root stable_root = RB_ROOT;	/* [ksm_lock] */
static struct rb_root unstable_root = RB_ROOT;	/* [ksm_lock] */
static spinlock_t ksm_node_lock = SPINLOCK_INIT("ksm_node");

enum node_state { NODE_OK, NODE_GONE, NODE_BUSY };

/* node's KSM page with a reference; NULL once the page was freed; KSM_BUSY while its last
 * reference is being dropped (the page is about to tell the node). */
static struct page *node_page_get(struct ksm_stable_node *node)
{
	uint64_t f = spin_lock_irqsave(&ksm_node_lock);
	struct page *p = node->page;
	if (p && !get_page_unless_zero(p))
		p = KSM_BUSY;
	spin_unlock_irqrestore(&ksm_node_lock, f);
	return p;
}

void ksm_page_freed(struct page *page)
{
	struct ksm_stable_node *node = page_stable_node(page);
	if (!node)
		return; /* made KSM by a merge that failed half-way: no node yet */
	uint64_t f = spin_lock_irqsave(&ksm_node_lock);
	node->page = NULL; /* only now may the node be freed (a node with a page never is) */
	spin_unlock_irqrestore(&ksm_node_lock, f);
}

static struct ksm_stable_node *alloc_stable_node(struct page *kpage, bool chain)
{
	struct ksm_stable_node *n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	list_init(&n->items);
	list_init(&n->dups);
	n->is_chain = chain;
	n->page = kpage;
	n->kpfn = kpage ? page_to_pfn(kpage) : 0;
	return n;
}

/* Drop a node whose page is gone: its items are merged into nothing any more. */
static void remove_node_from_stable_tree(struct ksm_stable_node *node)
{
	struct list_head *p;
	list_for_each(p, &node->items) {
		struct ksm_rmap_item *item = list_entry(p, struct ksm_rmap_item, hlist);
		if (p->next != &node->items)
			ksm_stat.pages_sharing--;
		else
			ksm_stat.pages_shared--;
		item->slot->merging_pages--;
		item->address &= PAGE_MASK;
	}
	trace_event(ksm_remove_ksm_page, node->kpfn);
	if (node->chain) {
		list_del(&node->dups);
		ksm_stat.stable_node_dups--;
	} else {
		rb_erase(&node->node, &stable_root);
	}
	kfree(node);
}

static void free_chain(struct ksm_stable_node *chain)
{
	rb_erase(&chain->node, &stable_root);
	ksm_stat.stable_node_chains--;
	kfree(chain);
}

/* Prune the chain's dead dups. A chain left with one dup becomes that plain node again;
 * an empty one goes. Returns how many dups are left (below 2: the chain is gone). */
static unsigned prune_chain(struct ksm_stable_node *chain)
{
	struct list_head *p, *tmp;
	list_for_each_safe(p, tmp, &chain->dups) {
		struct ksm_stable_node *dup = list_entry(p, struct ksm_stable_node, dups);
		struct page *pg = node_page_get(dup);
		if (!pg)
			remove_node_from_stable_tree(dup);
		else if (pg != KSM_BUSY)
			put_page(pg);
	}
	if (list_empty(&chain->dups)) {
		free_chain(chain);
		return 0;
	}
	if (chain->dups.next->next == &chain->dups) { /* one dup left */
		struct ksm_stable_node *dup = list_first_entry(&chain->dups, struct ksm_stable_node, dups);
		rb_replace_node(&chain->node, &dup->node, &stable_root);
		list_init(&dup->dups);
		dup->chain = NULL;
		ksm_stat.stable_node_dups--;
		ksm_stat.stable_node_chains--;
		kfree(chain);
		return 1;
	}
	return 2;
}

void ksm_page_swapped_out(struct page *page)
{
	/* A sharer may have faulted it back in meanwhile: it then maps an ordinary page. */
	BUG_ON(!page_test(page, PG_KSM));
	struct ksm_stable_node *node = page_stable_node(page);
	if (node) {
		uint64_t f = spin_lock_irqsave(&ksm_node_lock);
		node->page = NULL;
		spin_unlock_irqrestore(&ksm_node_lock, f);
		struct ksm_stable_node *chain = node->chain;
		remove_node_from_stable_tree(node);
		if (chain)
			prune_chain(chain);
	}
	page->private = 0;
	page_clear(page, PG_KSM);
}

/* What the tree node n stands for: *cmp, a referenced page with its content, and *room,
 * the node one more item may join (NULL if all are full). Drops dead nodes on the way. */
static enum node_state tree_node_pages(struct ksm_stable_node *n, struct page **cmp,
				       struct ksm_stable_node **room)
{
	unsigned max = READ_ONCE(ksm_knobs.max_page_sharing);
	if (!n->is_chain) {
		struct page *p = node_page_get(n);
		if (!p) {
			remove_node_from_stable_tree(n);
			return NODE_GONE;
		}
		if (p == KSM_BUSY)
			return NODE_BUSY;
		*cmp = p;
		*room = (unsigned)n->nr_items < max ? n : NULL;
		return NODE_OK;
	}
	if (prune_chain(n) < 2)
		return NODE_GONE;
	/* Join the fullest dup that has room: pages fill up before new ones are used. */
	struct ksm_stable_node *best = NULL;
	struct page *any = NULL;
	struct list_head *p;
	list_for_each(p, &n->dups) {
		struct ksm_stable_node *dup = list_entry(p, struct ksm_stable_node, dups);
		if ((unsigned)dup->nr_items < max && (!best || dup->nr_items > best->nr_items))
			best = dup;
		if (!any && (any = node_page_get(dup)) == KSM_BUSY)
			any = NULL;
	}
	if (!any)
		return NODE_BUSY;
	*cmp = any;
	*room = best;
	return NODE_OK;
}

/* node's page for a caller that holds a reference to cmp, a page of the same content. */
static struct page *room_page(struct ksm_stable_node *room, struct page *cmp)
{
	if (room->page == cmp)
		return cmp;
	struct page *p = node_page_get(room);
	put_page(cmp);
	return p ? p : KSM_BUSY;
}

/* A walk down the stable tree by a page's content. */
struct stable_walk {
	struct ksm_stable_node *found;	/* the node of equal content, or NULL */
	struct page *cmp;		/* found: a page of that content, referenced */
	struct ksm_stable_node *room;	/* found: the node one more item may join, or NULL */
	struct rb_node **link, *parent;	/* not found: where a node of this content goes */
};

/* Walk to page's content, dropping dead nodes on the way; false if a node was busy. */
static bool stable_tree_walk(struct page *page, struct stable_walk *w)
{
again:
	w->link = &stable_root.node;
	w->parent = NULL;
	w->found = NULL;
	while (*w->link) {
		struct ksm_stable_node *sn = rb_entry(*w->link, struct ksm_stable_node, node);
		enum node_state st = tree_node_pages(sn, &w->cmp, &w->room);
		if (st == NODE_GONE)
			goto again;
		if (st == NODE_BUSY)
			return false;
		int c = page_compare(ksm_page_data(page), ksm_page_data(w->cmp));
		if (c == 0) {
			w->found = sn;
			return true;
		}
		put_page(w->cmp);
		w->parent = *w->link;
		w->link = c < 0 ? &w->parent->left : &w->parent->right;
	}
	return true;
}

struct page *stable_tree_search(struct page *page, struct ksm_stable_node **node)
{
	if (page_test(page, PG_KSM) && page_stable_node(page)) {
		get_page(page);
		*node = page_stable_node(page);
		return page;
	}
	struct stable_walk w;
	if (!stable_tree_walk(page, &w))
		return KSM_BUSY;
	if (!w.found)
		return NULL;
	if (!w.room) { /* every KSM page of this content is full */
		put_page(w.cmp);
		return NULL;
	}
	*node = w.room;
	return room_page(w.room, w.cmp);
}

struct ksm_stable_node *stable_tree_insert(struct page *kpage)
{
	struct stable_walk w;
	if (!stable_tree_walk(kpage, &w))
		return NULL;
	struct ksm_stable_node *found = w.found;
	if (found)
		put_page(w.cmp);
	struct ksm_stable_node *node = alloc_stable_node(kpage, false);
	if (!node)
		return NULL;
	if (!found) {
		rb_link_node(&node->node, w.parent, w.link);
		rb_insert_color(&node->node, &stable_root);
	} else if (!found->is_chain) { /* the second page of this content: make a chain */
		struct ksm_stable_node *chain = alloc_stable_node(NULL, true);
		if (!chain) {
			kfree(node);
			return NULL;
		}
		rb_replace_node(&found->node, &chain->node, &stable_root);
		found->chain = chain;
		list_add_tail(&found->dups, &chain->dups);
		ksm_stat.stable_node_chains++;
		ksm_stat.stable_node_dups++;
		found = chain;
	}
	if (found) {
		node->chain = found;
		list_add_tail(&node->dups, &found->dups);
		ksm_stat.stable_node_dups++;
	}
	WRITE_ONCE(kpage->private, (uint64_t)node);
	return node;
}

void stable_tree_append(struct ksm_rmap_item *item, struct ksm_stable_node *node)
{
	item->head = node;
	item->address |= KSM_STABLE;
	list_add(&item->hlist, &node->items);
	if (++node->nr_items > 1)
		ksm_stat.pages_sharing++;
	else
		ksm_stat.pages_shared++;
	item->slot->merging_pages++;
}

void remove_rmap_item_from_tree(struct ksm_rmap_item *item)
{
	if (item->address & KSM_STABLE) {
		struct ksm_stable_node *node = item->head;
		list_del(&item->hlist);
		if (--node->nr_items)
			ksm_stat.pages_sharing--;
		else
			ksm_stat.pages_shared--;
		item->slot->merging_pages--;
		trace_event(ksm_remove_rmap_item, node->kpfn, item, item->slot->mm);
	} else if (item->address & KSM_UNSTABLE) {
		/* Inserted this scan: still linked. Last scan: the tree it was in is gone. */
		uint8_t age = (uint8_t)(ksm_stat.seqnr - item->address);
		BUG_ON(age > 1);
		if (!age)
			rb_erase(&item->node, &unstable_root);
		ksm_stat.pages_unshared--;
	}
	if (item->address & KSM_ZERO_MERGED)
		ksm_stat.zero_merged_items--;
	item->address &= PAGE_MASK;
}

struct ksm_rmap_item *unstable_tree_search_insert(struct ksm_rmap_item *item,
						  struct page *page, struct page **tree_page)
{
	struct rb_node **link = &unstable_root.node, *parent = NULL;
	while (*link) {
		struct ksm_rmap_item *tree_item = rb_entry(*link, struct ksm_rmap_item, node);
		struct page *tp = ksm_get_mergeable_page(tree_item);
		if (!tp)
			return NULL; /* its page went away: the tree may be stale here, don't insert */
		if (tp == page) { /* the same frame (fork): already shared */
			put_page(tp);
			return NULL;
		}
		int c = page_compare(ksm_page_data(page), ksm_page_data(tp));
		if (c == 0) {
			*tree_page = tp;
			return tree_item;
		}
		put_page(tp);
		parent = *link;
		link = c < 0 ? &parent->left : &parent->right;
	}
	item->address |= KSM_UNSTABLE | (ksm_stat.seqnr & KSM_SEQNR_MASK);
	rb_link_node(&item->node, parent, link);
	rb_insert_color(&item->node, &unstable_root);
	ksm_stat.pages_unshared++;
	return NULL;
}

void unstable_tree_reset(void)
{
	unstable_root = RB_ROOT;
}

/* Drop n (a plain node or chain) if nothing is left of it: 0, or -EBUSY if a page lives. */
static int remove_if_dead(struct ksm_stable_node *n)
{
	if (!n->is_chain) {
		struct page *p = node_page_get(n);
		if (p) {
			if (p != KSM_BUSY)
				put_page(p);
			return -EBUSY;
		}
		remove_node_from_stable_tree(n);
		return 0;
	}
	return prune_chain(n) ? -EBUSY : 0; /* a dup that is left lives */
}

int remove_all_stable_nodes(void)
{
	int rc = 0;
	struct rb_node *n = rb_first(&stable_root);
	while (n) {
		struct rb_node *next = rb_next(n); /* n may go; its successor stays in place */
		if (remove_if_dead(rb_entry(n, struct ksm_stable_node, node)))
			rc = -EBUSY;
		n = next;
	}
	return rc;
}
