/* Swap areas: enabling one (read and check the mkswap header, build the slot map),
 * disabling one (bring every page back in first), and the figures /proc/swaps, meminfo
 * and the shell show. The slot-level work is swap_state.c's. */
#include "mm/swap_internal.h"
#include "mm/swap_header.h"
#include "mm/addrspace.h"
#include "drivers/blockdev.h"
#include "mm/kmalloc.h"
#include "kernel/mutex.h"
#include "mm/page_alloc.h"
#include "mm/page_ref.h"
#include "lib/seqbuf.h"
#include "kernel/sched.h"
#include "lib/errno.h"
#include "kernel/random.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "kernel/lock.h"

spinlock_t swap_lock = SPINLOCK_INIT("swap");
struct swap_area *swap_areas[MAX_SWAPFILES];
static struct mutex swapon_mutex = MUTEX_INIT(swapon_mutex, "swapon"); /* one at a time */
static int least_priority = -1;			/* [swapon_mutex] the last default priority */

struct swap_area *swap_area_of(uint64_t entry)
{
	assert_held(&swap_lock);
	unsigned type = swp_type(entry);
	BUG_ON(type >= MAX_SWAPFILES || !swap_areas[type]);
	return swap_areas[type];
}

struct swap_slot *swap_slot_of(uint64_t entry)
{
	return swap_slot(&swap_area_of(entry)->slots, swp_offset(entry));
}

/* "vda" or "/dev/vda" */
static struct blockdev *find_disk(const char *name)
{
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	return blk_find(name);
}

/* The index of the area on dev, or -1. Under swapon_mutex. */
static int area_index(const struct blockdev *dev)
{
	assert_held(&swapon_mutex);
	for (int i = 0; i < MAX_SWAPFILES; i++)
		if (swap_areas[i] && swap_areas[i]->dev == dev)
			return i;
	return -1;
}

/* Read and check dev's swap header, and set up a's slot map from it. Under swapon_mutex. */
static int read_area(struct swap_area *a, struct blockdev *dev, const char **why)
{
	assert_held(&swapon_mutex);
	uint64_t dev_pages = blk_sectors(dev) / (PAGE_SIZE / 512);
	if (dev_pages < 2) {
		*why = "device too small for a swap area";
		return -EINVAL;
	}
	size_t len = MIN(SWAP_HDR_PROBE_BYTES, dev_pages * PAGE_SIZE);
	void *buf = kmalloc(len);
	if (!buf) {
		*why = "out of memory";
		return -ENOMEM;
	}
	int rc = blk_rw(dev, 0, buf, len, false);
	if (rc) {
		*why = "read error on the swap header";
		goto out;
	}
	struct swap_header_info info;
	if ((rc = swap_header_parse(buf, len, dev_pages, &info, why)))
		goto out;
	if ((rc = swap_slots_init(&a->slots, info.last_page + 1, info.bad, info.nr_bad))) {
		*why = "out of memory for the slot map";
		goto out;
	}
	memcpy(a->label, info.label, sizeof(a->label));
out:
	kfree(buf);
	return rc;
}

int swap_on(const char *name, const char **why)
{
	struct blockdev *dev = find_disk(name);
	if (!dev) {
		*why = "no such block device";
		return -ENODEV;
	}
	mutex_lock(&swapon_mutex);
	int rc = -EBUSY, type = -1;
	*why = "already in use as swap";
	if (area_index(dev) >= 0)
		goto out;
	for (int i = MAX_SWAPFILES - 1; i >= 0; i--)
		if (!swap_areas[i])
			type = i;
	*why = "too many swap areas";
	if (type < 0)
		goto out;
	struct swap_area *a = kzalloc(sizeof(*a));
	rc = -ENOMEM;
	*why = "out of memory";
	if (!a)
		goto out;
	if ((rc = read_area(a, dev, why))) {
		kfree(a);
		goto out;
	}
	a->dev = dev;
	snprintf(a->path, sizeof(a->path), "/dev/%s", blk_name(dev));
	a->prio = --least_priority;
	a->writeok = true;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	swap_areas[type] = a;
	spin_unlock_irqrestore(&swap_lock, f);
	printk("swap: adding %luk swap on %s, priority %d\n", a->slots.nusable * (PAGE_SIZE / 1024),
	       a->path, a->prio);
	*why = NULL;
	rc = 0;
out:
	mutex_unlock(&swapon_mutex);
	return rc;
}

struct unuse_ctx {
	unsigned type;
	int err;
};

static int unuse_one(struct mm *mm, void *arg)
{
	struct unuse_ctx *c = arg;
	return c->err = swap_unuse_mm(mm, c->type);
}

/* Take every remaining cache page of area a out of the cache (no PTE holds a slot any
 * more): mapped ones become ordinary pages, unmapped ones are freed. Under swapon_mutex. */
static void drop_area_cache(struct swap_area *a, unsigned type)
{
	assert_held(&swapon_mutex);
	for (uint64_t off = 1; off < a->slots.nslots; off++) {
		struct page *p = swap_cache_lookup(swp_entry(type, off));
		if (!p)
			continue;
		swap_wait_page(p, PG_LOCKED | PG_WRITEBACK);
		swap_cache_delete(p);
		put_page(p);
	}
}

int swap_off(const char *name, const char **why)
{
	static char msg[96];
	struct blockdev *dev = find_disk(name);
	if (!dev) {
		*why = "no such block device";
		return -ENODEV;
	}
	mutex_lock(&swapon_mutex);
	int rc = -EINVAL, type = area_index(dev);
	*why = "not an active swap area";
	if (type < 0)
		goto out;
	struct swap_area *a = swap_areas[type];
	uint64_t f = spin_lock_irqsave(&swap_lock);
	uint64_t out_pages = a->slots.nused - a->cached; /* to read back: not in memory now */
	uint64_t free = nr_free_pages();
	bool fits = out_pages + wmark_high <= free;
	for (int i = 0; i < MAX_SWAPFILES && !fits; i++) /* or another area can take them */
		if (swap_areas[i] && i != type && swap_areas[i]->writeok)
			fits = swap_slots_free(&swap_areas[i]->slots) >= out_pages;
	if (fits)
		a->writeok = false; /* no new slots here from now on */
	spin_unlock_irqrestore(&swap_lock, f);
	if (!fits) {
		snprintf(msg, sizeof(msg), "not enough free memory to bring %lu KiB back in (%lu KiB free)",
			 out_pages * (PAGE_SIZE / 1024), free * (PAGE_SIZE / 1024));
		*why = msg;
		rc = -ENOMEM;
		goto out;
	}
	/* Let a reclaim in flight finish: afterwards nothing unmaps pages into this area. */
	reclaim_pages(0);
	/* A fork may copy swap entries into an mm already visited: go on until none is left. */
	struct unuse_ctx c = { .type = type, .err = 0 };
	for (int pass = 0; pass < 16 && READ_ONCE(a->pte_refs) && !c.err; pass++) {
		if (pass)
			sleep_ms(20); /* an exiting address space may still be dropping its entries */
		mm_for_each(unuse_one, &c);
	}
	if (c.err || READ_ONCE(a->pte_refs)) {
		f = spin_lock_irqsave(&swap_lock);
		a->writeok = true;
		spin_unlock_irqrestore(&swap_lock, f);
		rc = c.err ? c.err : -EBUSY;
		*why = rc == -EIO ? "read error while bringing pages back in (the area stays on)"
		       : rc == -ENOMEM ? "out of memory while bringing pages back in (the area stays on)"
				       : "pages kept coming back (the area stays on)";
		goto out;
	}
	drop_area_cache(a, type);
	f = spin_lock_irqsave(&swap_lock);
	BUG_ON(a->slots.nused || a->pte_refs || a->cached);
	swap_areas[type] = NULL;
	spin_unlock_irqrestore(&swap_lock, f);
	swap_slots_destroy(&a->slots);
	kfree(a);
	*why = NULL;
	rc = 0;
out:
	mutex_unlock(&swapon_mutex);
	return rc;
}

int64_t swap_format(const char *name, const char **why)
{
	struct blockdev *dev = find_disk(name);
	if (!dev) {
		*why = "no such block device";
		return -ENODEV;
	}
	void *page = kmalloc(PAGE_SIZE);
	if (!page) {
		*why = "out of memory";
		return -ENOMEM;
	}
	uint8_t uuid[16];
	random_bytes(uuid, sizeof(uuid));
	mutex_lock(&swapon_mutex); /* no swapon of this disk while its header is written */
	int64_t rc = -EBUSY;
	*why = "in use as swap (swapoff first)";
	if (area_index(dev) >= 0)
		goto out;
	rc = -EINVAL;
	*why = "device too small for a swap area";
	uint64_t last = swap_header_make(page, blk_sectors(dev) / (PAGE_SIZE / 512), uuid);
	if (!last)
		goto out;
	rc = blk_rw(dev, 0, page, PAGE_SIZE, true);
	*why = "write error on the swap header";
	if (rc)
		goto out;
	*why = NULL;
	rc = (int64_t)last; /* pages 1..last */
out:
	mutex_unlock(&swapon_mutex);
	kfree(page);
	return rc;
}

void swap_init(void)
{
	for (struct blockdev *d = blk_next(NULL); d; d = blk_next(d)) {
		const char *why;
		if (swap_on(blk_name(d), &why))
			printk("swap: /dev/%s not used: %s\n", blk_name(d), why);
	}
}

bool swap_uses_disk(const struct blockdev *d)
{
	mutex_lock(&swapon_mutex);
	bool used = area_index(d) >= 0;
	mutex_unlock(&swapon_mutex);
	return used;
}

void swap_totals(uint64_t *total_pages, uint64_t *free_pages)
{
	*total_pages = *free_pages = 0;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	for (int i = 0; i < MAX_SWAPFILES; i++) {
		struct swap_area *a = swap_areas[i];
		if (a) {
			*total_pages += a->slots.nusable;
			*free_pages += swap_slots_free(&a->slots);
		}
	}
	spin_unlock_irqrestore(&swap_lock, f);
}

bool swap_full(void)
{
	uint64_t total, free;
	swap_totals(&total, &free);
	return free * 2 < total;
}

bool swap_available(void)
{
	bool ok = false;
	uint64_t f = spin_lock_irqsave(&swap_lock);
	for (int i = 0; i < MAX_SWAPFILES && !ok; i++)
		ok = swap_areas[i] && swap_areas[i]->writeok && swap_slots_free(&swap_areas[i]->slots);
	spin_unlock_irqrestore(&swap_lock, f);
	return ok;
}

/* A consistent copy of one area's figures. */
struct area_figures {
	char path[24], label[17];
	struct blockdev *dev;
	uint64_t size_kb, used_kb, cached, pswpin, pswpout;
	int prio;
	bool writeok;
};

static bool area_figures(int i, struct area_figures *af)
{
	uint64_t f = spin_lock_irqsave(&swap_lock);
	struct swap_area *a = swap_areas[i];
	if (a) {
		memcpy(af->path, a->path, sizeof(af->path));
		memcpy(af->label, a->label, sizeof(af->label));
		af->dev = a->dev;
		af->size_kb = a->slots.nusable * (PAGE_SIZE / 1024);
		af->used_kb = a->slots.nused * (PAGE_SIZE / 1024);
		af->cached = a->cached;
		af->pswpin = READ_ONCE(a->pswpin);
		af->pswpout = READ_ONCE(a->pswpout);
		af->prio = a->prio;
		af->writeok = a->writeok;
	}
	spin_unlock_irqrestore(&swap_lock, f);
	return a;
}

void swap_render_proc_swaps(struct seqbuf *s)
{
	seq_printf(s, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	struct area_figures af;
	for (int i = 0; i < MAX_SWAPFILES; i++) {
		if (!area_figures(i, &af))
			continue;
		int len = strlen(af.path);
		seq_printf(s, "%s%*s%s\t%lu\t%s%lu\t%s%d\n", af.path, len < 40 ? 40 - len : 1, " ",
			   "partition", af.size_kb, af.size_kb < 10000000 ? "\t" : "", af.used_kb,
			   af.used_kb < 10000000 ? "\t" : "", af.prio);
	}
}

void swap_render_info(struct seqbuf *s)
{
	uint64_t total, free;
	swap_totals(&total, &free);
	int n = 0;
	struct area_figures af;
	for (int i = 0; i < MAX_SWAPFILES; i++)
		n += area_figures(i, &af);
	if (!n) {
		seq_printf(s, "swap: off (no swap area enabled; swapon DEVICE enables one)\n");
		return;
	}
	seq_printf(s, "swap: %d area%s, %lu KiB, %lu KiB used, %lu pages in the swap cache\n", n,
		   n > 1 ? "s" : "", total * (PAGE_SIZE / 1024), (total - free) * (PAGE_SIZE / 1024),
		   swap_cache_pages());
	for (int i = 0; i < MAX_SWAPFILES; i++) {
		if (!area_figures(i, &af))
			continue;
		struct blk_stats bs;
		blk_get_stats(af.dev, &bs);
		seq_printf(s, "%s: size=%luKiB used=%luKiB prio=%d label=\"%s\"%s\n", af.path,
			   af.size_kb, af.used_kb, af.prio, af.label, af.writeok ? "" : " (closing)");
		seq_printf(s, "  swapped_out=%lu swapped_in=%lu cached=%lu\n", af.pswpout, af.pswpin,
			   af.cached);
		seq_printf(s, "  disk %s: reads=%lu writes=%lu completed=%lu errors=%lu in_flight=%u "
			   "peak_in_flight=%u irqs=%lu\n", blk_name(af.dev), bs.reads, bs.writes,
			   bs.completed, bs.errors, bs.in_flight, bs.peak_in_flight, bs.irqs);
	}
}
