/* Why a page is or is not merged: `ksm explain` and /proc/PID/ksm_explain (one page, every
 * fact ksmd used, in the order it uses them), `ksm reasons` and /proc/PID/ksm_reasons (per
 * VMA, how many pages are in each state).
 *
 * A page's state, as ksmd sees it (page_state): a VMA that is not mergeable excludes it
 * (the checks mmap.c's ksm_compatible makes, or no MADV_MERGEABLE / PR_SET_MEMORY_MERGE);
 * then its PTE: none (never touched, or dropped), a swap entry, or KSM's zero-page mark;
 * then its rmap item: none yet (ksmd has not visited it), in a stable node (the first item
 * of the node counts as the KSM page, the others as sharing, as pages_shared and
 * pages_sharing count them), in the unstable tree (unique so far), skipped by smart_scan,
 * or in no tree (volatile: its content changed since the previous visit, or it had its
 * first visit only). The counts of a VMA's states add up to its pages.
 *
 * Everything is read under ksm_lock, then the address space's mm->lock: the items, nodes
 * and PTEs cannot change meanwhile (ksm_internal.h's order). */
#include "mm/ksm_internal.h"
#include "mm/mapping.h"
#include "mm/page_ref.h"
#include "mm/rmap.h"
#include "mm/swap.h"
#include "kernel/task.h"
#include "kernel/lock.h"
#include "lib/seqbuf.h"

/* Each state's key in ksm_reasons, and its words in ksm_explain's last line. */
static const char *const state_keys[KSM_NR_STATES] = {
	[KSM_ST_KSM_PAGE] = "ksm_page", [KSM_ST_SHARING] = "sharing", [KSM_ST_ZERO] = "zero",
	[KSM_ST_UNIQUE] = "unique", [KSM_ST_VOLATILE] = "volatile", [KSM_ST_SKIPPED] = "skipped",
	[KSM_ST_NOT_SCANNED] = "unscanned", [KSM_ST_NOT_PRESENT] = "absent",
	[KSM_ST_SWAPPED] = "swapped", [KSM_ST_NOT_MERGEABLE] = "not_mergeable",
};
static const char *const state_names[KSM_NR_STATES] = {
	[KSM_ST_KSM_PAGE] = "merged (KSM page)",
	[KSM_ST_SHARING] = "sharing",
	[KSM_ST_ZERO] = "zero-merged",
	[KSM_ST_UNIQUE] = "unique (unstable tree)",
	[KSM_ST_VOLATILE] = "volatile",
	[KSM_ST_SKIPPED] = "skipped",
	[KSM_ST_NOT_SCANNED] = "not yet scanned",
	[KSM_ST_NOT_PRESENT] = "not present",
	[KSM_ST_SWAPPED] = "swapped",
	[KSM_ST_NOT_MERGEABLE] = "not mergeable",
};

/* Why v is not mergeable (the checks the kernel makes), or NULL if it is. */
static const char *unmergeable_reason(const struct mm *mm, const struct vma *v)
{
	if (v->flags & VMA_SHARED)
		return "a shared mapping (MAP_SHARED): KSM merges private anonymous pages only";
	if (v->flags & VMA_SPECIAL)
		return "the kernel's own mapping ([vvar], [vdso])";
	if (!(v->flags & VMA_MERGEABLE))
		return mm->merge_any ? "mapped before PR_SET_MEMORY_MERGE and not advised since"
				     : "no madvise(MADV_MERGEABLE) and no prctl(PR_SET_MEMORY_MERGE)";
	return NULL;
}

/* [ksm_lock] The item of slot for va, from *from on (items are by address): NULL if none;
 * *from moves to the first item at or past va, for the next, higher va. */
static struct ksm_rmap_item *item_at(struct ksm_rmap_item **from, uint64_t va)
{
	while (*from && ((*from)->address & PAGE_MASK) < va)
		*from = (*from)->rmap_next;
	return *from && ((*from)->address & PAGE_MASK) == va ? *from : NULL;
}

/* What one page of a mergeable VMA is. */
struct page_facts {
	struct pte_info pte;
	bool mapped;			/* a PTE or a swap entry */
	struct ksm_rmap_item *item;	/* ksmd's item for it, or NULL */
};

/* [ksm_lock, mm->lock] */
static enum ksm_page_state page_state(const struct page_facts *f)
{
	if (!f->mapped)
		return KSM_ST_NOT_PRESENT;
	if (f->pte.prot & MMU_SWAPPED)
		return KSM_ST_SWAPPED;
	if (f->pte.prot & MMU_KSM_ZERO)
		return KSM_ST_ZERO;
	const struct ksm_rmap_item *item = f->item;
	if (!item)
		return KSM_ST_NOT_SCANNED;
	if (item->address & KSM_STABLE)
		return list_first_entry(&item->head->items, struct ksm_rmap_item, hlist) == item
			       ? KSM_ST_KSM_PAGE : KSM_ST_SHARING;
	if (item->address & KSM_UNSTABLE)
		return KSM_ST_UNIQUE;
	if (item->remaining_skips)
		return KSM_ST_SKIPPED;
	return KSM_ST_VOLATILE;
}

/* [ksm_lock, mm->lock] */
static void gather(struct mm *mm, uint64_t va, struct ksm_rmap_item **items, struct page_facts *f)
{
	uint64_t at = va; /* (a lookup would not report a swap entry) */
	f->mapped = pgtable_next_entry(&mm->pt, &at, va + PAGE_SIZE, &f->pte);
	f->item = item_at(items, va);
}

/* ---- ksm reasons ---- */

void ksm_reasons(struct seqbuf *s, struct mm *mm)
{
	mutex_lock(&ksm_lock);
	mutex_lock(&mm->lock);
	struct ksm_mm_slot *slot = READ_ONCE(mm->ksm_slot);
	struct ksm_rmap_item *items = slot ? slot->rmap_list : NULL;
	for (struct vma *v = vma_find_from(&mm->vmas, 0); v; v = vma_next(&mm->vmas, v)) {
		uint64_t count[KSM_NR_STATES] = { 0 }, pages = (v->end - v->start) / PAGE_SIZE;
		const char *why = unmergeable_reason(mm, v);
		seq_printf(s, "%012lx-%012lx %lu pages:", v->start, v->end, pages);
		if (why) {
			seq_printf(s, " %s %lu (%s)\n", state_keys[KSM_ST_NOT_MERGEABLE], pages, why);
			continue;
		}
		for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
			struct page_facts f;
			gather(mm, va, &items, &f);
			count[page_state(&f)]++;
		}
		for (int st = 0; st < KSM_NR_STATES; st++)
			if (st != KSM_ST_NOT_MERGEABLE)
				seq_printf(s, " %s %lu", state_keys[st], count[st]);
		seq_printf(s, "\n");
	}
	mutex_unlock(&mm->lock);
	mutex_unlock(&ksm_lock);
}

/* ---- ksm explain ---- */

/* The pid of a task whose address space is mm, or 0. */
struct mm_owner {
	struct mm *mm;
	int pid;
};
static void find_owner(struct task *t, void *ctx)
{
	struct mm_owner *o = ctx;
	if (!o->pid && t->mm == o->mm)
		o->pid = t->tgid;
}
static int owner_pid(struct mm *mm)
{
	struct mm_owner o = { mm, 0 };
	task_for_each(find_owner, &o);
	return o.pid;
}

/* [ksm_lock] The stable node's facts: its KSM page, chain and dup index, and who maps it
 * (the first 16 sharers). */
static void explain_stable(struct seqbuf *s, const struct ksm_rmap_item *item, enum ksm_page_state st)
{
	struct ksm_stable_node *node = item->head;
	seq_printf(s, "merged: %s, KSM page pfn %#lx, stable node %p (pages_shared, pages_sharing)\n",
		   st == KSM_ST_KSM_PAGE ? "counted as the KSM page" : "counted as sharing",
		   node->kpfn, node);
	if (node->chain) {
		int index = 0, dups = 0;
		struct list_head *p;
		list_for_each(p, &node->chain->dups) {
			if (list_entry(p, struct ksm_stable_node, dups) == node)
				index = dups;
			dups++;
		}
		seq_printf(s, "chain: dup %d of %d of chain %p: the content passed max_page_sharing "
			      "once (stable_node_chains, stable_node_dups)\n", index, dups, node->chain);
	} else {
		seq_printf(s, "chain: none, a plain stable node\n");
	}
	unsigned max = READ_ONCE(ksm_knobs.max_page_sharing);
	seq_printf(s, "mapped by %d (max_page_sharing %u: %s)\n", node->nr_items, max,
		   node->nr_items >= (int)max ? "reached, further twins start a new dup" : "room left");
	int shown = 0;
	struct list_head *p;
	list_for_each(p, &node->items) {
		if (shown++ == 16) {
			seq_printf(s, "  ... and %d more\n", node->nr_items - 16);
			break;
		}
		const struct ksm_rmap_item *it = list_entry(p, struct ksm_rmap_item, hlist);
		struct mm *m = it->slot->mm;
		seq_printf(s, "  pid %d at %#lx\n", m ? owner_pid(m) : 0, it->address & PAGE_MASK);
	}
}

/* [ksm_lock, mm->lock] The item's own facts: checksum, volatility, smart_scan. */
static void explain_item(struct seqbuf *s, const struct ksm_rmap_item *item)
{
	if (item->oldchecksum) /* the latest scan whose low 16 bits are changed_scan */
		seq_printf(s, "checksum at the last visit: %#x, changed in scan %lu\n", item->oldchecksum,
			   ksm_stat.seqnr - (uint16_t)((uint16_t)ksm_stat.seqnr - item->changed_scan));
	else
		seq_printf(s, "checksum: none yet\n");
	if (READ_ONCE(ksm_knobs.smart_scan))
		seq_printf(s, "smart_scan: age %u visits without a merge; %s (pages_skipped)\n", item->age,
			   item->remaining_skips ? "skipped for the next scans" : "not skipped");
	if (item->remaining_skips)
		seq_printf(s, "skipped until scan %lu (%u more visits)\n",
			   ksm_stat.seqnr + item->remaining_skips, item->remaining_skips);
	if (READ_ONCE(ksm_knobs.same_behaviour))
		seq_printf(s, "same_behaviour: idle at %u visits in a row (a candidate from %u on)\n",
			   item->idle_scans, KSM_IDLE_SCANS);
}

/* [ksm_lock, mm->lock] What ksmd's scan has done so far. */
static void explain_cursor(struct seqbuf *s, struct mm *mm, uint64_t va)
{
	struct mm *at;
	uint64_t address;
	ksm_scan_cursor(&at, &address);
	seq_printf(s, "ksmd: run %u, full_scans %lu, cursor %s", READ_ONCE(ksm_knobs.run),
		   ksm_stat.full_scans,
		   at == mm ? "in this process" : at ? "in another process" : "between two scans");
	if (at == mm)
		seq_printf(s, " at %#lx (%s this page)", address, address > va ? "past" : "before");
	seq_printf(s, "\n");
}

/* [ksm_lock, mm->lock] The page's present frame: who else holds it, and whether
 * same_behaviour guards it. */
static void explain_frame(struct seqbuf *s, const struct pte_info *pte)
{
	struct page *page = pfn_to_page(PFN_DOWN(pte->pa));
	int32_t maps = page_mapcount(page), refs = page_refcount(page);
	int32_t expected = maps + (page_test(page, PG_SWAPCACHE) ? 1 : 0);
	seq_printf(s, "present: pfn %#lx, %s, %d mapping%s, %d reference%s%s\n", PFN_DOWN(pte->pa),
		   pte->prot & MMU_WRITE ? "writable" : "read-only", maps, maps == 1 ? "" : "s", refs,
		   refs == 1 ? "" : "s", page_test(page, PG_KSM) ? ", a KSM page" : "");
	if (refs > expected)
		seq_printf(s, "held by %d extra reference%s (pinned, or in I/O): ksmd's reference check "
			      "fails, not mergeable now\n", refs - expected, refs - expected == 1 ? "" : "s");
	if (pte->prot & MMU_KSM_GUARD)
		seq_printf(s, "guarded by same_behaviour: out of ring 3's reach, merged or not; its first "
			      "access copies it (ksm_copy_on_access)\n");
}

void ksm_explain(struct seqbuf *s, struct mm *mm, uint64_t addr)
{
	uint64_t va = addr & PAGE_MASK;
	mutex_lock(&ksm_lock);
	mutex_lock(&mm->lock);
	struct vma *v = vma_find(&mm->vmas, va);
	if (!v) {
		seq_printf(s, "no mapping at %#lx\n", addr);
		goto out;
	}
	seq_printf(s, "page %#lx in vma %012lx-%012lx %c%c%c%c %s\n", va, v->start, v->end,
		   v->flags & VMA_READ ? 'r' : '-', v->flags & VMA_WRITE ? 'w' : '-',
		   v->flags & VMA_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
		   v->flags & VMA_FILE ? "file" : "anonymous");
	const char *why = unmergeable_reason(mm, v);
	if (why) {
		seq_printf(s, "not mergeable: %s\n", why);
		goto out;
	}
	seq_printf(s, "mergeable: %s\n", mm->merge_any ? "prctl(PR_SET_MEMORY_MERGE)" : "madvise(MADV_MERGEABLE)");
	struct ksm_mm_slot *slot = READ_ONCE(mm->ksm_slot);
	seq_printf(s, "registered with ksmd: %s\n", slot ? "yes" : "no");
	bool across = READ_ONCE(ksm_knobs.merge_across_domains);
	seq_printf(s, "merge domain %u (merge_across_domains %u: %s)\n", ksm_mm_domain(mm), across,
		   across ? "merges with every domain" : "merges within its domain only");
	explain_cursor(s, mm, va);
	struct ksm_rmap_item *items = slot ? slot->rmap_list : NULL;
	struct page_facts f;
	gather(mm, va, &items, &f);
	enum ksm_page_state st = page_state(&f);
	if (!f.mapped)
		seq_printf(s, "not present: never touched, or dropped (nothing to merge)\n");
	else if (f.pte.prot & MMU_SWAPPED)
		seq_printf(s, "swapped out: area %u slot %lu (ksmd merges it once it is back)\n",
			   swp_type(f.pte.swap), swp_offset(f.pte.swap));
	else if (f.pte.prot & MMU_KSM_ZERO)
		seq_printf(s, "mapped to the zero page by use_zero_pages (ksm_zero_pages)\n");
	else
		explain_frame(s, &f.pte);
	if (!f.item) {
		seq_printf(s, "rmap item: none: ksmd has not visited it yet (pages_scanned)\n");
	} else {
		seq_printf(s, "rmap item: visited by ksmd\n");
		explain_item(s, f.item);
		if (st == KSM_ST_KSM_PAGE || st == KSM_ST_SHARING)
			explain_stable(s, f.item, st);
	}
	if (st == KSM_ST_UNIQUE)
		seq_printf(s, "unstable tree: in it, unique so far: no twin found in this scan "
			      "(pages_unshared; the tree is rebuilt every scan)\n");
	else if (st == KSM_ST_VOLATILE)
		seq_printf(s, "volatile: in no tree, its content changed since the previous visit "
			      "or it had its first only (pages_volatile)\n");
	seq_printf(s, "state: %s\n", state_names[st]);
out:
	mutex_unlock(&mm->lock);
	mutex_unlock(&ksm_lock);
}
