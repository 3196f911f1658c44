/* Shell commands for watching KSM: ksm [watch] and trace. */
#include "shell/shell_cmds.h"
#include "mm/ksm.h"
#include "kernel/trace.h"
#include "lib/seqbuf.h"
#include "drivers/console.h"
#include "kernel/sched.h"
#include "lib/string.h"

/* Sleep ms, or less if Ctrl-C arrives: true if it did. */
static bool interrupted_within(unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 50) {
		int c;
		while ((c = console_trygetc()) >= 0)
			if (c == 0x03)
				return true;
		sleep_ms(50);
	}
	return false;
}

int cmd_ksm(int argc, char **argv)
{
	if (argc == 1) {
		sh_print_rendered(ksm_render_summary);
		return 0;
	}
	if (strcmp(argv[1], "watch") || sh_redirected())
		return SH_USAGE;
	for (;;) {
		sh_printf("\x1b[H\x1b[J"); /* home, clear: one screen, refreshed in place */
		sh_print_rendered(ksm_render_summary);
		sh_printf("(Ctrl-C ends)\n");
		if (interrupted_within(1000))
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
