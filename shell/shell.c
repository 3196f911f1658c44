/* The shell: read a line with editing and history, split it into words, run the built-in
 * command it names, and print the prompt again. Output of a command can go to a file
 * ("echo 1 > /sys/kernel/mm/ksm/run"): it is collected and written in one write, as a
 * shell's single echo would be, so pseudo files parse it whole. Ctrl-C while a built-in
 * runs is caught by the tty (tty_catch_interrupt): from then on the command's output is
 * dropped, its loops stop at their next sh_interrupted(), and the shell prints "^C". */
#include "shell/shell.h"
#include "shell/shell_cmds.h"
#include "shell/lineedit.h"
#include "shell/shellparse.h"
#include "drivers/console.h"
#include "drivers/tty.h"
#include "kernel/clock.h"
#include "fs/file.h"
#include "lib/seqbuf.h"
#include "mm/swap.h"
#include "kernel/task.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errstr.h"
#include "lib/errno.h"

#define PROMPT "ksm> "

const struct shell_command shell_commands[] = {
	{ "help",     "",               "list the commands",                              0, 0, cmd_help },
	{ "meminfo",  "",               "memory figures as in /proc/meminfo, and the kernel's own use", 0, 0, cmd_meminfo },
	{ "uptime",   "",               "time since boot",                                0, 0, cmd_uptime },
	{ "echo",     "[WORD...]",      "print the words (\"> FILE\" writes them to FILE)", 0, SHELL_MAX_ARGS, cmd_echo },
	{ "run",      "[--domain N] PROG [ARG...] [&]", "run /bin/PROG (or a path) in the foreground, or in the background with &; --domain: in KSM merge domain N", 1, SHELL_MAX_ARGS, cmd_run },
	{ "sh",       "[ARG...]",       "busybox's shell (/bin/sh) on the console; exit comes back here", 0, SHELL_MAX_ARGS - 1, cmd_sh },
	{ "ps",       "",               "list the tasks: pid, ppid, state, CPU ms, RSS KiB, swapped KiB, name", 0, 0, cmd_ps },
	{ "kill",     "PID",            "end the program PID (SIGTERM)",                  1, 1, cmd_kill },
	{ "fg",       "PID",            "continue job PID (stopped by Ctrl-Z) in the foreground", 1, 1, cmd_fg },
	{ "bg",       "PID",            "continue job PID (stopped by Ctrl-Z) in the background", 1, 1, cmd_bg },
	{ "ls",       "[PATH]",         "list a directory",                               0, 1, cmd_ls },
	{ "cat",      "FILE...",        "print files",                                    1, SHELL_MAX_ARGS, cmd_cat },
	{ "ksm",      "[watch | explain PID ADDR | reasons PID]", "KSM at a glance: run state, knobs, counters, profit, ksmd's CPU use (watch: every second until Ctrl-C); why a page is or is not merged; a process's pages by state, per VMA", 0, 3, cmd_ksm },
	{ "trace",    "[clear | on|off [EVENT|SYSTEM]]", "print the trace buffer, empty it, or switch events on or off (all by default)", 0, 2, cmd_trace },
	{ "profile",  "start [PID]|stop|show [N]|callers [N]|reset", "sampling profiler: where the timer ticks find the CPUs, by kernel function or function and caller (PID: only that task)", 1, 2, cmd_profile },
	{ "mkswap",   "DEVICE",         "make a disk one swap area: write its swap header (what is on it is lost)", 1, 1, cmd_mkswap },
	{ "swapon",   "DEVICE",         "enable the swap area on a disk (/dev/vda or vda)", 1, 1, cmd_swapon },
	{ "swapoff",  "DEVICE",         "disable a swap area, bringing its pages back in first", 1, 1, cmd_swapoff },
	{ "swapinfo", "",               "swap areas: size, use, pages out and in, the disk's requests and interrupts", 0, 0, cmd_swapinfo },
	{ "selftest", "",               "in-kernel tests of the allocators, page tables and address spaces", 0, 0, cmd_selftest },
	{ "fault",    "",               "write to an unmapped kernel address: shows the panic report", 0, 0, cmd_fault },
#ifdef LOCK_DEBUG
	{ "lockcheck", "orders|order|chain|spin|irqoff|irqon", "debug build: the lock orders learnt, or break a lock rule: shows the lock checker's panic report", 1, 1, cmd_lockcheck },
#endif
	{ "poweroff", "",               "stop the machine (QEMU exits)",                  0, 0, cmd_poweroff },
};
const unsigned shell_ncommands = ARRAY_SIZE(shell_commands);

/* The shell thread's state: one shell, so plain statics (only the shell thread uses them). */
static struct lineedit editor;
static struct seqbuf *capture;	/* non-NULL while a command's output is redirected */
static bool background;

/* Output goes out in pieces of this many bytes, so that a Ctrl-C cuts a long text short. */
#define WRITE_PIECE 256

bool sh_interrupted(void)
{
	return tty_interrupted();
}

bool sh_sleep(unsigned ms)
{
	return tty_wait_interrupt(ms);
}

void sh_write(const char *s, size_t len)
{
	while (len && !sh_interrupted()) {
		size_t n = MIN(len, (size_t)WRITE_PIECE);
		if (capture)
			seq_write(capture, s, n);
		else
			console_write(s, n);
		s += n;
		len -= n;
	}
}

void sh_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sh_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void sh_print_rendered(void (*render)(struct seqbuf *s))
{
	struct seqbuf s;
	seq_init(&s);
	render(&s);
	if (s.buf)
		sh_write(s.buf, s.len);
	if (s.failed)
		sh_printf("(out of memory: the text is cut short)\n");
	seq_free(&s);
}

bool sh_redirected(void) { return capture != NULL; }
bool sh_background(void) { return background; }

static void echo_to_console(const char *s, size_t len, void *ctx)
{
	console_write(s, len);
}

static const struct shell_command *find_command(const char *name)
{
	for (unsigned i = 0; i < shell_ncommands; i++)
		if (!strcmp(shell_commands[i].name, name))
			return &shell_commands[i];
	return NULL;
}

/* Open the target of "> FILE" for writing: the file, or NULL after reporting why not. */
static struct file *open_redirect(const char *path)
{
	struct vnode *vn;
	int rc = vfs_lookup("/", path, true, &vn);
	if (!rc && vnode_is_dir(vn)) {
		vnode_put(vn);
		rc = -EISDIR;
	}
	if (rc) {
		printk("shell: %s: %s\n", path, errno_string(rc));
		return NULL;
	}
	struct file *f = file_open(vn, O_WRONLY, &rc);
	vnode_put(vn);
	if (!f)
		printk("shell: %s: %s\n", path, errno_string(rc == -EACCES ? -EROFS : rc));
	return f;
}

static void run_command(const struct shell_command *c, struct shell_cmdline *cl)
{
	int nargs = cl->argc - 1;
	if (nargs < c->min_args || nargs > c->max_args) {
		printk("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
		return;
	}
	struct file *out = NULL;
	struct seqbuf text;
	if (cl->redirect) {
		if (!(out = open_redirect(cl->redirect)))
			return;
		seq_init(&text);
		capture = &text;
	}
	background = cl->background;
	tty_catch_interrupt(true);
	int rc = c->fn(cl->argc, cl->argv);
	bool interrupted = sh_interrupted();
	tty_catch_interrupt(false);
	capture = NULL;
	if (interrupted)
		console_write("^C\n", 3); /* what was written stays; a redirection writes nothing */
	else if (rc == SH_USAGE)
		printk("usage: %s%s%s\n", c->name, *c->args ? " " : "", c->args);
	if (out) {
		long n = rc == SH_USAGE || interrupted ? 0 : text.failed ? -ENOMEM :
			 file_write(out, text.buf ? text.buf : "", text.len);
		if (n < 0)
			printk("shell: %s: %s\n", cl->redirect, errno_string(n));
		seq_free(&text);
		file_put(out);
	}
}

static void execute(char *line)
{
	struct shell_cmdline cl;
	if (shell_split(line, &cl)) {
		printk("shell: %s\n", cl.error);
		return;
	}
	if (!cl.argc)
		return;
	const struct shell_command *c = find_command(cl.argv[0]);
	if (!c) {
		printk("unknown command: %s (try help)\n", cl.argv[0]);
		return;
	}
	if (cl.background && c->fn != cmd_run) {
		printk("shell: only run can go to the background\n");
		return;
	}
	run_command(c, &cl);
}

static bool boot_done;
static struct wait_queue boot_wait = WAIT_QUEUE_INIT(boot_wait);

void shell_boot_done(void)
{
	WRITE_ONCE(boot_done, true);
	wake_up_all(&boot_wait);
}

static void shell_main(void *arg)
{
	/* Here, not in shell_start(): this thread may run before the boot context that made
	 * it gets the CPU back. */
	process_set_reaper(current());
	wait_event_killable(boot_wait, READ_ONCE(boot_done));
	/* What an init's "swapon -a" does: every disk with a swap header becomes swap. Here,
	 * in a task, because it reads the disks. */
	swap_init();
	lineedit_init(&editor, echo_to_console, NULL);
	printk("boot: prompt after %lu ms\n", clock_ns() / 1000000);
	for (;;) {
		shell_reap_finished();
		console_write(PROMPT, sizeof(PROMPT) - 1);
		lineedit_reset(&editor);
		enum lineedit_result r;
		while ((r = lineedit_feed(&editor, console_getc())) == LINEEDIT_MORE)
			;
		if (r != LINEEDIT_DONE)
			continue;
		lineedit_add_history(&editor, editor.buf);
		char line[LINE_MAX];
		strlcpy(line, editor.buf, sizeof(line));
		execute(line);
	}
}

void shell_start(void)
{
	if (!kthread_create("shell", shell_main, NULL))
		panic("no memory for the shell thread");
}
