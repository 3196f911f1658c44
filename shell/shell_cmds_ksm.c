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

/* One screen of KSM's state, knobs, counters and ksmd's CPU use, from ksm_get_summary(). */
static void render_ksm_summary(struct seqbuf *s)
{
	/* Rates are over the time since the previous summary (`ksm watch`). */
	static uint64_t last_ns, last_cpu_ns, last_scanned;
	struct ksm_summary k;
	ksm_get_summary(&k);
	uint64_t now = clock_ns(), dt = now - last_ns;
	static const char *const run_names[] = { "stopped", "running", "unmerged" };
	seq_printf(s, "ksmd: %s (run %u) on CPU %d\n", k.run < ARRAY_SIZE(run_names) ? run_names[k.run] : "?",
		   k.run, k.ksmd_cpu);
	seq_printf(s, "knobs: pages_to_scan %u  sleep_millisecs %u  max_page_sharing %u\n"
		      "       use_zero_pages %d  merge_across_nodes %u  smart_scan %d\n",
		   k.pages_to_scan, k.sleep_millisecs, k.max_page_sharing,
		   k.use_zero_pages, k.merge_across_nodes, k.smart_scan);
	/* The counters by their names in /sys/kernel/mm/ksm, in its order. */
	const struct { const char *name; int64_t value; } counters[] = {
		{ "pages_shared", k.pages_shared }, { "pages_sharing", k.pages_sharing },
		{ "pages_unshared", k.pages_unshared }, { "pages_volatile", k.pages_volatile },
		{ "pages_scanned", k.pages_scanned }, { "pages_skipped", k.pages_skipped },
		{ "full_scans", k.full_scans }, { "stable_node_chains", k.stable_node_chains },
		{ "stable_node_dups", k.stable_node_dups }, { "ksm_zero_pages", k.ksm_zero_pages },
		{ "general_profit", k.general_profit },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(counters); i++)
		seq_printf(s, "  %-20s %ld\n", counters[i].name, counters[i].value);
	int64_t tenths = k.general_profit * 10 / (int64_t)MiB(1);
	seq_printf(s, "profit: %s%ld.%ld MiB saved (rmap items %lu, %lu bytes each)\n",
		   tenths < 0 ? "-" : "", (tenths < 0 ? -tenths : tenths) / 10,
		   (tenths < 0 ? -tenths : tenths) % 10, k.rmap_items, k.rmap_item_size);
	uint64_t pct10 = dt ? (k.ksmd_cpu_ns - last_cpu_ns) * 1000 / dt : 0;
	seq_printf(s, "ksmd cpu: %lu ms in all, %lu.%lu%% of a CPU and %lu pages/s since the last look\n",
		   k.ksmd_cpu_ns / 1000000, pct10 / 10, pct10 % 10,
		   dt ? (k.pages_scanned - last_scanned) * NSEC_PER_SEC / dt : 0);
	last_ns = now;
	last_cpu_ns = k.ksmd_cpu_ns;
	last_scanned = k.pages_scanned;
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
		sh_print_rendered(render_ksm_summary);
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
