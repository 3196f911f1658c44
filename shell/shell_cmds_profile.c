/* Shell command for the sampling profiler (kernel/profile.h): profile start [PID] | stop |
 * show [N] | callers [N] | reset. */
#include "shell/shell_cmds.h"
#include "kernel/profile.h"
#include "kernel/clock.h"
#include "lib/format.h"
#include "lib/string.h"

#define SHOW_DEFAULT 20
#define SHOW_MAX 64

/* "N (P.P%)" of part in whole, without floating point. */
static void print_share(const char *label, uint64_t part, uint64_t whole)
{
	uint64_t tenths = whole ? part * 1000 / whole : 0;
	sh_printf("  %-8s %8lu %3lu.%lu%%\n", label, part, tenths / 10, tenths % 10);
}

/* The totals, then the top n functions, or function and caller pairs. */
static int show(unsigned n, bool by_caller)
{
	static struct profile_func top[SHOW_MAX]; /* only the shell thread runs commands */
	struct profile_totals t;
	unsigned found = profile_report(&t, by_caller, top, n);
	char who[24] = "all tasks";
	if (t.pid != PROFILE_ALL_TASKS)
		snprintf(who, sizeof(who), "pid %d only", t.pid);
	sh_printf("profile: %s, %lu samples in %lu.%03lu s, %s\n", t.running ? "running" : "stopped",
		  t.samples, t.ns / NSEC_PER_SEC, t.ns / 1000000 % 1000, who);
	print_share("kernel", t.kernel, t.samples);
	print_share("user", t.user, t.samples);
	print_share("idle", t.idle, t.samples);
	print_share("unknown", t.unknown, t.samples);
	print_share("lost", t.lost, t.samples);
	sh_printf("%8s %6s  %s (top %u of %u)\n", "samples", "%",
		  by_caller ? "function <- caller" : "function", MIN(found, n), found);
	for (unsigned i = 0; i < MIN(found, n); i++) {
		uint64_t tenths = t.samples ? top[i].samples * 1000 / t.samples : 0;
		sh_printf("%8lu %4lu.%lu  %s", top[i].samples, tenths / 10, tenths % 10,
			  top[i].name ? top[i].name : "?");
		if (by_caller)
			sh_printf(" <- %s", top[i].caller ? top[i].caller : "?");
		sh_printf("\n");
	}
	return 0;
}

int cmd_profile(int argc, char **argv)
{
	uint64_t v = 0;
	const char *op = argv[1];
	bool has_arg = argc == 3;
	if (has_arg && parse_u64(argv[2], &v))
		return SH_USAGE;
	if (!strcmp(op, "start")) {
		if (has_arg && v > 0x7fffffff)
			return SH_USAGE;
		profile_start(has_arg ? (int)v : PROFILE_ALL_TASKS);
		return 0;
	}
	if (!strcmp(op, "show") || !strcmp(op, "callers")) {
		if (has_arg && (v == 0 || v > SHOW_MAX))
			return SH_USAGE;
		return show(has_arg ? (unsigned)v : SHOW_DEFAULT, !strcmp(op, "callers"));
	}
	if (has_arg)
		return SH_USAGE;
	if (!strcmp(op, "stop"))
		profile_stop();
	else if (!strcmp(op, "reset"))
		profile_reset();
	else
		return SH_USAGE;
	return 0;
}
