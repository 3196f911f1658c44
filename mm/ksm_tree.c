/* KSM's two content-ordered trees (see the top of mm/ksm.c for how ksmd uses them).
 *
 * The stable tree holds the KSM pages: write-protected everywhere, so their contents, and
 * the tree order, cannot change. A node's page is referenced by nobody but its mappings:
 * when the last one goes, ksm_page_freed() clears node->page and the next walk that meets
 * the node drops it. A node that would pass max_page_sharing items is not joined; the next
 * merge of that content makes a second KSM page, and the tree position becomes a chain
 * whose dups are the KSM pages of that content. As in Linux, a lookup in a chain stops at
 * the first dup with room (dropping dead dups it passes), so its cost does not grow with
 * the chain; once per stable_node_chains_prune_millisecs a lookup visits every dup, drops
 * the dead ones, joins the fullest with room, and folds a chain whose one dup has room
 * back into a plain node.
 *
 * The unstable tree holds candidate pages that stayed unchanged for one scan, ordered by
 * what they contained when compared: they are still writable, so the order may be wrong
 * by the time it is used. That is tolerated: a search may miss, a merge re-checks the
 * content after write-protecting, and the tree is thrown away at the start of every scan
 * (its items leave one by one as they are visited again, by the scan number they carry).
 *
 * Merge domains: the trees come in sets, one per merge domain (struct ksm_tree_set, the
 * mechanism Linux uses for merge_across_nodes 0, keyed by domain). While the knob
 * merge_across_domains is 1 every page uses domain 0's set, so everything merges with
 * everything; at 0 a page is looked up and inserted only in its address space's domain's
 * trees, so it merges only within its domain. A stable node remembers its set; an item in
 * an unstable tree finds its set's root by walking up (a tree reset meanwhile leaves it
 * in no set, and nothing to unlink).
 *
 * Everything here expects ksm_lock; node->page alone is also written from outside it (see
 * node_page_get). */
#include "mm/ksm_internal.h"
#include "mm/page_ref.h"
#include "mm/page_cmp.h"
#include "mm/rmap.h"
#include "mm/kmalloc.h"
#include "kernel/trace.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "kernel/clock.h"

/* The trees of one merge domain: made on its first use, never freed (a few dozen bytes
 * each, 65536 domains at most). [ksm_lock] */
struct ksm_tree_set {
	struct list_head node;		/* in tree_sets */
	uint32_t domain;
	struct rb_root stable, unstable;
};
static struct ksm_tree_set domain0 = { .domain = 0 };
static struct list_head tree_sets = LIST_HEAD_INIT(tree_sets);	/* [ksm_lock] */

/* [ksm_lock] The set of domain d, made if new; NULL if out of memory. */
static struct ksm_tree_set *set_of_domain(uint32_t d)
{
	if (!domain0.node.next) /* the first call: domain 0's static set joins the list */
		list_add_tail(&domain0.node, &tree_sets);
	struct list_head *p;
	list_for_each(p, &tree_sets) {
		struct ksm_tree_set *s = list_entry(p, struct ksm_tree_set, node);
		if (s->domain == d)
			return s;
	}
	struct ksm_tree_set *s = kzalloc(sizeof(*s));
	if (!s)
		return NULL;
	s->domain = d;
	list_add_tail(&s->node, &tree_sets);
	return s;
}

/* [ksm_lock] The trees item's page is looked up in: its domain's, or domain 0's while
 * merge_across_domains is 1. NULL if out of memory. */
static struct ksm_tree_set *item_set(const struct ksm_rmap_item *item)
{
	return set_of_domain(READ_ONCE(ksm_knobs.merge_across_domains) ? 0 : ksm_mm_domain(item->slot->mm));
}

enum node_state { NODE_OK, NODE_GONE, NODE_BUSY };

/* node's KSM page with a reference; NULL once the page was freed; KSM_BUSY while its last
 * reference is being dropped (the page is about to tell the node). Lock-free, as Linux's
 * get_ksm_page: node->page only ever goes from the page to NULL, and it does so before the
 * frame can be freed and given to anyone else (ksm_page_freed, ksm_page_swapped_out), so a
 * reference taken on the page it pointed to is good if it still points there afterwards.
 * A lookup that finds a chain full meets every dup, so this is on ksmd's hot path. */
static struct page *node_page_get(struct ksm_stable_node *node)
{
	struct page *p = __atomic_load_n(&node->page, __ATOMIC_ACQUIRE);
	if (!p)
		return NULL;
	if (!get_page_unless_zero(p))
		return KSM_BUSY;
	if (__atomic_load_n(&node->page, __ATOMIC_ACQUIRE) == p)
		return p;
	put_page(p); /* freed and reused meanwhile: not the node's any more */
	return NULL;
}

void ksm_page_freed(struct page *page)
{
	struct ksm_stable_node *node = page_stable_node(page);
	if (!node)
		return; /* made KSM by a merge that failed half-way: no node yet */
	/* only now may the node be freed (a node with a page never is) */
	__atomic_store_n(&node->page, NULL, __ATOMIC_RELEASE);
}

static struct ksm_stable_node *alloc_stable_node(struct ksm_tree_set *set, struct page *kpage,
					       bool chain)
{
	struct ksm_stable_node *n = kzalloc(sizeof(*n));
	if (!n)
		return NULL;
	n->set = set;
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
	BUG_ON(READ_ONCE(node->page)); /* a node with a page is never freed */
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
		rb_erase(&node->node, &node->set->stable);
	}
	kfree(node);
}

static void free_chain(struct ksm_stable_node *chain)
{
	BUG_ON(!list_empty(&chain->dups)); /* a chain goes with its last dup */
	rb_erase(&chain->node, &chain->set->stable);
	ksm_stat.stable_node_chains--;
	kfree(chain);
}

/* Drop the chain's dups whose page is gone; a chain left empty goes too. Returns how many
 * dups are left (0: the chain is gone). */
static unsigned drop_dead_dups(struct ksm_stable_node *chain)
{
	unsigned left = 0;
	struct list_head *p, *tmp;
	list_for_each_safe(p, tmp, &chain->dups) {
		struct ksm_stable_node *dup = list_entry(p, struct ksm_stable_node, dups);
		struct page *pg = node_page_get(dup);
		if (!pg) {
			remove_node_from_stable_tree(dup);
			continue;
		}
		if (pg != KSM_BUSY)
			put_page(pg);
		left++;
	}
	if (!left)
		free_chain(chain);
	return left;
}

void ksm_page_swapped_out(struct page *page)
{
	/* A sharer may have faulted it back in meanwhile: it then maps an ordinary page. */
	BUG_ON(!page_test(page, PG_KSM));
	struct ksm_stable_node *node = page_stable_node(page);
	if (node) {
		__atomic_store_n(&node->page, NULL, __ATOMIC_RELEASE);
		struct ksm_stable_node *chain = node->chain;
		remove_node_from_stable_tree(node);
		if (chain && list_empty(&chain->dups))
			free_chain(chain); /* a chain of one dup waits for its next pruning */
	}
	page->private = 0;
	page_clear(page, PG_KSM);
}

/* Whether node has room for one more item beyond `extra` already on their way. */
static bool has_room(const struct ksm_stable_node *node, int extra, unsigned max)
{
	return (unsigned)(node->nr_items + extra) < max;
}

/* Whether this lookup of chain is its pruning one (at most one per
 * stable_node_chains_prune_millisecs); if so the next interval starts now. */
static bool chain_prune_due(struct ksm_stable_node *chain)
{
	uint64_t now = clock_ns();
	uint64_t interval = (uint64_t)READ_ONCE(ksm_knobs.stable_node_chains_prune_millisecs) * 1000000;
	if (now - chain->chain_prune_time < interval)
		return false;
	chain->chain_prune_time = now;
	return true;
}

/* The chain's only dup takes the chain's place in the tree as a plain node. */
static void fold_chain(struct ksm_stable_node *chain, struct ksm_stable_node *dup)
{
	BUG_ON(chain->dups.next != &dup->dups || dup->dups.next != &chain->dups);
	rb_replace_node(&chain->node, &dup->node, &chain->set->stable);
	list_init(&dup->dups);
	dup->chain = NULL;
	ksm_stat.stable_node_dups--;
	ksm_stat.stable_node_chains--;
	kfree(chain);
}

/* Linux's stable_node_dup: look a chain up; dead dups met on the way are dropped. An
 * ordinary lookup stops at the first dup with room. A pruning one (prune, and the chain's
 * interval has passed) visits every dup, picks the fullest with room, and folds a chain
 * left with one dup, which has room, back into a plain node (*chainp becomes that node).
 * *cmp: a referenced page of the content (the room node's if there is one); *room: the
 * dup one more item may join, or NULL if all are full. */
static enum node_state chain_lookup(struct ksm_stable_node **chainp, bool prune,
				    struct page **cmp, struct ksm_stable_node **room)
{
	struct ksm_stable_node *chain = *chainp, *found = NULL;
	unsigned max = READ_ONCE(ksm_knobs.max_page_sharing);
	struct page *page = NULL;
	prune = prune && chain_prune_due(chain);
	/* Known full: any live dup's page will do for comparing, and there is no room to find.
	 * (Linux walks every dup here; under TCG a chain of a few hundred dups made that most
	 * of ksmd's time on a region with one content in three pages of four.) */
	bool any = chain->all_full && !prune;
	struct list_head *p, *tmp;
	list_for_each_safe(p, tmp, &chain->dups) {
		struct ksm_stable_node *dup = list_entry(p, struct ksm_stable_node, dups);
		struct page *pg = node_page_get(dup);
		if (!pg) {
			remove_node_from_stable_tree(dup);
			continue;
		}
		if (pg == KSM_BUSY)
			continue;
		if (any) {
			page = pg;
			break;
		}
		if (has_room(dup, 0, max) && (!found || dup->nr_items > found->nr_items)) {
			if (page)
				put_page(page);
			page = pg;
			found = dup;
			if (!prune)
				break;
			continue;
		}
		if (page) /* any live page does for comparing, until one with room turns up */
			put_page(pg);
		else
			page = pg;
	}
	if (list_empty(&chain->dups)) {
		free_chain(chain);
		return NODE_GONE;
	}
	if (!page)
		return NODE_BUSY;
	if (!any)
		chain->all_full = !found;
	if (found && prune && chain->dups.next->next == &chain->dups) {
		fold_chain(chain, found);
		*chainp = found;
	} else if (found && chain->dups.next != &found->dups && has_room(found, 1, max)) {
		list_del(&found->dups); /* to the front: the next lookup stops there */
		list_add(&found->dups, &chain->dups);
	}
	*cmp = page;
	*room = found;
	return NODE_OK;
}

/* What the tree node *n stands for: *cmp, a referenced page with its content, and *room,
 * the node one more item may join (NULL if all are full; else *cmp is its page). Drops
 * dead nodes on the way; a chain may fold into its last dup, which *n then becomes. */
static enum node_state tree_node_pages(struct ksm_stable_node **n, bool prune, struct page **cmp,
				       struct ksm_stable_node **room)
{
	if ((*n)->is_chain)
		return chain_lookup(n, prune, cmp, room);
	struct page *p = node_page_get(*n);
	if (!p) {
		remove_node_from_stable_tree(*n);
		return NODE_GONE;
	}
	if (p == KSM_BUSY)
		return NODE_BUSY;
	*cmp = p;
	*room = has_room(*n, 0, READ_ONCE(ksm_knobs.max_page_sharing)) ? *n : NULL;
	return NODE_OK;
}

/* A walk down the stable tree by a page's content. */
struct stable_walk {
	struct ksm_stable_node *found;	/* the node of equal content, or NULL */
	struct page *cmp;		/* found: a page of that content, referenced */
	struct ksm_stable_node *room;	/* found: the node one more item may join, or NULL */
	struct rb_node **link, *parent;	/* not found: where a node of this content goes */
};

/* Walk to page's content, dropping dead nodes on the way and, if prune (the search does,
 * the insertion not, as in Linux), pruning the chains met; false if a node was busy. */
static bool stable_tree_walk(struct ksm_tree_set *set, struct page *page, bool prune,
			     struct stable_walk *w)
{
again:
	w->link = &set->stable.node;
	w->parent = NULL;
	w->found = NULL;
	while (*w->link) {
		struct ksm_stable_node *sn = rb_entry(*w->link, struct ksm_stable_node, node);
		enum node_state st = tree_node_pages(&sn, prune, &w->cmp, &w->room);
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

struct page *stable_tree_search(const struct ksm_rmap_item *item, struct page *page,
				struct ksm_stable_node **node)
{
	if (page_test(page, PG_KSM) && page_stable_node(page)) {
		get_page(page);
		*node = page_stable_node(page);
		return page;
	}
	struct ksm_tree_set *set = item_set(item);
	if (!set)
		return NULL; /* no memory for its domain's trees: as if unique */
	struct stable_walk w;
	if (!stable_tree_walk(set, page, true, &w))
		return KSM_BUSY;
	if (!w.found)
		return NULL;
	if (!w.room) { /* every KSM page of this content is full */
		trace_event(ksm_merge_failed, page_to_pfn(page), 0UL, NULL, "max_page_sharing reached");
		put_page(w.cmp);
		return NULL;
	}
	*node = w.room;
	return w.cmp;
}

struct ksm_stable_node *stable_tree_insert(const struct ksm_rmap_item *item, struct page *kpage)
{
	struct ksm_tree_set *set = item_set(item);
	struct stable_walk w;
	if (!set || !stable_tree_walk(set, kpage, false, &w))
		return NULL;
	struct ksm_stable_node *found = w.found;
	if (found)
		put_page(w.cmp);
	struct ksm_stable_node *node = alloc_stable_node(set, kpage, false);
	if (!node)
		return NULL;
	if (!found) {
		rb_link_node(&node->node, w.parent, w.link);
		rb_insert_color(&node->node, &set->stable);
	} else if (!found->is_chain) { /* the second page of this content: make a chain */
		struct ksm_stable_node *chain = alloc_stable_node(set, NULL, true);
		if (!chain) {
			kfree(node);
			return NULL;
		}
		rb_replace_node(&found->node, &chain->node, &set->stable);
		chain->chain_prune_time = clock_ns();
		found->chain = chain;
		list_add_tail(&found->dups, &chain->dups);
		ksm_stat.stable_node_chains++;
		ksm_stat.stable_node_dups++;
		found = chain;
	}
	if (found) {
		node->chain = found;
		found->all_full = false;
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

/* [ksm_lock] The unstable root whose tree holds n: its top node is a set's root; NULL if
 * the tree was reset meanwhile (a knob or a domain changed mid-scan). */
static struct rb_root *unstable_root_of(struct rb_node *n)
{
	while (n->parent)
		n = n->parent;
	struct list_head *p;
	list_for_each(p, &tree_sets) {
		struct ksm_tree_set *s = list_entry(p, struct ksm_tree_set, node);
		if (s->unstable.node == n)
			return &s->unstable;
	}
	return NULL;
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
		if (node->chain)
			node->chain->all_full = false;
		item->slot->merging_pages--;
		trace_event(ksm_remove_rmap_item, node->kpfn, item, item->slot->mm);
	} else if (item->address & KSM_UNSTABLE) {
		/* Inserted this scan: still linked. Last scan: the tree it was in is gone. */
		uint8_t age = (uint8_t)(ksm_stat.seqnr - item->address);
		BUG_ON(age > 1);
		struct rb_root *root = age ? NULL : unstable_root_of(&item->node);
		if (root)
			rb_erase(&item->node, root);
		ksm_stat.pages_unshared--;
	}
	if (item->address & KSM_ZERO_MERGED)
		ksm_stat.zero_merged_items--;
	item->address &= PAGE_MASK;
}

struct ksm_rmap_item *unstable_tree_search_insert(struct ksm_rmap_item *item,
						  struct page *page, struct page **tree_page)
{
	struct ksm_tree_set *set = item_set(item);
	if (!set)
		return NULL; /* no memory for its domain's trees: it waits for another scan */
	struct rb_node **link = &set->unstable.node, *parent = NULL;
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
	rb_insert_color(&item->node, &set->unstable);
	ksm_stat.pages_unshared++;
	return NULL;
}

void unstable_tree_reset(void)
{
	set_of_domain(0); /* (the list holds domain 0's set from the start) */
	struct list_head *p;
	list_for_each(p, &tree_sets)
		list_entry(p, struct ksm_tree_set, node)->unstable = RB_ROOT;
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
	return drop_dead_dups(n) ? -EBUSY : 0; /* a dup that is left lives */
}

int remove_all_stable_nodes(void)
{
	int rc = 0;
	set_of_domain(0);
	struct list_head *p;
	list_for_each(p, &tree_sets) {
		struct rb_node *n = rb_first(&list_entry(p, struct ksm_tree_set, node)->stable);
		while (n) {
			struct rb_node *next = rb_next(n); /* n may go; its successor stays */
			if (remove_if_dead(rb_entry(n, struct ksm_stable_node, node)))
				rc = -EBUSY;
			n = next;
		}
	}
	return rc;
}

/* Pages shared and sharing under node (a plain node, or a chain's dups). */
static void node_pages(const struct ksm_stable_node *n, uint64_t *shared, uint64_t *sharing)
{
	if (!n->is_chain) {
		*shared += n->nr_items > 0;
		*sharing += n->nr_items > 1 ? n->nr_items - 1 : 0;
		return;
	}
	struct list_head *p;
	list_for_each(p, &n->dups)
		node_pages(list_entry(p, struct ksm_stable_node, dups), shared, sharing);
}

void ksm_for_each_domain(void (*fn)(uint32_t domain, uint64_t shared, uint64_t sharing, void *ctx),
			 void *ctx)
{
	set_of_domain(0);
	struct list_head *p;
	list_for_each(p, &tree_sets) {
		struct ksm_tree_set *set = list_entry(p, struct ksm_tree_set, node);
		uint64_t shared = 0, sharing = 0;
		for (struct rb_node *n = rb_first(&set->stable); n; n = rb_next(n))
			node_pages(rb_entry(n, struct ksm_stable_node, node), &shared, &sharing);
		fn(set->domain, shared, sharing, ctx);
	}
}
