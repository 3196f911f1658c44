/* mm-internal: KSM's data structures and what its files share. ksm.c: ksmd, the scan,
 * registration, the merge decisions; ksm_tree.c: the stable and unstable trees;
 * ksm_merge.c: the page-table side (write-protect, replace, unshare); ksm_sysfs.c: the
 * knobs and counters under /sys/kernel/mm/ksm.
 *
 * Locking, outermost first:
 *   ksm_lock (mutex): the trees, every rmap item and stable node, each slot's item list,
 *     the scan cursor, the counters (written only under it) and knob changes that must not
 *     race a scan. ksmd holds it for one batch of at most SCAN_BATCH (32) pages, so exits
 *     and knob writes get in between batches.
 *   mm->lock of the page's address space: taken inside ksm_lock to look at or change
 *     PTEs. While ksm_lock is held, slot->mm of a slot on the list cannot be freed:
 *     ksm_exit(), the first step of tearing an mm down, needs ksm_lock to unhook it.
 *   ksm_mmlist_lock (spinlock, leaf): the list of slots and mm->ksm_slot, so that madvise
 *     and fork can register an mm while holding its lock, without ksm_lock.
 *   put_later_lock (spinlock, leaf, ksm.c): the page references same_behaviour's
 *     copy-on-access faults hand to ksmd (ksm_put_page_later), taken under mm->lock.
 *   stable_node->page: no lock. Set when the node is made (under ksm_lock) and cleared
 *     atomically by the KSM page's final put_page() or its swap-out, from any context;
 *     readers take a reference and check it again (node_page_get in mm/ksm_tree.c). */
#ifndef MM_KSM_INTERNAL_H
#define MM_KSM_INTERNAL_H

#include "mm/ksm.h"
#include "lib/list.h"
#include "kernel/mutex.h"
#include "lib/rbtree.h"
#include "mm/page.h"
#include "mm/vmstat.h"

/* Low bits of ksm_rmap_item.address (the address itself is page-aligned). */
#define KSM_SEQNR_MASK  0xffUL		/* unstable: low bits of the scan that inserted it */
#define KSM_UNSTABLE    0x100UL		/* in the unstable tree */
#define KSM_STABLE      0x200UL		/* in a stable node's list */
#define KSM_ZERO_MERGED 0x400UL		/* merged with the zero page, until the cursor drops it */

struct ksm_stable_node;
struct ksm_tree_set;

/* same_behaviour: a page is a candidate once this many visits in a row found its PTE not
 * accessed since the visit before, i.e. after two full scans without use. */
#define KSM_IDLE_SCANS 2

/* One registered address space. */
struct ksm_mm_slot {
	struct mm *mm;			/* [ksm_lock] NULL once the mm has gone while the cursor
					 * was on this slot: ksmd unhooks it when it moves on */
	struct list_head node;		/* [ksm_mmlist_lock] in the slot list */
	struct ksm_rmap_item *rmap_list;/* [ksm_lock] the items, by address */
	uint64_t rmap_items;		/* [ksm_lock] items on rmap_list */
	uint64_t merging_pages;		/* [ksm_lock] of them in a stable node */
};

/* One scanned virtual page: what ksmd remembers of (mm, address) between visits. Owned by
 * its slot's rmap_list, [ksm_lock]. 64 bytes, like Linux's. */
struct ksm_rmap_item {
	struct ksm_rmap_item *rmap_next;	/* next item of the slot, higher address */
	struct ksm_mm_slot *slot;
	uint64_t address;			/* page address | KSM_* flags | seqnr */
	uint32_t oldchecksum;			/* content checksum at the last visit, 0 before the
						 * first (a checksum of 0 is kept as 1) */
	uint8_t age;				/* smart scan: visits without merging */
	uint8_t remaining_skips : 4;		/* smart scan: scans still to skip (at most 8) */
	uint8_t idle_scans : 2;			/* same_behaviour: visits in a row that found the
						 * PTE not accessed, up to KSM_IDLE_SCANS */
	uint16_t changed_scan;			/* low bits of the scan (seqnr) that last saw it
						 * change: ksm explain's "volatile since" */
	union {
		struct rb_node node;		/* KSM_UNSTABLE: in the unstable tree */
		struct {			/* KSM_STABLE: */
			struct ksm_stable_node *head;	/* the stable node merged into */
			struct list_head hlist;		/* in head->items */
		};
	};
};
_Static_assert(sizeof(struct ksm_rmap_item) == 64, "an rmap item is 64 bytes, like Linux's");
_Static_assert(((KSM_SEQNR_MASK | KSM_UNSTABLE | KSM_STABLE | KSM_ZERO_MERGED) & PAGE_MASK) == 0,
	       "the KSM_* flags live in the page offset bits of an item's address");

/* One KSM page in the stable tree, or a chain of KSM pages of identical content (when one
 * page would pass max_page_sharing sharers, the next ones get pages of their own, "dups",
 * hanging from a chain node that takes the tree position). [ksm_lock] but for page. */
struct ksm_stable_node {
	struct rb_node node;		/* plain node or chain: in the stable tree */
	struct list_head items;		/* plain node or dup: rmap items merged into page */
	struct list_head dups;		/* chain: its dups; dup: its entry in the chain's list */
	struct ksm_stable_node *chain;	/* dup: its chain; NULL for plain nodes and chains */
	struct ksm_tree_set *set;	/* the merge domain's trees it is in (ksm_tree.c) */
	struct page *page;		/* [atomic] the KSM page (NULL once it was freed,
					 * and for chains); it holds no reference */
	uint64_t kpfn;			/* the page's frame number, for traces */
	uint64_t chain_prune_time;	/* chain: when its dups were last pruned (clock_ns) */
	int nr_items;			/* length of items */
	bool is_chain;
	bool all_full;			/* chain: its last full lookup found no dup with room;
					 * cleared when an item leaves a dup or a dup joins */
};

/* The knobs (/sys/kernel/mm/ksm), Linux's names and defaults. Written under ksm_lock,
 * read anywhere. */
struct ksm_knobs {
	unsigned run;			/* KSM_RUN_* */
	unsigned pages_to_scan;
	unsigned sleep_millisecs;
	unsigned max_page_sharing;
	unsigned stable_node_chains_prune_millisecs; /* a chain's dead dups go at most this often */
	unsigned merge_across_nodes;	/* 0 or 1 */
	unsigned merge_across_domains;	/* 1: one set of trees for all; 0: a set per domain */
	unsigned same_behaviour;	/* 1: candidates are idle pages, guarded merged or not
					 * (ksm.c, "Same behaviour") */
	bool use_zero_pages;
	bool smart_scan;
};
#define KSM_RUN_STOP    0
#define KSM_RUN_MERGE   1
#define KSM_RUN_UNMERGE 2

/* The counters, Linux's definitions. [ksm_lock] for writers (ksmd, one CPU at a time:
 * no cache line moves between writers); readers take them as they are (each exact, the
 * set not atomic). The count of zero-page PTEs is the exception: faults on every CPU take
 * them back, so it is a per-CPU counter (ksm_zero_pages_inc/dec, folded on read). */
struct ksm_counters {
	uint64_t pages_shared;		/* stable nodes with at least one item */
	uint64_t pages_sharing;		/* further items merged into them */
	uint64_t pages_unshared;	/* items in the unstable tree */
	uint64_t rmap_items;		/* items in all */
	uint64_t zero_merged_items;	/* items whose page went to the zero page */
	uint64_t pages_scanned;
	uint64_t pages_skipped;		/* smart scan */
	uint64_t full_scans;
	uint64_t stable_node_chains;
	uint64_t stable_node_dups;
	uint64_t seqnr;			/* scans begun (the unstable tree's generation) */
	uint64_t scan_start_scanned;	/* pages_scanned when the current scan began */
};

/* The per-CPU counter of PTEs KSM pointed at the zero page (after the vm events). */
#define KSM_ZERO_PAGES_STAT NR_VM_EVENTS
_Static_assert(KSM_ZERO_PAGES_STAT < PERCPU_STATS, "a per-CPU slot for ksm_zero_pages");
static inline void ksm_zero_pages_add(int64_t delta) { percpu_stat_add(KSM_ZERO_PAGES_STAT, delta); }
static inline uint64_t ksm_zero_pages_read(void)
{
	int64_t n = (int64_t)percpu_stat_sum(KSM_ZERO_PAGES_STAT);
	return n > 0 ? (uint64_t)n : 0; /* (the shares are read one by one, racing) */
}

extern struct mutex ksm_lock;
extern struct ksm_knobs ksm_knobs;
extern struct ksm_counters ksm_stat;

/* ksm_tree.c: the trees. All expect ksm_lock. Pages returned carry a reference. */
#define KSM_BUSY ((struct page *)-1L)	/* a stable node's page is being freed: retry later */
/* The KSM page with page's content that one more item may share (a node with room), or
 * page itself if it is a KSM page already, or NULL; KSM_BUSY. *node: its stable node. In a
 * chain it stops at the first dup with room, but once per stable_node_chains_prune_millisecs
 * it visits every dup (dropping dead ones, folding a chain of one) and picks the fullest. */
struct page *stable_tree_search(const struct ksm_rmap_item *item, struct page *page,
				struct ksm_stable_node **node);
/* A new stable node for kpage (already PG_KSM), chained to an existing node of identical
 * content if there is one. NULL when out of memory or a node was busy. */
struct ksm_stable_node *stable_tree_insert(const struct ksm_rmap_item *item, struct page *kpage);
/* Record that item's page is now merged into node's KSM page. */
void stable_tree_append(struct ksm_rmap_item *item, struct ksm_stable_node *node);
/* The stable node of KSM page p (ksmd sets it; NULL while p is being made). */
static inline struct ksm_stable_node *page_stable_node(const struct page *p)
{
	return (struct ksm_stable_node *)p->private;
}
/* Search the unstable tree for an item whose page has page's content: that item, with its
 * page in *tree_page; or insert item and return NULL. */
struct ksm_rmap_item *unstable_tree_search_insert(struct ksm_rmap_item *item,
						  struct page *page, struct page **tree_page);
/* Start a new scan: the unstable tree is emptied (its items leave lazily). */
void unstable_tree_reset(void);
/* Take item out of whichever tree holds it, with the counters. */
void remove_rmap_item_from_tree(struct ksm_rmap_item *item);
/* fn for each merge domain that has trees (domain 0 always): its KSM pages in use and
 * their further mappings (pages_shared and pages_sharing by domain). */
void ksm_for_each_domain(void (*fn)(uint32_t domain, uint64_t shared, uint64_t sharing, void *ctx),
			 void *ctx);
/* Drop every stable node whose page is gone (or all of them once no KSM page is left):
 * 0, or -EBUSY if a KSM page is still mapped somewhere. */
int remove_all_stable_nodes(void);
/* A page's bytes as the trees compare them (the host tests give fake pages bytes). */
#ifdef HOST_TEST
const void *host_page_data(const struct page *p);
#define ksm_page_data(p) host_page_data(p)
#else
#define ksm_page_data(p) page_address(p)
#endif

/* ksm_item.c: rmap items. All expect ksm_lock. */
void ksm_item_init(void);
/* The item for addr in slot, at *list (the scan cursor's place): items of lower addresses
 * found there are stale (their page went) and are freed; a missing one is made. NULL when
 * out of memory. */
struct ksm_rmap_item *get_next_rmap_item(struct ksm_mm_slot *slot, struct ksm_rmap_item **list,
					 uint64_t addr);
/* Free *list and every item after it, out of their trees. */
void remove_trailing_rmap_items(struct ksm_rmap_item **list);
void free_rmap_item(struct ksm_rmap_item *item);
/* Smart scan: whether to skip page this scan (pages that keep failing to merge are skipped
 * for 1, 2, 4, then 8 scans); a skipped item leaves its tree. */
bool should_skip_rmap_item(struct page *page, struct ksm_rmap_item *item);
/* Record checksum as the item's; true if the page changed since the last visit or was never
 * seen (volatile: not worth the unstable tree). */
bool rmap_item_volatile(struct ksm_rmap_item *item, uint32_t checksum);

/* ksm_merge.c: the page-table side. Each takes the item's mm->lock inside ksm_lock. */
/* The page mapped at item's address if it is a merge candidate (anonymous or KSM, in a
 * mergeable VMA), with a reference; else NULL. */
struct page *ksm_get_mergeable_page(struct ksm_rmap_item *item);
/* When ksmd gathered a page, it cleared its PTE's dirty bit under mm->lock and noted the
 * mm's kernel_writes: cleaned_at. If at the write-protect the bit is still clear and the
 * count unchanged, nothing wrote the page since: it still holds what a comparison made
 * after the cleaning saw. KSM_NOT_CLEANED: no such knowledge. */
#define KSM_NOT_CLEANED UINT64_MAX
/* Merge page, mapped at item's address, into kpage; with kpage NULL, turn page itself into
 * a (node-less) KSM page, write-protected. The contents are compared under the
 * write-protect, unless page was compared equal with kpage after cleaned_at and not
 * written since. 0 or -EFAULT/-EBUSY/-ENOMEM. */
int ksm_merge_with_ksm_page(struct ksm_rmap_item *item, struct page *page, struct page *kpage,
			    uint64_t cleaned_at);
/* Point item's PTE at the zero page if page (mapped there) is all zeros. 0 or -errno. */
int ksm_merge_with_zero_page(struct ksm_rmap_item *item, struct page *page);
/* End of a batch of merges: free the spare reverse-map block they carried, so that an idle
 * ksmd holds no memory. Under ksm_lock. */
void ksm_merge_batch_done(void);
/* Give item's address its own copy of the KSM page it maps, if it maps one. */
void ksm_break_cow(struct ksm_rmap_item *item);
/* same_behaviour's fake merge of page, mapped at item's address: moved to a random frame
 * and guarded as a merged page is (copy on access, mm/fault.c). */
void ksm_guard_page(struct ksm_rmap_item *item, struct page *page);
/* A new KSM page (PG_KSM, no node yet) in a frame drawn at random from free memory, holding
 * a copy of page's bytes, with one reference for the caller; NULL when out of memory. */
struct page *ksm_alloc_random_page(struct page *page);

/* ksm.c */
/* Unmerge every registered address space and forget every item and node (run = 2). 0 or
 * -ENOMEM / -EINTR-like errors from unmerging. Takes ksm_lock. */
int ksm_unmerge_all(void);
/* Wake ksmd (run or sleep_millisecs changed). */
void ksm_wake(void);
/* ksm_history.c: a sample of the counters into the ring: at every full scan (full_scan),
 * else if a second passed since the last one. Takes history_lock (a leaf spinlock). */
void ksm_history_record(bool full_scan);
/* [ksm_lock] Take every item out of the unstable trees (their set changes: a knob). */
void ksm_drop_unstable_items(void);
/* [ksm_lock] Where ksmd's scan is: the address space (NULL between two scans) and the
 * address it resumes at. */
void ksm_scan_cursor(struct mm **mm, uint64_t *address);
/* ksmd's CPU time, ns, and the CPU it runs on or last ran on (-1 before it exists): for
 * the summary. */
uint64_t ksmd_cpu_ns(void);
int ksmd_cpu(void);

/* ksm_sysfs.c: /sys/kernel/mm/ksm. */
void ksm_sysfs_init(void);
/* pages_volatile, as Linux derives it. */
uint64_t ksm_pages_volatile(void);
/* general_profit in bytes. */
int64_t ksm_general_profit(void);

#endif
