/* Shell commands for watching KSM: ksm [watch] and trace. */
#include "shell/shell_cmds.h"
#include "mm/ksm.h"
#include "kernel/trace.h"
#include "lib/seqbuf.h"
#include "lib/string.h"
#include "kernel/clock.h"
#include "kernel/process.h"
#include "mm/addrspace.h"
#include "lib/format.h"

/* One screen of KSM's state, knobs, counters and ksmd's CPU use, from the summary k. */
static void render_summary_of(struct seqbuf *s, const struct ksm_summary *k)
{
	/* Rates are over the time since the previous summary (`ksm watch`). */
	static uint64_t last_ns, last_cpu_ns, last_scanned;
	uint64_t now = clock_ns(), dt = now - last_ns;
	static const char *const run_names[] = { "stopped", "running", "unmerged" };
	seq_printf(s, "ksmd: %s (run %u) on CPU %d\n", k->run < ARRAY_SIZE(run_names) ? run_names[k->run] : "?",
		   k->run, k->ksmd_cpu);
	seq_printf(s, "knobs: pages_to_scan %u  sleep_millisecs %u  max_page_sharing %u\n"
		      "       use_zero_pages %d  merge_across_nodes %u  smart_scan %d\n"
		      "       merge_across_domains %u  same_behaviour %u\n",
		   k->pages_to_scan, k->sleep_millisecs, k->max_page_sharing,
		   k->use_zero_pages, k->merge_across_nodes, k->smart_scan,
		   k->merge_across_domains, k->same_behaviour);
	/* The counters by their names in /sys/kernel/mm/ksm, in its order. */
	const struct { const char *name; int64_t value; } counters[] = {
		{ "pages_shared", k->pages_shared }, { "pages_sharing", k->pages_sharing },
		{ "pages_unshared", k->pages_unshared }, { "pages_volatile", k->pages_volatile },
		{ "pages_scanned", k->pages_scanned }, { "pages_skipped", k->pages_skipped },
		{ "full_scans", k->full_scans }, { "stable_node_chains", k->stable_node_chains },
		{ "stable_node_dups", k->stable_node_dups }, { "ksm_zero_pages", k->ksm_zero_pages },
		{ "general_profit", k->general_profit },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(counters); i++)
		seq_printf(s, "  %-20s %ld\n", counters[i].name, counters[i].value);
	int64_t tenths = k->general_profit * 10 / (int64_t)MiB(1);
	seq_printf(s, "profit: %s%ld.%ld MiB saved (rmap items %lu, %lu bytes each)\n",
		   tenths < 0 ? "-" : "", (tenths < 0 ? -tenths : tenths) / 10,
		   (tenths < 0 ? -tenths : tenths) % 10, k->rmap_items, k->rmap_item_size);
	uint64_t pct10 = dt ? (k->ksmd_cpu_ns - last_cpu_ns) * 1000 / dt : 0;
	seq_printf(s, "ksmd cpu: %lu ms in all, %lu.%lu%% of a CPU and %lu pages/s since the last look\n",
		   k->ksmd_cpu_ns / 1000000, pct10 / 10, pct10 % 10,
		   dt ? (k->pages_scanned - last_scanned) * NSEC_PER_SEC / dt : 0);
	ksm_domains_render(s);
	last_ns = now;
	last_cpu_ns = k->ksmd_cpu_ns;
	last_scanned = k->pages_scanned;
}

/* `ksm`: the summary as of now. */
static void render_ksm_summary(struct seqbuf *s)
{
	struct ksm_summary k;
	ksm_get_summary(&k);
	render_summary_of(s, &k);
}

#define SPARK_SAMPLES 48

/* One series of the history as a sparkline (eight heights, UTF-8 blocks) scaled between
 * its least and greatest value, and its last value. */
static void sparkline(struct seqbuf *s, const char *name, const struct ksm_sample *h, unsigned n,
		      int64_t (*value)(const struct ksm_sample *))
{
	static const char *const bars[8] = { "\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
					     "\u2586", "\u2587", "\u2588" };
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (unsigned i = 0; i < n; i++) {
		lo = MIN(lo, value(&h[i]));
		hi = MAX(hi, value(&h[i]));
	}
	seq_printf(s, "  %-15s ", name);
	for (unsigned i = 0; i < n; i++)
		seq_printf(s, "%s", bars[hi > lo ? (value(&h[i]) - lo) * 7 / (hi - lo) : 0]);
	seq_printf(s, " %ld\n", n ? value(&h[n - 1]) : 0);
}

static int64_t v_sharing(const struct ksm_sample *k) { return k->pages_sharing; }
static int64_t v_shared(const struct ksm_sample *k) { return k->pages_shared; }
static int64_t v_volatile(const struct ksm_sample *k) { return k->pages_volatile; }
static int64_t v_profit_kb(const struct ksm_sample *k) { return k->general_profit / 1024; }
static int64_t v_free_kb(const struct ksm_sample *k) { return k->mem_free_kb; }

/* `ksm watch`'s screen: the summary, the current full scan's progress (a bar) and the time
 * to its end at the present rate, and sparklines of the history's last samples. */
static void render_ksm_watch(struct seqbuf *s)
{
	struct ksm_summary k;
	ksm_get_summary(&k);
	render_summary_of(s, &k);
	unsigned pct = k.scan_candidates ? k.scan_visited * 100 / k.scan_candidates : 0;
	seq_printf(s, "scan: [");
	for (unsigned i = 0; i < 40; i++)
		seq_printf(s, "%c", i < pct * 40 / 100 ? '#' : '.');
	seq_printf(s, "] %u%% of %lu pages", pct, k.scan_candidates);
	/* The whole ring, then SPARK_SAMPLES of it evenly spread (the last one included). The
	 * shell runs one command at a time: one static copy is enough. */
	static struct ksm_sample all[KSM_HISTORY_SAMPLES], h[SPARK_SAMPLES];
	unsigned total = ksm_history_read(all, KSM_HISTORY_SAMPLES, NULL);
	unsigned n = MIN(total, SPARK_SAMPLES);
	for (unsigned i = 0; i < n; i++)
		h[i] = all[total - 1 - (uint64_t)(n - 1 - i) * (total - 1) / (n > 1 ? n - 1 : 1)];
	uint64_t dt = n >= 2 ? h[n - 1].time_ns - h[0].time_ns : 0;
	uint64_t rate = dt ? (h[n - 1].pages_scanned - h[0].pages_scanned) * NSEC_PER_SEC / dt : 0;
	if (rate && k.run == 1)
		seq_printf(s, ", next full scan in about %lu s", (k.scan_candidates - k.scan_visited) / rate + 1);
	seq_printf(s, "\nhistory (%u samples over %lu s, oldest left):\n", n, dt / NSEC_PER_SEC);
	sparkline(s, "pages_sharing", h, n, v_sharing);
	sparkline(s, "pages_shared", h, n, v_shared);
	sparkline(s, "pages_volatile", h, n, v_volatile);
	sparkline(s, "profit_kb", h, n, v_profit_kb);
	sparkline(s, "MemFree_kb", h, n, v_free_kb);
}

/* ksm explain PID ADDR, ksm reasons PID: about one process's pages (mm/ksm.h). */
static int ksm_about_process(int argc, char **argv)
{
	bool explain = !strcmp(argv[1], "explain");
	uint64_t pid, addr = 0;
	if (argc != (explain ? 4 : 3) || parse_u64(argv[2], &pid) || pid > 0x7fffffff ||
	    (explain && parse_u64(argv[3], &addr)))
		return SH_USAGE;
	struct task *t = task_find((int)pid);
	if (!t) {
		sh_printf("ksm: %lu: no such process\n", pid);
		return SH_FAILED;
	}
	struct mm *mm = task_mm_get(t);
	task_put(t);
	if (!mm) {
		sh_printf("ksm: %lu is a kernel thread: no user pages\n", pid);
		return SH_FAILED;
	}
	struct seqbuf s;
	seq_init(&s);
	if (explain)
		ksm_explain(&s, mm, addr);
	else
		ksm_reasons(&s, mm);
	mm_put(mm);
	if (s.buf)
		sh_write(s.buf, s.len);
	if (s.failed)
		sh_printf("(out of memory: the text is cut short)\n");
	seq_free(&s);
	return 0;
}

int cmd_ksm(int argc, char **argv)
{
	if (argc == 1) {
		sh_print_rendered(render_ksm_summary);
		return 0;
	}
	if (!strcmp(argv[1], "explain") || !strcmp(argv[1], "reasons"))
		return ksm_about_process(argc, argv);
	if (strcmp(argv[1], "watch") || argc > 2 || sh_redirected())
		return SH_USAGE;
	for (;;) {
		sh_printf("\x1b[H\x1b[J"); /* home, clear: one screen, refreshed in place */
		sh_print_rendered(render_ksm_watch);
		sh_printf("(Ctrl-C ends)\n");
		if (sh_sleep(1000))
			return 0;
	}
}

int cmd_trace(int argc, char **argv)
{
	if (argc == 1) {
		sh_print_rendered(trace_render);
		return 0;
	}
	if (!strcmp(argv[1], "clear") && argc == 2) {
		trace_clear();
		return 0;
	}
	bool on = !strcmp(argv[1], "on");
	if ((!on && strcmp(argv[1], "off")) || argc > 3)
		return SH_USAGE;
	const char *what = argc == 3 ? argv[2] : "all";
	int n = trace_set_enabled(what, on);
	if (n < 0) {
		sh_printf("trace: no event or system called %s\n", what);
		return SH_FAILED;
	}
	sh_printf("trace: %d event%s %s\n", n, n == 1 ? "" : "s", on ? "on" : "off");
	return 0;
}
