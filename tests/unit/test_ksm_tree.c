/* KSM's trees and per-item decisions on fake pages: the stable tree finds KSM pages by
 * content and hands out the one with room, chains a second KSM page once the first is full
 * (max_page_sharing), drops a node whose page was freed (collapsing a chain of one), says
 * "busy" while a page is dying; a chain lookup stops at the first dup with room and drops
 * only the dead dups it passes, except once per stable_node_chains_prune_millisecs, when it
 * drops every dead dup, joins the fullest and folds a chain of one; the unstable tree finds or inserts by content and forgets
 * last scan's items; the counters follow Linux's definitions throughout; rmap items are
 * kept in address order with stale ones dropped; volatility and smart-scan skipping. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "mm/slab.h"
#include "mm/kmalloc.h"
#include "lib/rbtree.c"
#include "mm/page_cmp.c"
#include "mm/ksm_tree.c"
#include "mm/ksm_item.c"

#define NPAGES 32
struct page *mem_map;
uint64_t max_pfn = NPAGES;
static struct page pages[NPAGES];
static uint8_t data[NPAGES][4096] __attribute__((aligned(64)));

struct ksm_counters ksm_stat;
struct ksm_knobs ksm_knobs = { .run = 1, .pages_to_scan = 100, .max_page_sharing = 256, .smart_scan = true,
			       .stable_node_chains_prune_millisecs = 2000, .merge_across_domains = 1 };
/* The fake address spaces: the domain is the pointer's value (NULL: domain 0). */
uint32_t ksm_mm_domain(const struct mm *mm) { return (uint32_t)(uintptr_t)mm; }
static uint64_t now_ns = 1000000000;	/* the fake clock: tests move it */
uint64_t clock_ns(void) { return now_ns; }
bool trace_event_on[NR_TRACE_EVENTS];
void trace_record(enum trace_event ev, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {}

const void *host_page_data(const struct page *p) { return data[p - mem_map]; }

/* A page's last reference: tell KSM, as mm/page_ref.c does. */
void put_page(struct page *p)
{
	BUG_ON(p->refcount <= 0);
	if (--p->refcount == 0 && page_test(p, PG_KSM)) {
		ksm_page_freed(p);
		p->flags = 0;
		p->private = 0;
	}
}

/* The fake address space: item i "maps" page mapped_at[i]. */
static struct page *mapped_at[64];
static struct ksm_rmap_item items[64];
static struct ksm_mm_slot slot;
static struct ksm_rmap_item domain0_item = { .slot = &slot }; /* whose trees are looked in */
struct page *ksm_get_mergeable_page(struct ksm_rmap_item *item)
{
	struct page *p = mapped_at[item - items];
	if (p)
		p->refcount++;
	return p;
}

static struct page *page_with(int i, int byte)
{
	struct page *p = &pages[i];
	memset(data[i], byte, 4096);
	p->flags = PG_ANON;
	p->refcount = 1; /* its mapping */
	p->private = 0;
	return p;
}

/* A KSM page of content byte with a stable node. */
static struct ksm_stable_node *ksm_page(int i, int byte)
{
	struct page *p = page_with(i, byte);
	page_set(p, PG_KSM);
	return stable_tree_insert(&domain0_item, p);
}

static struct ksm_rmap_item *item(int i)
{
	struct ksm_rmap_item *it = &items[i];
	memset(it, 0, sizeof(*it));
	it->slot = &slot;
	it->address = (uint64_t)(i + 1) << 12;
	return it;
}

/* merge_across_domains 0: a KSM page of domain 0 is found from domain 0 only; domain 1's
 * trees are its own, and hold its own KSM page of the same content. */
static void test_domains(void)
{
	static struct ksm_mm_slot slot1 = { .mm = (struct mm *)1 };
	struct ksm_rmap_item d1 = { .slot = &slot1 };
	ksm_knobs.merge_across_domains = 0;
	struct page *p0 = page_with(20, 'q'), *p1 = page_with(21, 'q'), *probe = page_with(22, 'q');
	page_set(p0, PG_KSM);
	struct ksm_stable_node *n0 = stable_tree_insert(&domain0_item, p0), *node;
	CHECK(n0 && stable_tree_search(&d1, probe, &node) == NULL);
	CHECK(stable_tree_search(&domain0_item, probe, &node) == p0 && node == n0);
	put_page(p0);
	page_set(p1, PG_KSM);
	struct ksm_stable_node *n1 = stable_tree_insert(&d1, p1);
	CHECK(n1 && n1 != n0 && !n1->chain && !n0->chain); /* no chain across domains */
	CHECK(stable_tree_search(&d1, probe, &node) == p1 && node == n1);
	put_page(p1);
	ksm_knobs.merge_across_domains = 1;
	CHECK(stable_tree_search(&d1, probe, &node) == p0 && node == n0); /* one set for all */
	put_page(p0);
	put_page(p0); /* the pages' last references: their nodes go at the next walk */
	put_page(p1);
	CHECK_EQ(remove_all_stable_nodes(), 0);
}

static void test_stable_tree(void)
{
	struct ksm_stable_node *a = ksm_page(0, 'a'), *c = ksm_page(1, 'c'), *b = ksm_page(2, 'b');
	CHECK(a && b && c && page_stable_node(&pages[0]) == a);
	struct ksm_stable_node *node;
	struct page *probe = page_with(3, 'b');
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[2] && node == b);
	CHECK_EQ(pages[2].refcount, 2); /* the search's reference */
	put_page(&pages[2]);
	page_with(3, 'z');
	CHECK(stable_tree_search(&domain0_item, probe, &node) == NULL);
	/* a KSM page finds itself */
	CHECK(stable_tree_search(&domain0_item, &pages[1], &node) == &pages[1] && node == c);
	put_page(&pages[1]);
	stable_tree_append(item(0), a);
	stable_tree_append(item(1), a);
	stable_tree_append(item(2), c);
	CHECK_EQ(ksm_stat.pages_shared, 2);
	CHECK_EQ(ksm_stat.pages_sharing, 1);
	CHECK_EQ(slot.merging_pages, 3);
	remove_rmap_item_from_tree(&items[1]);
	CHECK_EQ(ksm_stat.pages_sharing, 0);
	CHECK_EQ(a->nr_items, 1);
	CHECK(!(items[1].address & KSM_STABLE));
	/* a's page goes: the next walk drops its node and detaches its items */
	put_page(&pages[0]);
	CHECK(a->page == NULL);
	page_with(3, 'a');
	CHECK(stable_tree_search(&domain0_item, probe, &node) == NULL);
	CHECK_EQ(ksm_stat.pages_shared, 1);
	CHECK(!(items[0].address & KSM_STABLE));
	CHECK_EQ(slot.merging_pages, 1);
	/* pages still mapped: not removable */
	CHECK_EQ(remove_all_stable_nodes(), -EBUSY);
	remove_rmap_item_from_tree(&items[2]);
	put_page(&pages[1]);
	put_page(&pages[2]);
	CHECK_EQ(remove_all_stable_nodes(), 0);
	CHECK(rb_empty(&domain0.stable));
	CHECK_EQ(ksm_stat.pages_shared, 0);
}

static void test_chains(void)
{
	ksm_knobs.max_page_sharing = 2;
	struct ksm_stable_node *k1 = ksm_page(4, 'x'), *node;
	stable_tree_append(item(3), k1);
	struct page *probe = page_with(6, 'x');
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[4] && node == k1); /* room for one more */
	put_page(&pages[4]);
	stable_tree_append(item(4), k1);
	CHECK(stable_tree_search(&domain0_item, probe, &node) == NULL); /* full: the page goes on to the unstable tree */
	struct ksm_stable_node *k2 = ksm_page(5, 'x');   /* ... and makes a second KSM page */
	CHECK(k2 && k1->chain && k1->chain == k2->chain && k1->chain->is_chain);
	CHECK_EQ(ksm_stat.stable_node_chains, 1);
	CHECK_EQ(ksm_stat.stable_node_dups, 2);
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[5] && node == k2);
	put_page(&pages[5]);
	stable_tree_append(item(5), k2);
	CHECK_EQ(ksm_stat.pages_shared, 2);
	CHECK_EQ(ksm_stat.pages_sharing, 1);
	/* the full one dies: the next pruning collapses the chain into k2, a plain node again */
	remove_rmap_item_from_tree(&items[3]);
	remove_rmap_item_from_tree(&items[4]);
	put_page(&pages[4]);
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[5] && node == k2);
	put_page(&pages[5]);
	CHECK(k2->chain && ksm_stat.stable_node_dups == 2); /* k2 came first: k1 not looked at */
	now_ns += 2000000000ULL;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[5] && node == k2);
	put_page(&pages[5]);
	CHECK(k2->chain == NULL && !k2->is_chain);
	CHECK_EQ(ksm_stat.stable_node_chains, 0);
	CHECK_EQ(ksm_stat.stable_node_dups, 0);
	/* a dying page (last reference gone, node not told yet) makes the tree busy */
	pages[5].refcount = 0;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == KSM_BUSY);
	pages[5].refcount = 1;
	remove_rmap_item_from_tree(&items[5]);
	put_page(&pages[5]);
	CHECK_EQ(remove_all_stable_nodes(), 0);
	ksm_knobs.max_page_sharing = 256;
}

/* The dups of chain in list order, as a string of their pages' indexes. */
static const char *dup_order(struct ksm_stable_node *chain)
{
	static char buf[16];
	int n = 0;
	struct list_head *p;
	list_for_each(p, &chain->dups)
		buf[n++] = (char)('0' + list_entry(p, struct ksm_stable_node, dups)->kpfn - 8);
	buf[n] = 0;
	return buf;
}

/* A chain of four dups (pages 8-11: full, 1 item, 2 items, none) under max_page_sharing 4. */
static void test_chain_lookup_and_pruning(void)
{
	ksm_knobs.max_page_sharing = 4;
	struct ksm_stable_node *d[4], *node;
	for (int i = 0; i < 4; i++)
		d[i] = ksm_page(8 + i, 'q');
	struct ksm_stable_node *chain = d[0]->chain;
	CHECK(chain && chain->is_chain && !strcmp(dup_order(chain), "0123"));
	CHECK_EQ(ksm_stat.stable_node_dups, 4);
	int nitems[4] = { 4, 1, 2, 0 }, it = 10;
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < nitems[i]; k++)
			stable_tree_append(item(it++), d[i]);
	CHECK_EQ(ksm_stat.pages_shared, 3);
	CHECK_EQ(ksm_stat.pages_sharing, 4);
	struct page *probe = page_with(12, 'q');

	/* Within the interval: the full first dup is passed, the lookup stops at the next
	 * one with room (not the fullest), which moves to the front; d[3] is not looked at. */
	put_page(&pages[11]); /* d[3]'s page goes */
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[9] && node == d[1]);
	put_page(&pages[9]);
	CHECK(!strcmp(dup_order(chain), "1023"));
	CHECK_EQ(ksm_stat.stable_node_dups, 4);
	/* a dead dup the lookup passes is dropped, with its items' counts */
	for (int k = 10; k < 14; k++)
		remove_rmap_item_from_tree(&items[k]);
	for (int k = 10; k < 12; k++)
		stable_tree_append(&items[k], d[0]); /* two left: d[0] has room again */
	CHECK_EQ(ksm_stat.pages_sharing, 2);
	d[1]->nr_items = 4; /* pretend d[1] is full, so the lookup passes it */
	put_page(&pages[8]); /* d[0]'s page goes */
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[10] && node == d[2]);
	put_page(&pages[10]);
	d[1]->nr_items = 1;
	CHECK_EQ(ksm_stat.stable_node_dups, 3); /* d[0] dropped, d[3] still there */
	CHECK_EQ(ksm_stat.pages_shared, 2);
	CHECK_EQ(ksm_stat.pages_sharing, 1);
	CHECK(!(items[10].address & KSM_STABLE) && !(items[11].address & KSM_STABLE));
	CHECK(!strcmp(dup_order(chain), "213"));

	/* The interval passed: one lookup visits every dup, drops d[3], joins the fullest. */
	now_ns += 2000000000ULL;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[10] && node == d[2]);
	put_page(&pages[10]);
	CHECK_EQ(ksm_stat.stable_node_dups, 2);
	CHECK_EQ(ksm_stat.stable_node_chains, 1);
	/* d[1] dies; no pruning before the next interval is over */
	remove_rmap_item_from_tree(&items[14]);
	put_page(&pages[9]);
	now_ns += 1999000000ULL;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[10] && node == d[2]);
	put_page(&pages[10]);
	CHECK_EQ(ksm_stat.stable_node_dups, 2);
	/* then the chain, left with d[2] (which has room), folds back into a plain node */
	now_ns += 1000000ULL;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == &pages[10] && node == d[2]);
	put_page(&pages[10]);
	CHECK_EQ(ksm_stat.stable_node_dups, 0);
	CHECK_EQ(ksm_stat.stable_node_chains, 0);
	CHECK(!d[2]->chain && !d[2]->is_chain && rb_entry(domain0.stable.node, struct ksm_stable_node, node) == d[2]);
	CHECK_EQ(ksm_stat.pages_shared, 1);
	CHECK_EQ(ksm_stat.pages_sharing, 1);

	/* A chain whose one live dup is full stays a chain (Linux folds only one with room). */
	ksm_knobs.max_page_sharing = 2;
	struct ksm_stable_node *e = ksm_page(13, 'q');
	CHECK(e && d[2]->chain == e->chain && ksm_stat.stable_node_chains == 1);
	stable_tree_append(item(20), e);
	remove_rmap_item_from_tree(&items[15]);
	remove_rmap_item_from_tree(&items[16]);
	put_page(&pages[10]); /* d[2] goes; e has one item */
	stable_tree_append(item(21), e); /* e is full */
	now_ns += 2000000000ULL;
	CHECK(stable_tree_search(&domain0_item, probe, &node) == NULL);
	CHECK_EQ(ksm_stat.stable_node_chains, 1);
	CHECK_EQ(ksm_stat.stable_node_dups, 1);
	remove_rmap_item_from_tree(&items[20]);
	remove_rmap_item_from_tree(&items[21]);
	put_page(&pages[13]);
	CHECK_EQ(remove_all_stable_nodes(), 0);
	CHECK_EQ(ksm_stat.stable_node_chains + ksm_stat.stable_node_dups, 0);
	CHECK(rb_empty(&domain0.stable));
	ksm_knobs.max_page_sharing = 256;
}

static void test_unstable_tree(void)
{
	struct page *tree_page;
	for (int i = 0; i < 8; i++) /* contents 'a'..'h' in a random-ish order */
		mapped_at[10 + i] = page_with(10 + i, 'a' + (i * 5) % 8);
	for (int i = 0; i < 8; i++)
		CHECK(unstable_tree_search_insert(item(10 + i), mapped_at[10 + i], &tree_page) == NULL);
	CHECK_EQ(ksm_stat.pages_unshared, 8);
	struct page *probe = mapped_at[20] = page_with(20, 'a' + (3 * 5) % 8);
	struct ksm_rmap_item *found = unstable_tree_search_insert(item(20), probe, &tree_page);
	CHECK(found == &items[13] && tree_page == mapped_at[13]);
	put_page(tree_page);
	/* the same frame (fork-shared) is no match, and not inserted */
	CHECK(unstable_tree_search_insert(item(21), mapped_at[12], &tree_page) == NULL);
	CHECK(!(items[21].address & KSM_UNSTABLE));
	/* a new scan: last scan's items leave without touching the old tree */
	unstable_tree_reset();
	ksm_stat.seqnr++;
	for (int i = 0; i < 8; i++)
		remove_rmap_item_from_tree(&items[10 + i]);
	CHECK_EQ(ksm_stat.pages_unshared, 0);
	CHECK(unstable_tree_search_insert(item(20), probe, &tree_page) == NULL); /* inserted anew */
	remove_rmap_item_from_tree(&items[20]); /* this scan's: erased from the tree */
	CHECK(rb_empty(&domain0.unstable));
	CHECK_EQ(ksm_stat.pages_unshared, 0);
}

static void test_items(void)
{
	struct ksm_mm_slot s = { 0 };
	struct ksm_rmap_item **list = &s.rmap_list;
	uint64_t addrs[] = { 0x1000, 0x3000, 0x5000 };
	for (int i = 0; i < 3; i++) {
		struct ksm_rmap_item *it = get_next_rmap_item(&s, list, addrs[i]);
		CHECK(it && it->address == addrs[i]);
		list = &it->rmap_next;
	}
	CHECK_EQ(s.rmap_items, 3);
	/* next scan: 0x3000 is gone, 0x4000 is new */
	list = &s.rmap_list;
	struct ksm_rmap_item *first = get_next_rmap_item(&s, list, 0x1000);
	list = &first->rmap_next;
	struct ksm_rmap_item *it = get_next_rmap_item(&s, list, 0x4000);
	CHECK(it && it->address == 0x4000 && s.rmap_items == 3); /* 0x3000 freed, 0x4000 made */
	CHECK(it->rmap_next && it->rmap_next->address == 0x5000);
	remove_trailing_rmap_items(&it->rmap_next);
	CHECK_EQ(s.rmap_items, 2);
	remove_trailing_rmap_items(&s.rmap_list);
	CHECK_EQ(s.rmap_items, 0);

	struct ksm_rmap_item v = { 0 };
	CHECK(rmap_item_volatile(&v, 7));  /* first visit: no old checksum */
	CHECK(!rmap_item_volatile(&v, 7)); /* unchanged */
	CHECK(rmap_item_volatile(&v, 8));  /* changed */

	/* smart scan: the first four visits are never skipped; then it skips 1, 2, 4, 8 scans */
	struct page *p = page_with(30, 1);
	struct ksm_rmap_item si = { 0 };
	si.slot = &slot;
	char pattern[32] = "";
	for (int visit = 0; visit < 24; visit++)
		pattern[visit] = should_skip_rmap_item(p, &si) ? 's' : '.';
	CHECK_STR(pattern, "....s.ss.ssss.ssssssss.s"); /* skips of 1, 2, 4, then 8 */
	page_set(p, PG_KSM); /* merged pages are never skipped */
	CHECK(!should_skip_rmap_item(p, &si));
	ksm_knobs.smart_scan = false;
	page_clear(p, PG_KSM);
	CHECK(!should_skip_rmap_item(p, &si));
}

int main(void)
{
	mem_map = pages;
	ksm_item_init();
	test_stable_tree();
	test_chains();
	test_chain_lookup_and_pruning();
	test_unstable_tree();
	test_items();
	test_domains();
	CHECK_EQ(ksm_stat.pages_shared + ksm_stat.pages_sharing + ksm_stat.pages_unshared, 0);
	return check_summary("ksm_tree");
}
