/* Kernel Samepage Merging: ksmd finds anonymous pages with identical contents in the
 * address spaces that asked for it and makes them share one write-protected copy.
 *
 * The algorithm (Linux's, by Izik Eidus, Andrea Arcangeli, Chris Wright and Hugh Dickins;
 * written anew here, with Linux's names so the two read side by side):
 *
 * Registration. madvise(MADV_MERGEABLE) marks VMAs mergeable and registers the address
 * space: a ksm_mm_slot joins the slot list, just behind the scan cursor so that a fork
 * followed at once by exec or exit costs nothing. prctl(PR_SET_MEMORY_MERGE) does it for
 * every compatible VMA, present and future. A child of a registered mm is registered.
 *
 * The scan. ksmd wakes every sleep_millisecs and visits up to pages_to_scan pages. A
 * cursor (ksm_scan) walks the slots in turn, and in each the present anonymous pages of
 * its mergeable VMAs in address order; a round also ends when a full scan completes. Each
 * visited (mm, address) has an rmap item, kept in the slot's list sorted by address: the
 * item remembers the page's checksum and which tree, if any, the page is in. Items whose
 * address no longer holds a candidate are freed as the cursor passes them.
 *
 * Two trees, both ordered by page content (memcmp order):
 *  - the stable tree holds the KSM pages. They are read-only everywhere, so the tree is
 *    always right. Each node lists the items merged into its page.
 *  - the unstable tree holds pages that did not change since their last visit. They are
 *    still writable, so it is only a hint: it is emptied when each full scan begins.
 *
 * For each page the cursor yields (cmp_and_merge_page):
 *  1. Search the stable tree. A match: map the page's address to that KSM page instead
 *     (merge with a KSM page), and the item joins the node's list. Done.
 *  2. Checksum the page. If it differs from the item's last one (or there is none, on a
 *     first visit), the page is volatile: remember the checksum and go on. Pages that
 *     change all the time never reach the trees.
 *  3. With use_zero_pages, an all-zero page is mapped to the kernel's zero page instead.
 *  4. Search the unstable tree. A match: both pages are write-protected, compared again,
 *     and merged into one of them, which becomes a KSM page with a new stable node; both
 *     items move to it. No match: the page is inserted in the unstable tree.
 *
 * Merging one page (ksm_merge.c) write-protects its PTE and flushes the TLB, checks that
 * nobody but its mappings holds the page, compares the contents again, and only then
 * points the PTE at the KSM page; the duplicate is freed with its last reference. The
 * second comparison is skipped when nothing can have written the page since the first:
 * the scan cleared its PTE's dirty bit (and flushed, on every CPU that may cache it) before
 * that comparison, and at the write-protect the bit is still clear and the mm's count of
 * writes through the direct map unchanged. Linux compares twice; each merge into a KSM
 * page here costs one comparison (about 1.5 us per page under TCG) less.
 *
 * Unmerging. A write to a KSM page faults and copies (mm/fault.c: the writer gets a
 * private page, the others keep the KSM page). MADV_UNMERGEABLE, turning the prctl off
 * and run = 2 copy every merged page of the range back. A KSM page is freed when its last
 * mapping goes; its stable node then drops out of the tree on the next walk past it.
 *
 * Swap. Reclaim may choose a KSM page: it unmaps it from every sharer (under ksm_lock),
 * and ksm_page_swapped_out() takes its node out of the stable tree, with the counters;
 * the page goes out once and comes back an ordinary page, which its former sharers map
 * through the swap cache. cmp_and_merge_page makes such a page a KSM page again where it
 * is (remerge_swapped_in); Linux gets there by merging the copies each sharer made.
 *
 * max_page_sharing caps the items of one KSM page: the next page of that content gets a
 * second KSM page, chained with the first at the same tree position (stable_node_chains,
 * stable_node_dups). A lookup takes the first KSM page of a chain with room; only once per
 * stable_node_chains_prune_millisecs does it look at them all, dropping those whose page
 * went and folding a chain left with one page back into a plain node. smart_scan skips
 * pages that failed to merge on recent scans for a growing number of scans (pages_skipped).
 *
 * Same behaviour (same_behaviour = 1, after VUsion, Oliverio et al., SOSP 2017). Merging
 * leaks: a write to a merged page takes a copy-on-write fault, thousands of ns slower than
 * a write to a private page, so a process that fills pages with guesses and times one
 * write per page learns which guesses exist elsewhere (user/dedup-probe measures it).
 * Merge domains (ksm_tree.c) stop that between domains; this stops it within one, by
 * making a merged page and an unmerged one behave alike. Each step closes one difference:
 *  - Candidates are idle pages only: a page is looked at once KSM_IDLE_SCANS visits in a
 *    row found its PTE's accessed bit clear (the scan clears it, note_idle), that is after
 *    two full scans without use. The steps below slow a page's next access down; pages in
 *    use never pay it. (Only the PTE ksmd visits is watched: this kernel's anonymous pages
 *    are mapped by one address space, or shared copy-on-write after a fork, when each
 *    address space's PTE is visited on its own.)
 *  - Every candidate is guarded, merged or not: its PTE keeps the page out of ring 3's
 *    reach and read-only, with a mark that mprotect keeps (MMU_KSM_GUARD; lifting it by
 *    mprotect would lift the mitigation). A twin found: the PTE points at the KSM page
 *    (merged_prot). None: the page is guarded all the same (the fake merge,
 *    ksm_guard_page). The zero page of use_zero_pages likewise.
 *  - Every candidate lives in a frame drawn at random from free memory
 *    (alloc_page_random): a KSM page is a fresh copy, never one of the merged pages' own
 *    frames, so an attacker cannot steer which frame holds a victim's data (Flip Feng
 *    Shui's Rowhammer templating did exactly that); and a fake merge moves its page to
 *    a random frame too, or the first access would copy from a frame of the process's
 *    own (near its other pages) in one case and from anywhere in memory in the other,
 *    which the caches and TLBs tell apart (measured: 1 us at the median under TCG).
 *  - The first access to a guarded page, read or write, faults, and the fault does the
 *    same work in every case (mm/fault.c, copy on access): a new page, a copy of the
 *    4 KiB whatever the old page was (even the zero page), the PTE replaced, the old
 *    mapping released, and the old page's reference handed to ksmd to drop
 *    (ksm_put_page_later): dropping it here would free a fake merge's frame, but not a
 *    KSM page another process still maps (measured: another microsecond). Without the
 *    guard a read would tell nothing but a write would: an unmerged page is made writable
 *    in place. Reads are equalized too, which is why the guard takes all access, not only
 *    writes (VUsion: reads leak as well). The kernel's own accesses to user memory fault
 *    the same way.
 *  - ksmd reads a merged page once per scan, at the visit of its last sharer to merge, as
 *    it reads an unmerged candidate at its one visit (touch_as_unmerged), so the caches
 *    hold both alike when the first access comes.
 *  - This kernel has no transparent huge pages for user memory, so VUsion's rule for
 *    candidates inside a huge page has nothing to apply to yet.
 *  - The mapping leaves the old page's reverse map touching the same memory whether the
 *    page had one mapping (a fake merge) or many (a KSM page): mm/rmap.c keeps up to three
 *    in one 64-byte block, and takes the newest block's mappings off without touching the
 *    others (a list of one entry per mapping wrote the other sharer's entry, 500 cycles
 *    more, which kept accuracy two to five points over 50 %).
 * What remains: user/dedup-probe measures 48-51 % over 16,000 timings, 49-53 % when the
 * victim holds each secret five or ten times. ksmd's own work, and so its CPU time,
 * depends on what it merges, and it drops the handed-over references a little after the
 * faults, on whichever CPU it runs. With ten sharers, right guesses are 50-400 ns faster at
 * the median, for a cause not found (not the sharers' visits touching the KSM page's
 * struct page: sparing it left the gap as it was). A sharer that merges after the prober
 * moves the prober's mapping out of the newest reverse-map block. remerge_swapped_in keeps
 * a swapped-in page's frame.
 *
 * Locking: see ksm_internal.h. ksmd takes ksm_lock for a batch of up to SCAN_BATCH
 * pages: it gathers them under one hold of their mm->lock, reading each page-table leaf
 * once for all its pages (next_in_mm), then lets mm->lock go and merges them one by one,
 * taking it again for each change of a PTE. */
#include "mm/ksm_internal.h"
#include "mm/addrspace.h"
#include "mm/mapping.h"
#include "mm/page_ref.h"
#include "mm/page_cmp.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/clock.h"
#include "kernel/trace.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "kernel/lock.h"

struct mutex ksm_lock = MUTEX_INIT(ksm_lock, "ksm");

void ksm_reclaim_lock(void) { mutex_lock(&ksm_lock); }
void ksm_reclaim_unlock(void) { mutex_unlock(&ksm_lock); }
struct ksm_knobs ksm_knobs = {
	.run = KSM_RUN_STOP,
	.pages_to_scan = 100,
	.sleep_millisecs = 20,
	.max_page_sharing = 256,
	.stable_node_chains_prune_millisecs = 2000,
	.use_zero_pages = false,
	.merge_across_nodes = 1,
	.merge_across_domains = 1,
	.same_behaviour = 0,
	.smart_scan = true,
};
struct ksm_counters ksm_stat;

static spinlock_t ksm_mmlist_lock = SPINLOCK_INIT("ksm_mmlist");
/* The slot list's head; the cursor on it means "between two scans". */
static struct ksm_mm_slot ksm_mm_head = { .node = LIST_HEAD_INIT(ksm_mm_head.node) };

/* The scan cursor [ksm_lock; slot also under ksm_mmlist_lock, which ksm_enter reads]. */
static struct {
	struct ksm_mm_slot *slot;		/* the slot being scanned, or &ksm_mm_head */
	uint64_t address;			/* where the walk of slot resumes */
	struct ksm_rmap_item **rmap_list;	/* where the item for that address belongs */
} ksm_scan = { &ksm_mm_head, 0, NULL };

static struct wait_queue ksm_thread_wait = WAIT_QUEUE_INIT(ksm_thread_wait); /* for run = 1 and a slot */
static struct wait_queue ksm_iter_wait = WAIT_QUEUE_INIT(ksm_iter_wait); /* ksmd's sleep, cut short by knob changes */
static struct task *ksmd;
static uint32_t zero_checksum;

static struct ksm_mm_slot *next_slot(struct ksm_mm_slot *slot)
{
	return list_entry(slot->node.next, struct ksm_mm_slot, node);
}

/* Move the cursor to the start of slot [ksm_lock]. */
static void cursor_to(struct ksm_mm_slot *slot)
{
	uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
	ksm_scan.slot = slot;
	spin_unlock_irqrestore(&ksm_mmlist_lock, f);
	ksm_scan.address = 0;
	ksm_scan.rmap_list = &slot->rmap_list;
}

/* Up to this many candidates are gathered at once: one walk down to each page-table leaf
 * serves them all, under one hold of mm->lock. Small enough that ksm_lock, held while
 * they are merged, keeps its waiters (counter reads, reclaim) to well under a millisecond
 * under TCG. */
#define SCAN_BATCH 32

/* A page the cursor yielded: its rmap item, the page with a reference, and when its PTE
 * was cleaned (ksm_internal.h: KSM_NOT_CLEANED). */
struct scan_candidate {
	struct ksm_rmap_item *item;
	struct page *page;
	uint64_t cleaned_at;
};

/* same_behaviour: count item's visits in a row that found its PTE (prot, the accessed bit
 * just cleared) unused. An access found is handed on to reclaim, whose clock would
 * otherwise miss it (PG_YOUNG). */
static void note_idle(struct ksm_rmap_item *item, struct page *page, unsigned prot)
{
	if (prot & MMU_ACCESSED) {
		item->idle_scans = 0;
		page_set(page, PG_YOUNG);
	} else if (item->idle_scans < KSM_IDLE_SCANS) {
		item->idle_scans++;
	}
}

/* Gather up to max candidates of the cursor's slot from ksm_scan.address on into out[],
 * each page referenced, and move the cursor past them: how many (fewer at the end of the
 * address space). Under ksm_lock and mm->lock.
 *
 * The walk cleans the PTEs it passes (their dirty bits go to the pages' PG_DIRTY, which
 * reclaim reads as it would read the bit), so that a merge can tell that a page was not
 * written since (KSM_NOT_CLEANED) and compare it once instead of twice. With
 * same_behaviour it clears their accessed bits too, to tell the idle pages (note_idle).
 *
 * Why gathering under one mm->lock, then merging page by page, is safe: nothing here
 * relies on a PTE staying as it was seen. Each candidate is held only by its reference,
 * and every merge looks at the PTE again under mm->lock (write_protect_page) before it
 * changes anything. The items cannot go: every path that frees one holds ksm_lock. A
 * candidate's reference cannot make a later one look busy: an anonymous page is mapped at
 * most once in one address space unless it is a KSM page, and the unstable tree holds only
 * pages whose candidate reference was dropped when they were done. */
static unsigned next_in_mm(struct ksm_mm_slot *slot, struct mm *mm, struct scan_candidate *out,
			   unsigned max)
{
	assert_held(&ksm_lock);
	assert_held(&mm->lock);
	unsigned got = 0;
	bool watch_idle = READ_ONCE(ksm_knobs.same_behaviour);
	for (struct vma *v = vma_find_from(&mm->vmas, ksm_scan.address); v && got < max;
	     v = vma_next(&mm->vmas, v)) {
		if (!(v->flags & VMA_MERGEABLE))
			continue;
		uint64_t va = MAX(ksm_scan.address, v->start);
		while (got < max) {
			struct pte_entry ptes[SCAN_BATCH];
			unsigned n = pgtable_next_batch(&mm->pt, &va, v->end,
							watch_idle ? PGTABLE_CLEAN_AGE : PGTABLE_CLEAN,
							ptes, MIN(max - got, SCAN_BATCH));
			if (!n)
				break;
			for (unsigned i = 0; i < n; i++) {
				if (ptes[i].pte.prot & MMU_SWAPPED)
					continue;
				struct page *p = pfn_to_page(PFN_DOWN(ptes[i].pte.pa));
				if (ptes[i].pte.prot & MMU_DIRTY)
					page_set(p, PG_DIRTY);
				if (!page_test(p, PG_ANON))
					continue; /* the zero page, or shared memory */
				struct ksm_rmap_item *item =
					get_next_rmap_item(slot, ksm_scan.rmap_list, ptes[i].va);
				if (!item)
					continue; /* out of memory: this page waits for another scan */
				ksm_scan.rmap_list = &item->rmap_next;
				/* A page in use was not tried, so smart_scan does not age it: its
				 * phases start once it idles, as every page's start once it exists. */
				if (watch_idle)
					note_idle(item, p, ptes[i].pte.prot);
				bool tried = !watch_idle || item->idle_scans >= KSM_IDLE_SCANS;
				if (tried && should_skip_rmap_item(p, item)) {
					trace_event(ksm_page_skipped, page_to_pfn(p), item, mm);
					continue;
				}
				get_page(p);
				out[got++] = (struct scan_candidate){ item, p, mm->kernel_writes };
			}
			ksm_scan.address = va;
		}
	}
	return got;
}

/* Linux's scan_get_next_rmap_item, for up to max pages: the next candidates (next_in_mm),
 * or 0 when nothing is registered or a full scan has just completed. Under ksm_lock. */
static unsigned scan_next(struct scan_candidate *out, unsigned max)
{
	assert_held(&ksm_lock);
	if (list_empty(&ksm_mm_head.node))
		return 0;
	struct ksm_mm_slot *slot = ksm_scan.slot;
	if (slot == &ksm_mm_head) {
		trace_event(ksm_start_scan, ksm_stat.seqnr, ksm_stat.rmap_items);
		ksm_stat.scan_start_scanned = ksm_stat.pages_scanned;
		unstable_tree_reset();
		slot = next_slot(slot);
		cursor_to(slot);
	}
	for (;;) {
		struct mm *mm = slot->mm;
		if (mm) {
			mutex_lock(&mm->lock);
			unsigned got = next_in_mm(slot, mm, out, max);
			mutex_unlock(&mm->lock);
			if (got)
				return got;
			remove_trailing_rmap_items(ksm_scan.rmap_list); /* past the last page */
		}
		struct ksm_mm_slot *next = next_slot(slot);
		cursor_to(next);
		if (!mm) { /* it exited while the cursor was on it (ksm_exit) */
			uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
			list_del(&slot->node);
			spin_unlock_irqrestore(&ksm_mmlist_lock, f);
			kfree(slot);
		}
		slot = next;
		if (slot == &ksm_mm_head) {
			trace_event(ksm_stop_scan, ksm_stat.seqnr, ksm_stat.rmap_items);
			ksm_stat.seqnr++;
			ksm_stat.full_scans++;
			ksm_history_record(true);
			return 0;
		}
	}
}

/* Merge page and tree_page (from the unstable tree) into one KSM page, which is returned,
 * or NULL if either would not go. The KSM page is page itself, or with same_behaviour a
 * copy in a random frame, whose allocation reference the caller then drops. */
static struct page *try_to_merge_two_pages(struct ksm_rmap_item *item, struct page *page,
					   struct ksm_rmap_item *tree_item, struct page *tree_page)
{
	struct page *kpage = page;
	if (READ_ONCE(ksm_knobs.same_behaviour)) {
		if (!(kpage = ksm_alloc_random_page(page)))
			return NULL;
		if (ksm_merge_with_ksm_page(item, page, kpage, KSM_NOT_CLEANED))
			goto drop_kpage;
	} else if (ksm_merge_with_ksm_page(item, page, NULL, KSM_NOT_CLEANED)) {
		return NULL;
	}
	if (ksm_merge_with_ksm_page(tree_item, tree_page, kpage, KSM_NOT_CLEANED)) {
		ksm_break_cow(item); /* a KSM page with one mapping and no node: undo it */
		goto drop_kpage;
	}
	return kpage;
drop_kpage:
	if (kpage != page)
		put_page(kpage);
	return NULL;
}

/* A former KSM page, swapped out and read back in, that its former sharers map through the
 * swap cache: make it a KSM page again where it is (the sharers' items join it as they
 * are visited, finding it in the stable tree). true if it was such a page. */
static bool remerge_swapped_in(struct page *page, struct ksm_rmap_item *item)
{
	if (page_mapcount(page) < 2 || !swap_cache_page_was_ksm(page))
		return false;
	if (ksm_merge_with_ksm_page(item, page, NULL, KSM_NOT_CLEANED))
		return true;
	struct ksm_stable_node *node = stable_tree_insert(item, page);
	if (node)
		stable_tree_append(item, node);
	else
		page_clear(page, PG_KSM); /* no memory for a node: leave it ordinary, try again */
	return true;
}

/* One candidate page, mapped at item's address and cleaned at cleaned_at, in the order
 * described at the top. */
static void cmp_and_merge_page(struct page *page, struct ksm_rmap_item *item, uint64_t cleaned_at)
{
	bool same = READ_ONCE(ksm_knobs.same_behaviour);
	if (same && item->idle_scans < KSM_IDLE_SCANS) {
		remove_rmap_item_from_tree(item); /* in use: not a candidate */
		return;
	}
	struct ksm_stable_node *node;
	struct page *kpage = stable_tree_search(item, page, &node);
	if (kpage == page && (item->address & KSM_STABLE) && item->head == node) {
		put_page(kpage); /* merged already */
		return;
	}
	/* Out of its tree even when the search met a busy node: an item left in the unstable
	 * tree past its scan would be removed two scans later, when that tree is gone. */
	remove_rmap_item_from_tree(item);
	if (kpage == KSM_BUSY)
		return;
	if (kpage) {
		if (!ksm_merge_with_ksm_page(item, page, kpage, cleaned_at))
			stable_tree_append(item, node);
		put_page(kpage);
		return;
	}

	uint32_t checksum = page_checksum(page_address(page));
	/* An idle page did not change (same_behaviour: the idle test is the stronger one). */
	if (rmap_item_volatile(item, checksum) && !same) {
		trace_event(ksm_page_volatile, page_to_pfn(page), item, item->slot->mm);
		return;
	}
	if (READ_ONCE(ksm_knobs.use_zero_pages) && checksum == zero_checksum &&
	    !ksm_merge_with_zero_page(item, page)) {
		item->address |= KSM_ZERO_MERGED;
		ksm_stat.zero_merged_items++;
		return;
	}

	if (remerge_swapped_in(page, item))
		return;
	struct page *tree_page;
	struct ksm_rmap_item *tree_item = unstable_tree_search_insert(item, page, &tree_page);
	if (!tree_item) {
		if (item->address & KSM_UNSTABLE) /* inserted: no twin in either tree */
			trace_event(ksm_page_unique, page_to_pfn(page), item, item->slot->mm);
		if (same)
			ksm_guard_page(item, page); /* the fake merge */
		return;
	}
	kpage = try_to_merge_two_pages(item, page, tree_item, tree_page);
	put_page(tree_page);
	if (!kpage)
		return;
	node = stable_tree_insert(item, kpage);
	if (node) {
		stable_tree_append(tree_item, node);
		stable_tree_append(item, node);
	} else { /* no memory for a node: two mappings of a KSM page outside the tree */
		ksm_break_cow(tree_item);
		ksm_break_cow(item);
	}
	if (kpage != page)
		put_page(kpage); /* a random frame's allocation reference */
}

/* same_behaviour: a merged page, which ksmd has nothing more to do with, read all the same
 * as an unmerged candidate is at its visit (its checksum, and its item's tree), so that
 * the caches hold both alike when their first access comes: left cold, a merged page's
 * copy-on-access fault measured 2 us slower than a fake merge's. Once per scan, at the
 * visit of the sharer that merged last (a prober's, which merged into what was there):
 * read at every sharer's visit, a page of ten sharers was warm so often that its first
 * access was 450 ns faster than a fake merge's, and right guesses up to 65 % recognisable. */
static void touch_as_unmerged(struct page *page, struct ksm_rmap_item *item)
{
	if (list_first_entry(&item->head->items, struct ksm_rmap_item, hlist) == item)
		rmap_item_volatile(item, page_checksum(page_address(page)));
}

/* One batch: up to n pages, or to the end of the current full scan. ksm_lock is held for
 * a gathering of candidates and their merging, then let go. */
static void ksm_do_scan(unsigned n)
{
	while (n) {
		struct scan_candidate c[SCAN_BATCH];
		mutex_lock(&ksm_lock);
		unsigned got = READ_ONCE(ksm_knobs.run) == KSM_RUN_MERGE ? scan_next(c, MIN(n, SCAN_BATCH))
									 : 0;
		for (unsigned i = 0; i < got; i++) {
			if (!page_test(c[i].page, PG_KSM) || !(c[i].item->address & KSM_STABLE))
				cmp_and_merge_page(c[i].page, c[i].item, c[i].cleaned_at);
			else if (READ_ONCE(ksm_knobs.same_behaviour))
				touch_as_unmerged(c[i].page, c[i].item);
			ksm_stat.pages_scanned++;
			put_page(c[i].page);
		}
		ksm_merge_batch_done();
		mutex_unlock(&ksm_lock);
		if (!got)
			return;
		n -= got;
	}
}

/* References that copy-on-access faults handed over (ksm_put_page_later). [put_later_lock] */
struct put_later {
	struct put_later *next;
	struct page *page;
};
static spinlock_t put_later_lock = SPINLOCK_INIT("ksm_put_later");
static struct put_later *put_later_list;

void ksm_put_page_later(struct page *page)
{
	struct put_later *n = kmalloc(sizeof(*n));
	if (!n) {
		put_page(page); /* out of memory: now, the one case where the timing differs */
		return;
	}
	n->page = page;
	uint64_t f = spin_lock_irqsave(&put_later_lock);
	bool was_empty = !put_later_list;
	n->next = put_later_list;
	put_later_list = n;
	spin_unlock_irqrestore(&put_later_lock, f);
	if (was_empty)
		wake_up_all(&ksm_thread_wait);
}

/* ksmd: drop the references handed over. */
static void put_pages_handed_over(void)
{
	if (!READ_ONCE(put_later_list))
		return; /* (ksmd asks after every round: mostly nothing) */
	uint64_t f = spin_lock_irqsave(&put_later_lock);
	struct put_later *n = put_later_list;
	put_later_list = NULL;
	spin_unlock_irqrestore(&put_later_lock, f);
	while (n) {
		struct put_later *next = n->next;
		put_page(n->page);
		kfree(n);
		n = next;
	}
}

static bool ksmd_should_run(void)
{
	return (READ_ONCE(ksm_knobs.run) == KSM_RUN_MERGE && !list_empty(&ksm_mm_head.node)) ||
	       READ_ONCE(put_later_list);
}

static void ksmd_main(void *arg)
{
	for (;;) {
		wait_event_killable(ksm_thread_wait, ksmd_should_run());
		put_pages_handed_over();
		ksm_do_scan(READ_ONCE(ksm_knobs.pages_to_scan));
		ksm_history_record(false); /* (once a second at most) */
		unsigned ms = READ_ONCE(ksm_knobs.sleep_millisecs);
		if (!ms) {
			/* sleep_millisecs 0: scan on, giving way only when the quantum is over
			 * (a yield per batch would leave ksmd one batch per quantum of a busy
			 * task, as Linux's ksmd is not) */
			sched_preempt_if_needed();
			continue;
		}
		wait_event_timeout(ksm_iter_wait, READ_ONCE(ksm_knobs.sleep_millisecs) != ms,
				   clock_ns() + (uint64_t)ms * 1000000);
	}
}

void ksm_wake(void)
{
	wake_up_all(&ksm_thread_wait);
	wake_up_all(&ksm_iter_wait);
}

uint32_t ksm_mm_domain(const struct mm *mm)
{
	return READ_ONCE(mm->ksm_domain);
}

void ksm_drop_unstable_items(void)
{
	assert_held(&ksm_lock);
	uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
	struct list_head *p;
	list_for_each(p, &ksm_mm_head.node) {
		struct ksm_mm_slot *slot = list_entry(p, struct ksm_mm_slot, node);
		for (struct ksm_rmap_item *item = slot->rmap_list; item; item = item->rmap_next)
			if (item->address & KSM_UNSTABLE)
				remove_rmap_item_from_tree(item);
	}
	spin_unlock_irqrestore(&ksm_mmlist_lock, f);
}

int ksm_set_domain(struct mm *mm, uint32_t domain)
{
	if (domain > KSM_DOMAIN_MAX)
		return -EINVAL;
	for (;;) {
		int rc = 0;
		mutex_lock(&ksm_lock);
		mutex_lock(&mm->lock);
		if (mm->ksm_domain != domain) {
			/* Nothing of it may stay shared with, or findable by, its old domain. */
			for (struct vma *v = vma_find_from(&mm->vmas, 0); v && !rc; v = vma_next(&mm->vmas, v))
				if (v->flags & VMA_MERGEABLE)
					rc = ksm_unmerge_range(mm, v, v->start, v->end);
			struct ksm_mm_slot *slot = READ_ONCE(mm->ksm_slot);
			for (struct ksm_rmap_item *item = slot && !rc ? slot->rmap_list : NULL; item;
			     item = item->rmap_next)
				remove_rmap_item_from_tree(item);
			if (!rc)
				WRITE_ONCE(mm->ksm_domain, domain);
		}
		mutex_unlock(&mm->lock);
		mutex_unlock(&ksm_lock);
		/* Out of memory for the copies: reclaim without the locks, then go on. */
		if (rc != -ENOMEM || !make_room_for_user_page())
			return rc;
	}
}

void ksm_scan_cursor(struct mm **mm, uint64_t *address)
{
	assert_held(&ksm_lock);
	*mm = ksm_scan.slot == &ksm_mm_head ? NULL : ksm_scan.slot->mm;
	*address = ksm_scan.address;
}

uint64_t ksmd_cpu_ns(void)
{
	return ksmd ? READ_ONCE(ksmd->stime_ns) + READ_ONCE(ksmd->utime_ns) : 0;
}

int ksmd_cpu(void)
{
	return ksmd ? READ_ONCE(ksmd->cpu) : -1;
}

int ksm_enter(struct mm *mm)
{
	if (READ_ONCE(mm->ksm_slot))
		return 0;
	struct ksm_mm_slot *slot = kzalloc(sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	slot->mm = mm;
	uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
	bool raced = mm->ksm_slot != NULL;
	if (!raced) {
		/* Just behind the cursor: scanned at the end of the scan under way. */
		list_add_tail(&slot->node, &ksm_scan.slot->node);
		mm->ksm_slot = slot;
	}
	spin_unlock_irqrestore(&ksm_mmlist_lock, f);
	if (raced) {
		kfree(slot);
		return 0;
	}
	trace_event(ksm_enter, mm);
	wake_up_all(&ksm_thread_wait);
	return 0;
}

int ksm_fork(struct mm *child, struct mm *parent)
{
	return READ_ONCE(parent->ksm_slot) ? ksm_enter(child) : 0;
}

bool ksm_registered(struct mm *mm)
{
	return READ_ONCE(mm->ksm_slot) != NULL;
}

void ksm_exit(struct mm *mm)
{
	struct ksm_mm_slot *slot = READ_ONCE(mm->ksm_slot);
	if (!slot)
		return;
	mutex_lock(&ksm_lock);
	remove_trailing_rmap_items(&slot->rmap_list);
	bool under_cursor = ksm_scan.slot == slot;
	uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
	mm->ksm_slot = NULL;
	if (under_cursor) { /* ksmd unhooks it when it moves on */
		slot->mm = NULL;
		ksm_scan.rmap_list = &slot->rmap_list;
	} else {
		list_del(&slot->node);
	}
	spin_unlock_irqrestore(&ksm_mmlist_lock, f);
	mutex_unlock(&ksm_lock);
	if (!under_cursor)
		kfree(slot);
	trace_event(ksm_exit, mm);
}

int ksm_unmerge_all(void)
{
	int err = 0;
	mutex_lock(&ksm_lock);
	for (struct ksm_mm_slot *slot = next_slot(&ksm_mm_head); slot != &ksm_mm_head && !err;
	     slot = next_slot(slot)) {
		struct mm *mm = slot->mm;
		if (mm) {
			mutex_lock(&mm->lock);
			struct vma *v;
			vma_for_each(v, &mm->vmas)
				if ((v->flags & VMA_MERGEABLE) && (err = ksm_unmerge_range(mm, v, v->start, v->end)))
					break;
			mutex_unlock(&mm->lock);
		}
		/* Only a slot unmerged whole loses its items: on failure the pages still merged
		 * keep theirs, so no KSM page is left mapped outside the counters and the stable
		 * tree (the items of pages unmerged before the failure go at ksmd's next visit,
		 * as in Linux). */
		if (!err)
			remove_trailing_rmap_items(&slot->rmap_list);
	}
	/* The next scan starts afresh; a slot whose mm left meanwhile goes now. */
	for (struct ksm_mm_slot *slot = next_slot(&ksm_mm_head), *next; slot != &ksm_mm_head; slot = next) {
		next = next_slot(slot);
		if (!slot->mm) {
			uint64_t f = spin_lock_irqsave(&ksm_mmlist_lock);
			list_del(&slot->node);
			spin_unlock_irqrestore(&ksm_mmlist_lock, f);
			kfree(slot);
		}
	}
	cursor_to(&ksm_mm_head);
	if (!err)
		err = remove_all_stable_nodes();
	mutex_unlock(&ksm_lock);
	return err;
}

void ksm_get_mm_stat(struct mm *mm, struct ksm_mm_stat *st)
{
	memset(st, 0, sizeof(*st));
	mutex_lock(&ksm_lock);
	struct ksm_mm_slot *slot = READ_ONCE(mm->ksm_slot);
	if (slot) {
		st->rmap_items = slot->rmap_items;
		st->merging_pages = slot->merging_pages;
	}
	mutex_unlock(&ksm_lock);
	st->zero_pages = __atomic_load_n(&mm->ksm_zero_pages, __ATOMIC_RELAXED);
	st->items_bytes = st->rmap_items * sizeof(struct ksm_rmap_item);
	st->profit = (int64_t)(st->merging_pages + st->zero_pages) * PAGE_SIZE - (int64_t)st->items_bytes;
	mutex_lock(&mm->lock);
	st->merge_any = mm->merge_any;
	struct vma *v;
	vma_for_each(v, &mm->vmas)
		st->mergeable |= (v->flags & VMA_MERGEABLE) != 0;
	mutex_unlock(&mm->lock);
}

void ksm_init(void)
{
	ksm_item_init();
	zero_checksum = page_checksum(page_address(zero_page));
	ksm_sysfs_init();
	ksmd = kthread_create("ksmd", ksmd_main, NULL);
	if (!ksmd)
		panic("ksm: no memory for ksmd");
	sched_set_nice(ksmd, 5); /* as Linux's: the programs it serves come first */
}
