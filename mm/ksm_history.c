/* KSM's history: ksmd records a sample of the counters at the end of every full scan and
 * once a second while it runs, and run_store one where ksmd stops (run 0), into a fixed
 * ring of KSM_HISTORY_SAMPLES (no allocation on ksmd's path; when the ring is full the
 * oldest samples go). /sys/kernel/mm/ksm/history
 * reads it as CSV, oldest first, with a header; a first row "# dropped N" says how many
 * older samples are gone. `ksm watch` draws sparklines from it.
 *
 * Locking: history_lock (a spinlock, leaf) guards the ring; a sample is gathered before it
 * is taken. */
#include "mm/ksm_internal.h"
#include "mm/mm.h"
#include "kernel/clock.h"
#include "kernel/lock.h"
#include "lib/seqbuf.h"

static spinlock_t history_lock = SPINLOCK_INIT("ksm_history");
static struct ksm_sample ring[KSM_HISTORY_SAMPLES];	/* [history_lock] */
static uint64_t recorded;				/* [history_lock] samples ever */
static uint64_t last_ns;				/* [history_lock] the last one's time
							 * (ksmd reads it lock-free: a stop's
							 * sample racing it costs at most one
							 * sample more or less) */

/* The counters now. */
static void take_sample(struct ksm_sample *s)
{
	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	*s = (struct ksm_sample){
		.time_ns = clock_ns(),
		.pages_shared = READ_ONCE(ksm_stat.pages_shared),
		.pages_sharing = READ_ONCE(ksm_stat.pages_sharing),
		.pages_unshared = READ_ONCE(ksm_stat.pages_unshared),
		.pages_volatile = ksm_pages_volatile(),
		.pages_skipped = READ_ONCE(ksm_stat.pages_skipped),
		.pages_scanned = READ_ONCE(ksm_stat.pages_scanned),
		.ksm_zero_pages = ksm_zero_pages_read(),
		.general_profit = ksm_general_profit(),
		.mem_free_kb = mi.free_kb,
		.swap_used_kb = mi.swap_total_kb - mi.swap_free_kb,
		.ksmd_cpu_ns = ksmd_cpu_ns(),
	};
}

void ksm_history_record(bool full_scan)
{
	/* After every batch ksmd asks: the sample (meminfo, the counters) is taken only when
	 * one is due. */
	if (!full_scan && clock_ns() - READ_ONCE(last_ns) < NSEC_PER_SEC)
		return;
	struct ksm_sample s;
	take_sample(&s);
	uint64_t f = spin_lock_irqsave(&history_lock);
	ring[recorded++ % KSM_HISTORY_SAMPLES] = s;
	last_ns = s.time_ns;
	spin_unlock_irqrestore(&history_lock, f);
}

unsigned ksm_history_read(struct ksm_sample *out, unsigned max, uint64_t *dropped)
{
	uint64_t f = spin_lock_irqsave(&history_lock);
	uint64_t kept = MIN(recorded, (uint64_t)KSM_HISTORY_SAMPLES), first = recorded - kept;
	uint64_t from = kept > max ? recorded - max : first;
	unsigned n = 0;
	for (uint64_t i = from; i < recorded; i++)
		out[n++] = ring[i % KSM_HISTORY_SAMPLES];
	if (dropped)
		*dropped = first;
	spin_unlock_irqrestore(&history_lock, f);
	return n;
}

void ksm_history_render(struct seqbuf *s)
{
	static struct ksm_sample copy[KSM_HISTORY_SAMPLES]; /* too big for a stack */
	static struct mutex copy_lock = MUTEX_INIT(copy_lock, "ksm_history_copy");
	mutex_lock(&copy_lock);
	uint64_t dropped;
	unsigned n = ksm_history_read(copy, KSM_HISTORY_SAMPLES, &dropped);
	if (dropped)
		seq_printf(s, "# dropped %lu\n", dropped);
	seq_printf(s, "time_s,pages_shared,pages_sharing,pages_unshared,pages_volatile,pages_skipped,"
		      "pages_scanned,ksm_zero_pages,general_profit,mem_free_kb,swap_used_kb,ksmd_cpu_ms\n");
	for (unsigned i = 0; i < n; i++) {
		const struct ksm_sample *k = &copy[i];
		seq_printf(s, "%lu.%03lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%ld,%lu,%lu,%lu\n",
			   k->time_ns / NSEC_PER_SEC, k->time_ns / 1000000 % 1000, k->pages_shared,
			   k->pages_sharing, k->pages_unshared, k->pages_volatile, k->pages_skipped,
			   k->pages_scanned, k->ksm_zero_pages, k->general_profit, k->mem_free_kb,
			   k->swap_used_kb, k->ksmd_cpu_ns / 1000000);
	}
	mutex_unlock(&copy_lock);
}
