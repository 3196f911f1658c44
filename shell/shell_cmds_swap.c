/* Shell commands for swap: mkswap, swapon, swapoff, swapinfo. */
#include "shell/shell_cmds.h"
#include "mm/swap.h"
#include "mm/memlayout.h"

/* Run swap_on or swap_off on argv[1], reporting a refusal in one line. */
static int toggle(const char *cmd, int (*op)(const char *dev, const char **why), char **argv)
{
	const char *why;
	if (op(argv[1], &why)) {
		sh_printf("%s: %s: %s\n", cmd, argv[1], why);
		return SH_FAILED;
	}
	return 0;
}

int cmd_swapon(int argc, char **argv) { return toggle("swapon", swap_on, argv); }
int cmd_swapoff(int argc, char **argv) { return toggle("swapoff", swap_off, argv); }

/* As util-linux's mkswap says it, in one line. */
int cmd_mkswap(int argc, char **argv)
{
	const char *why;
	int64_t pages = swap_format(argv[1], &why);
	if (pages < 0) {
		sh_printf("mkswap: %s: %s\n", argv[1], why);
		return SH_FAILED;
	}
	sh_printf("mkswap: %s: swap area version 1, size = %ld KiB (%ld pages)\n", argv[1],
		  pages * (PAGE_SIZE / 1024), pages);
	return 0;
}

int cmd_swapinfo(int argc, char **argv)
{
	sh_print_rendered(swap_render_info);
	return 0;
}
