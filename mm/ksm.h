/* Kernel Samepage Merging: ksmd merges identical anonymous pages of the address spaces
 * that registered (madvise MADV_MERGEABLE, prctl PR_SET_MEMORY_MERGE) into write-protected
 * KSM pages; a write to one gives the writer its own copy again. See mm/ksm.c for the
 * algorithm and docs/architecture.md for how it sits in mm.
 *
 * Hooks for the rest of mm (each may be called with the mm's lock held unless said
 * otherwise; none sleeps for long): */
#ifndef MM_KSM_H
#define MM_KSM_H

#include "lib/compiler.h"

struct mm;
struct vma;
struct page;

/* Boot, once, after the scheduler and the file tree: ksmd and /sys/kernel/mm/ksm. */
void ksm_init(void);

/* Register mm for scanning (its first MADV_MERGEABLE, or PR_SET_MEMORY_MERGE): 0 or -ENOMEM.
 * Idempotent. Takes only the slot-list spinlock. */
int ksm_enter(struct mm *mm);
/* fork: a child of a registered mm is registered too. */
int ksm_fork(struct mm *child, struct mm *parent);
/* The last user of mm is gone: forget everything ksmd knew of it. Called by mm_put before
 * the address space is torn down, without mm->lock; may sleep (takes the KSM mutex). */
void ksm_exit(struct mm *mm);
/* Whether mm is registered. */
bool ksm_registered(struct mm *mm);

/* Give every KSM page (and KSM zero page) mapped in [start, end) of v its own private copy
 * again, as MADV_UNMERGEABLE and turning PR_SET_MEMORY_MERGE off do. Under mm->lock.
 * 0 or -ENOMEM (the pages done so far stay unmerged). */
int ksm_unmerge_range(struct mm *mm, struct vma *v, uint64_t start, uint64_t end);

/* The final put_page() of a KSM page: its stable node forgets it (ksmd drops the node
 * later). Any context; takes a spinlock. */
void ksm_page_freed(struct page *page);
/* Reclaim (mm/vmscan.c) holds the KSM mutex (ksm_reclaim_lock) while it unmaps a victim,
 * so that ksmd neither makes it a KSM page nor adds a sharer meanwhile; once no PTE maps
 * a KSM victim, ksm_page_swapped_out() takes it out of the stable tree (its sharers' items
 * leave the node, the counters follow) and makes it an ordinary anonymous page. Called
 * without mm->lock. */
void ksm_reclaim_lock(void);
void ksm_reclaim_unlock(void);
/* The KSM mutex itself, for reclaim's assert_held(). */
extern struct mutex ksm_lock;
void ksm_page_swapped_out(struct page *page);
/* Drop the caller's reference to page from ksmd, soon, rather than here: same_behaviour's
 * copy-on-access fault, whose old page would be freed here if it was a fake merge but not
 * if it was a KSM page (mm/ksm.c). Any context but an interrupt; allocates (and drops it
 * at once if it cannot). */
void ksm_put_page_later(struct page *page);
/* A PTE that KSM pointed at the zero page is gone (unmapped, or copied on write). */
void ksm_zero_page_unmapped(struct mm *mm);

/* Per-process figures, as /proc/PID/ksm_stat shows them. */
struct ksm_mm_stat {
	uint64_t rmap_items, merging_pages, zero_pages;
	uint64_t items_bytes;	/* the rmap items' kernel memory */
	int64_t profit;		/* bytes: (merging + zero pages) * PAGE_SIZE - items_bytes */
	bool merge_any, mergeable;
};
/* Takes the KSM mutex briefly and then mm->lock: may sleep; not with mm->lock held. */
void ksm_get_mm_stat(struct mm *mm, struct ksm_mm_stat *st);

/* KSM's knobs and counters as /sys/kernel/mm/ksm shows them (Linux's names), and ksmd's
 * CPU time: what the shell's `ksm` prints. */
struct ksm_summary {
	unsigned run;			/* 0 stopped, 1 merging, 2 unmerged */
	unsigned pages_to_scan, sleep_millisecs, max_page_sharing, merge_across_nodes;
	unsigned merge_across_domains, same_behaviour;
	bool use_zero_pages, smart_scan;
	uint64_t pages_shared, pages_sharing, pages_unshared, pages_volatile;
	uint64_t pages_scanned, pages_skipped, full_scans;
	uint64_t stable_node_chains, stable_node_dups, ksm_zero_pages;
	int64_t general_profit;		/* bytes */
	uint64_t rmap_items;		/* KSM's scan items, and the size of one */
	uint64_t rmap_item_size;
	uint64_t ksmd_cpu_ns;
	int ksmd_cpu;			/* the CPU ksmd runs on or last ran on */
	uint64_t scan_visited;		/* pages visited in the current full scan */
	uint64_t scan_candidates;	/* pages it has to visit, as far as ksmd knows (its
					 * rmap items; the first scan finds more) */
};
/* A consistent copy: the counters as of one moment between two pages of ksmd's scan.
 * Takes the KSM mutex (so waits out a `run = 2` unmerge under way): may sleep; not with
 * mm->lock held. */
void ksm_get_summary(struct ksm_summary *s);

struct seqbuf;
#define KSM_DOMAIN_MAX 65535
/* Put mm in KSM merge domain `domain` (0..KSM_DOMAIN_MAX, else -EINVAL): its merged pages
 * are unmerged first and its items leave the trees, so it shares nothing with its old
 * domain afterwards. 0 or -ENOMEM (no memory for the copies, even after reclaim). Takes
 * ksm_lock, then mm->lock; may sleep. */
int ksm_set_domain(struct mm *mm, uint32_t domain);
/* The `ksm` summary's per-domain lines: pages shared and sharing in each domain that has
 * KSM pages (domain 0 always). Takes ksm_lock. */
void ksm_domains_render(struct seqbuf *s);
/* mm's merge domain. Lock-free. */
uint32_t ksm_mm_domain(const struct mm *mm);

/* One sample of KSM's history (mm/ksm_history.c): the counters ksmd saw at a full scan's
 * end or once a second while it ran. */
struct ksm_sample {
	uint64_t time_ns;		/* clock_ns() */
	uint64_t pages_shared, pages_sharing, pages_unshared, pages_volatile, pages_skipped;
	uint64_t pages_scanned, ksm_zero_pages;
	int64_t general_profit;		/* bytes */
	uint64_t mem_free_kb, swap_used_kb;
	uint64_t ksmd_cpu_ns;
};
#define KSM_HISTORY_SAMPLES 4096
/* The last (up to) max samples, oldest first, into out: how many; *dropped (if not NULL):
 * the samples the ring let go. Lock-free for the caller (takes the ring's spinlock). */
unsigned ksm_history_read(struct ksm_sample *out, unsigned max, uint64_t *dropped);
/* /sys/kernel/mm/ksm/history: "# dropped N" if any, a header, one CSV row per sample.
 * Takes a mutex (one renderer at a time: the copy is static): may sleep. */
void ksm_history_render(struct seqbuf *s);

/* A page's state for KSM (mm/ksm_explain.c): what `ksm reasons` counts per VMA. */
enum ksm_page_state {
	KSM_ST_KSM_PAGE,	/* the first mapping of a KSM page (pages_shared) */
	KSM_ST_SHARING,		/* another mapping of one (pages_sharing) */
	KSM_ST_ZERO,		/* mapped to the zero page (ksm_zero_pages) */
	KSM_ST_UNIQUE,		/* in the unstable tree (pages_unshared) */
	KSM_ST_VOLATILE,	/* in no tree (pages_volatile) */
	KSM_ST_SKIPPED,		/* smart_scan skips it for now */
	KSM_ST_NOT_SCANNED,	/* ksmd has not visited it */
	KSM_ST_NOT_PRESENT,	/* no page (never touched) */
	KSM_ST_SWAPPED,		/* swapped out */
	KSM_ST_NOT_MERGEABLE,	/* its VMA is not mergeable */
	KSM_NR_STATES
};
/* Why the page at addr of mm is or is not merged: one line per fact ksmd used, in its
 * order, each with the counter or knob that governs it ("no mapping at ADDR" if no VMA
 * holds it). Takes ksm_lock, then mm->lock: may sleep. */
void ksm_explain(struct seqbuf *s, struct mm *mm, uint64_t addr);
/* Per VMA of mm, one line: "START-END N pages:" then each state's key and count
 * ("ksm_page 1 sharing 2 zero 0 unique 0 volatile 1 skipped 0 unscanned 0 absent 0
 * swapped 0": they add up to N), or "not_mergeable N (why)". Takes ksm_lock, then
 * mm->lock. */
void ksm_reasons(struct seqbuf *s, struct mm *mm);

#endif
