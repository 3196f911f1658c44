/* /sys/kernel/mm/ksm: KSM's knobs and counters with Linux's names, meanings and defaults,
 * and the same as one copy for the shell's `ksm` (ksm_get_summary). Knob writes accept what Linux's kstrto*
 * accept (with or without a trailing newline) and leave the old value on -EINVAL. */
#include "mm/ksm_internal.h"
#include "fs/sysfs.h"
#include "lib/seqbuf.h"
#include "lib/errno.h"
#include "mm/swap.h"

uint64_t ksm_pages_volatile(void)
{
	int64_t v = (int64_t)READ_ONCE(ksm_stat.rmap_items) - READ_ONCE(ksm_stat.pages_shared) -
		    READ_ONCE(ksm_stat.pages_sharing) - READ_ONCE(ksm_stat.pages_unshared) -
		    READ_ONCE(ksm_stat.zero_merged_items);
	return v > 0 ? v : 0; /* the counters are read one by one, racing ksmd */
}

int64_t ksm_general_profit(void)
{
	uint64_t saved = READ_ONCE(ksm_stat.pages_sharing) +
			 ksm_zero_pages_read();
	return (int64_t)(saved * PAGE_SIZE) -
	       (int64_t)(READ_ONCE(ksm_stat.rmap_items) * sizeof(struct ksm_rmap_item));
}

/* Read-only counters: the file's priv_id selects the value. */
enum counter {
	C_PAGES_SHARED, C_PAGES_SHARING, C_PAGES_UNSHARED, C_PAGES_VOLATILE, C_PAGES_SCANNED,
	C_PAGES_SKIPPED, C_FULL_SCANS, C_CHAINS, C_DUPS, C_ZERO_PAGES, C_GENERAL_PROFIT,
	NR_COUNTERS,
};
static const char *const counter_names[NR_COUNTERS] = {
	"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "pages_scanned",
	"pages_skipped", "full_scans", "stable_node_chains", "stable_node_dups",
	"ksm_zero_pages", "general_profit",
};

static int64_t counter_value(enum counter c)
{
	switch (c) {
	case C_PAGES_SHARED: return READ_ONCE(ksm_stat.pages_shared);
	case C_PAGES_SHARING: return READ_ONCE(ksm_stat.pages_sharing);
	case C_PAGES_UNSHARED: return READ_ONCE(ksm_stat.pages_unshared);
	case C_PAGES_VOLATILE: return ksm_pages_volatile();
	case C_PAGES_SCANNED: return READ_ONCE(ksm_stat.pages_scanned);
	case C_PAGES_SKIPPED: return READ_ONCE(ksm_stat.pages_skipped);
	case C_FULL_SCANS: return READ_ONCE(ksm_stat.full_scans);
	case C_CHAINS: return READ_ONCE(ksm_stat.stable_node_chains);
	case C_DUPS: return READ_ONCE(ksm_stat.stable_node_dups);
	case C_ZERO_PAGES: return ksm_zero_pages_read();
	case C_GENERAL_PROFIT: return ksm_general_profit();
	default: return 0;
	}
}

static int history_show(struct seqbuf *s, struct vnode *vn)
{
	ksm_history_render(s);
	return 0;
}

static int counter_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "%ld\n", counter_value((enum counter)vn->priv_id));
	return 0;
}

/* Knobs: one show/store pair each. */
#define KNOB_SHOW(name, fmt) \
	static int name##_show(struct seqbuf *s, struct vnode *vn) \
	{ \
		seq_printf(s, fmt "\n", READ_ONCE(ksm_knobs.name)); \
		return 0; \
	}
KNOB_SHOW(run, "%u")
KNOB_SHOW(pages_to_scan, "%u")
KNOB_SHOW(sleep_millisecs, "%u")
KNOB_SHOW(max_page_sharing, "%u")
KNOB_SHOW(use_zero_pages, "%d")
KNOB_SHOW(merge_across_nodes, "%u")
KNOB_SHOW(merge_across_domains, "%u")
KNOB_SHOW(same_behaviour, "%u")
KNOB_SHOW(smart_scan, "%d")
KNOB_SHOW(stable_node_chains_prune_millisecs, "%u")

/* 0: stop, 1: run, 2: unmerge everything but keep the registrations (Linux's run_store:
 * unmerging runs here, in the writer's context, and a failure stops ksmd). */
static int run_store(struct vnode *vn, const char *text)
{
	uint64_t v;
	if (sysfs_parse_u64(text, KSM_RUN_UNMERGE, &v))
		return -EINVAL;
	mutex_lock(&ksm_lock);
	bool changed = ksm_knobs.run != v;
	WRITE_ONCE(ksm_knobs.run, (unsigned)v);
	if (changed && v == KSM_RUN_STOP)
		ksm_history_record(true); /* where ksmd stopped: no batch is in flight */
	mutex_unlock(&ksm_lock);
	int err = 0;
	/* Out of memory, reclaim and go on, as a fault does (without ksm_lock, which reclaim
	 * may need): what was unmerged stays so, and the next round skips it. */
	if (changed && v == KSM_RUN_UNMERGE)
		while ((err = ksm_unmerge_all()) == -ENOMEM && make_room_for_user_page())
			;
	if (err) {
		mutex_lock(&ksm_lock);
		WRITE_ONCE(ksm_knobs.run, KSM_RUN_STOP);
		mutex_unlock(&ksm_lock);
	}
	ksm_wake();
	return err;
}

/* A knob that takes any unsigned int (Linux's kstrtouint, base 10). */
static int uint_store(unsigned *knob, const char *text)
{
	uint64_t v;
	if (sysfs_parse_u64(text, UINT32_MAX, &v))
		return -EINVAL;
	WRITE_ONCE(*knob, (unsigned)v);
	return 0;
}

static int pages_to_scan_store(struct vnode *vn, const char *t) { return uint_store(&ksm_knobs.pages_to_scan, t); }
static int stable_node_chains_prune_millisecs_store(struct vnode *vn, const char *t)
{
	return uint_store(&ksm_knobs.stable_node_chains_prune_millisecs, t);
}

static int sleep_millisecs_store(struct vnode *vn, const char *text)
{
	int err = uint_store(&ksm_knobs.sleep_millisecs, text);
	if (!err)
		ksm_wake(); /* a long sleep under way ends now */
	return err;
}

static int bool_store(bool *knob, const char *text)
{
	bool v;
	if (sysfs_parse_bool(text, &v))
		return -EINVAL;
	WRITE_ONCE(*knob, v);
	return 0;
}

static int use_zero_pages_store(struct vnode *vn, const char *t) { return bool_store(&ksm_knobs.use_zero_pages, t); }
static int smart_scan_store(struct vnode *vn, const char *t) { return bool_store(&ksm_knobs.smart_scan, t); }

/* A knob that changes how stable nodes are shaped: settable only while no KSM page exists
 * (its stale nodes are dropped first). 0, or -EBUSY. */
static int set_while_no_ksm_pages(unsigned *knob, unsigned v)
{
	int err = 0;
	mutex_lock(&ksm_lock);
	if (*knob != v) {
		if (ksm_stat.pages_shared || remove_all_stable_nodes()) {
			err = -EBUSY;
		} else {
			ksm_drop_unstable_items(); /* built under the old rule */
			WRITE_ONCE(*knob, v);
		}
	}
	mutex_unlock(&ksm_lock);
	return err;
}

static int max_page_sharing_store(struct vnode *vn, const char *text)
{
	uint64_t v;
	if (sysfs_parse_u64(text, INT32_MAX, &v) || v < 2)
		return -EINVAL;
	return set_while_no_ksm_pages(&ksm_knobs.max_page_sharing, (unsigned)v);
}

/* A 0-or-1 knob that changes how KSM pages are made: settable only while none exists, so
 * that every KSM page was made under one rule. */
static int flag_store_while_no_ksm_pages(unsigned *knob, const char *text)
{
	uint64_t v;
	if (sysfs_parse_u64(text, 1, &v))
		return -EINVAL;
	return set_while_no_ksm_pages(knob, (unsigned)v);
}

/* One memory node here, so the setting changes nothing yet; its rule is Linux's. */
static int merge_across_nodes_store(struct vnode *vn, const char *text)
{
	return flag_store_while_no_ksm_pages(&ksm_knobs.merge_across_nodes, text);
}

/* 1: every page merges with every other (Linux); 0: only within its merge domain (a tree set
 * per domain, ksm_tree.c). */
static int merge_across_domains_store(struct vnode *vn, const char *text)
{
	return flag_store_while_no_ksm_pages(&ksm_knobs.merge_across_domains, text);
}

/* 1: candidates are pages idle for two scans, and every one is guarded whether it merged or
 * not (ksm.c, "Same behaviour"). */
static int same_behaviour_store(struct vnode *vn, const char *text)
{
	return flag_store_while_no_ksm_pages(&ksm_knobs.same_behaviour, text);
}

#define KNOB(name) { #name, { .show = name##_show, .store = name##_store } }
static const struct {
	const char *name;
	struct pseudo_ops ops;
} knob_files[] = {
	KNOB(run), KNOB(pages_to_scan), KNOB(sleep_millisecs), KNOB(max_page_sharing),
	KNOB(use_zero_pages), KNOB(merge_across_nodes), KNOB(merge_across_domains), KNOB(same_behaviour),
	KNOB(smart_scan),
	KNOB(stable_node_chains_prune_millisecs),
};

static const struct pseudo_ops counter_ops = { .show = counter_show };

void ksm_sysfs_init(void)
{
	struct vnode *dir = sysfs_dir("/sys/kernel/mm/ksm");
	for (unsigned i = 0; i < ARRAY_SIZE(knob_files); i++)
		sysfs_file(dir, knob_files[i].name, &knob_files[i].ops);
	for (int c = 0; c < NR_COUNTERS; c++)
		sysfs_file(dir, counter_names[c], &counter_ops)->priv_id = c;
	static const struct pseudo_ops history_ops = { .show = history_show };
	sysfs_file(dir, "history", &history_ops);
}

static void domain_line(uint32_t domain, uint64_t shared, uint64_t sharing, void *ctx)
{
	if (shared || !domain)
		seq_printf(ctx, "  domain %u: pages_shared %lu, pages_sharing %lu\n", domain, shared, sharing);
}

void ksm_domains_render(struct seqbuf *s)
{
	mutex_lock(&ksm_lock);
	seq_printf(s, "merge domains (merge_across_domains %u):\n", READ_ONCE(ksm_knobs.merge_across_domains));
	ksm_for_each_domain(domain_line, s);
	mutex_unlock(&ksm_lock);
}

void ksm_get_summary(struct ksm_summary *s)
{
	mutex_lock(&ksm_lock); /* the counters' writers hold it */
	*s = (struct ksm_summary){
		.run = READ_ONCE(ksm_knobs.run),
		.pages_to_scan = READ_ONCE(ksm_knobs.pages_to_scan),
		.sleep_millisecs = READ_ONCE(ksm_knobs.sleep_millisecs),
		.max_page_sharing = READ_ONCE(ksm_knobs.max_page_sharing),
		.merge_across_nodes = READ_ONCE(ksm_knobs.merge_across_nodes),
		.merge_across_domains = READ_ONCE(ksm_knobs.merge_across_domains),
		.same_behaviour = READ_ONCE(ksm_knobs.same_behaviour),
		.use_zero_pages = READ_ONCE(ksm_knobs.use_zero_pages),
		.smart_scan = READ_ONCE(ksm_knobs.smart_scan),
		.pages_shared = ksm_stat.pages_shared,
		.pages_sharing = ksm_stat.pages_sharing,
		.pages_unshared = ksm_stat.pages_unshared,
		.pages_volatile = ksm_pages_volatile(),
		.pages_scanned = ksm_stat.pages_scanned,
		.pages_skipped = ksm_stat.pages_skipped,
		.full_scans = ksm_stat.full_scans,
		.stable_node_chains = ksm_stat.stable_node_chains,
		.stable_node_dups = ksm_stat.stable_node_dups,
		.ksm_zero_pages = ksm_zero_pages_read(),
		.general_profit = ksm_general_profit(),
		.rmap_items = ksm_stat.rmap_items,
		.rmap_item_size = sizeof(struct ksm_rmap_item),
		.scan_visited = ksm_stat.pages_scanned - ksm_stat.scan_start_scanned,
	};
	s->scan_candidates = MAX(ksm_stat.rmap_items, s->scan_visited);
	mutex_unlock(&ksm_lock);
	s->ksmd_cpu_ns = ksmd_cpu_ns();
	s->ksmd_cpu = ksmd_cpu();
}
