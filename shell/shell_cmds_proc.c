/* Shell commands about programs: run, ps, kill, and reporting programs that ended. */
#include "shell/shell_cmds.h"
#include "kernel/exec.h"
#include "shell/shellparse.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "arch-x86_64/processor.h"
#include "fs/file.h"
#include "drivers/tty.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "mm/ksm.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "lib/errstr.h"
#include "kernel/printk.h"
#include "kernel/lock.h"

/* "[pid N exited, status=S]" or "[pid N killed by SIGNAME]". */
static void report_end(int pid, int status)
{
	int sig = status & 0x7f;
	if (!sig) {
		sh_printf("[pid %d exited, status=%d]\n", pid, (status >> 8) & 0xff);
		return;
	}
	const char *name = signal_name(sig);
	if (name)
		sh_printf("[pid %d killed by %s]\n", pid, name);
	else
		sh_printf("[pid %d killed by signal %d]\n", pid, sig);
}

/* The programs started with "run ... &" that have not ended yet (the shell thread's own).
 * Orphans the shell adopts are reaped quietly: only its own jobs are reported. */
#define MAX_JOBS 64
static int jobs[MAX_JOBS];

static bool forget_job(int pid)
{
	for (int i = 0; i < MAX_JOBS; i++)
		if (jobs[i] == pid) {
			jobs[i] = 0;
			return true;
		}
	return false;
}

/* With every slot in use, the job's end goes unreported. */
static void remember_job(int pid)
{
	for (int i = 0; i < MAX_JOBS; i++)
		if (!jobs[i]) {
			jobs[i] = pid;
			return;
		}
}

void shell_reap_finished(void)
{
	struct wait_query any = { WAIT_ANY, 0, WEXITED | WNOHANG };
	struct wait_result r;
	while (task_wait(&any, &r, NULL) > 0)
		if (forget_job(r.pid))
			report_end(r.pid, r.status);
}

/* Wait for the foreground program pid to end, reporting it, or to stop (Ctrl-Z): then it
 * is a background job again. Like init, the shell reaps whatever ends meanwhile (its
 * background jobs, orphans it adopted), so zombies do not pile up while it runs. */
static void wait_foreground(int pid)
{
	for (;;) {
		struct wait_query any = { WAIT_ANY, 0, WEXITED | WSTOPPED };
		struct wait_result r;
		struct task *z;
		int got = task_wait(&any, &r, &z);
		BUG_ON(got <= 0); /* the program is a child: ECHILD is impossible, and a kernel
				   * thread is never killed */
		bool stopped = (r.status & 0xff) == 0x7f;
		if (got == pid)
			tty_set_foreground(NULL); /* before z goes: Ctrl-C must not find a freed task */
		if (z)
			task_put(z);
		if (got == pid && stopped) {
			remember_job(pid);
			const char *name = signal_name((r.status >> 8) & 0xff);
			sh_printf("[pid %d stopped by %s]\n", pid, name ? name : "a signal");
			return;
		}
		if (got == pid) {
			report_end(pid, r.status);
			return;
		}
		if (!stopped && forget_job(got))
			report_end(got, r.status);
	}
}

/* The job a fg or bg argument names (a pid the shell started) with a reference (task_put
 * it), or NULL (after saying why, unless it has just ended). */
static struct task *find_job(const char *arg, const char *cmd)
{
	uint64_t pid;
	if (parse_u64(arg, &pid) || !pid || pid > 0x7fffffff) {
		sh_printf("%s: %s: not a pid\n", cmd, arg);
		return NULL;
	}
	for (int i = 0; i < MAX_JOBS; i++)
		if (jobs[i] == (int)pid)
			return task_find((int)pid);
	sh_printf("%s: %s: no such job\n", cmd, arg);
	return NULL;
}

/* Descriptors 0, 1 and 2 on the console, sharing one open file as a login shell's do. */
static struct files *console_files(void)
{
	struct files *fs = files_create();
	if (!fs)
		return NULL;
	int err;
	struct file *con = file_open(tty_console(), O_RDWR, &err);
	if (!con) {
		files_put(fs);
		return NULL;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (fd)
			file_get(con);
		fd_install_at(fs, fd, con, false);
	}
	return fs;
}

/* Load path with argv[1..] as arguments into a new task of the shell; NULL after saying
 * why not. */
static struct task *spawn(const char *path, int argc, char **argv)
{
	struct exec_args args;
	struct exec_image img;
	const char *why = NULL;
	int rc = exec_args_init(&args);
	rc = rc ? rc : exec_args_push(&args, path, false);
	for (int i = 2; !rc && i < argc; i++)
		rc = exec_args_push(&args, argv[i], false);
	rc = rc ? rc : exec_args_push(&args, "PATH=/bin", true);
	rc = rc ? rc : exec_load("/", path, &args, &img, &why);
	exec_args_free(&args);
	if (rc == -ENOENT || rc == -ENOTDIR) {
		sh_printf("run: %s: no such program\n", path);
		return NULL;
	}
	if (rc == -ENOEXEC || rc == -EACCES) {
		sh_printf("run: %s: cannot execute: %s\n", path,
			  rc == -EACCES ? "not an executable file" : why);
		return NULL;
	}
	if (rc) {
		sh_printf("run: %s: %s\n", path, errno_string(rc));
		return NULL;
	}
	struct files *files = console_files();
	struct task *t = files ? process_create(img.comm, current(), img.mm, files, NULL) : NULL;
	if (!t) {
		sh_printf("run: %s: out of memory or tasks\n", path);
		if (files)
			files_put(files);
		mm_put(img.mm);
		return NULL;
	}
	start_thread(task_user_frame(t), img.entry, img.sp);
	return t;
}

int cmd_run(int argc, char **argv)
{
	if (sh_redirected()) {
		sh_printf("run: output redirection is not supported\n");
		return SH_FAILED;
	}
	/* run --domain N PROG ...: the program in KSM merge domain N */
	uint64_t domain = 0;
	bool in_domain = !strcmp(argv[1], "--domain");
	if (in_domain) {
		if (argc < 4 || parse_u64(argv[2], &domain) || domain > KSM_DOMAIN_MAX)
			return SH_USAGE;
		argc -= 2;
		argv += 2;
	}
	char path[256];
	if (strchr(argv[1], '/'))
		strlcpy(path, argv[1], sizeof(path));
	else
		snprintf(path, sizeof(path), "/bin/%s", argv[1]);
	struct task *t = spawn(path, argc, argv);
	if (!t)
		return SH_FAILED;
	if (in_domain)
		ksm_set_domain(t->mm, (uint32_t)domain); /* a fresh image: nothing to unmerge */
	int pid = t->pid;
	if (sh_background()) {
		remember_job(pid);
		sh_printf("[pid %d started in the background]\n", pid);
		sched_start(t);
		return 0;
	}
	tty_set_foreground(t);
	sched_start(t);
	wait_foreground(pid);
	return 0;
}

/* fg PID: a stopped (or background) job continues in the foreground. */
int cmd_fg(int argc, char **argv)
{
	struct task *t = find_job(argv[1], "fg");
	if (!t)
		return SH_FAILED;
	int pid = t->pid;
	forget_job(pid);
	tty_set_foreground(t);
	task_kill(t, SIGCONT);
	task_put(t); /* the foreground pointer stays good: wait_foreground clears it before reaping */
	wait_foreground(pid);
	return 0;
}

/* bg PID: a stopped job continues in the background. */
int cmd_bg(int argc, char **argv)
{
	struct task *t = find_job(argv[1], "bg");
	if (!t)
		return SH_FAILED;
	int pid = t->pid;
	task_kill(t, SIGCONT);
	task_put(t);
	sh_printf("[pid %d continued in the background]\n", pid);
	return 0;
}

int cmd_sh(int argc, char **argv)
{
	char *args[SHELL_MAX_ARGS + 2] = { "run", "/bin/sh" };
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	return cmd_run(argc + 1, args);
}

struct ps_row {
	int pid, ppid, threads;
	int cpu;		/* the CPU it runs on or last ran on (a running thread's first) */
	int domain;		/* its KSM merge domain, -1 for a kernel thread */
	char state;
	bool kthread;
	uint64_t cpu_ms, rss_kb, swap_kb;
	char name[TASK_NAME_LEN];
};

struct ps_rows {
	struct ps_row *rows;
	unsigned n, max;
};

static char state_letter(const struct task *t)
{
	if (t->state != TASK_ZOMBIE && READ_ONCE(t->group_leader->stop_sig))
		return 'T';
	switch (t->state) {
	case TASK_SLEEPING: return 'S';
	case TASK_ZOMBIE: return 'Z';
	default: return 'R';
	}
}

/* [task_lock]: t->mm cannot be dropped while we look (task_set_mm changes it under it).
 * One row per process, as Linux's ps: its leader's row holds the group's thread count and
 * CPU time (the threads gone and the live ones) and its address space once; the other
 * threads get no row, so a threaded process is neither listed nor its memory counted once
 * per thread. Once the leader has exited, the row shows a live thread's state and address
 * space. */
static void collect_row(struct task *t, void *ctx)
{
	struct ps_rows *r = ctx;
	assert_held(&task_lock);
	if (t->group_leader != t || r->n == r->max)
		return;
	struct ps_row *row = &r->rows[r->n++];
	row->pid = t->pid;
	row->ppid = t->parent ? t->parent->pid : 0;
	row->state = state_letter(t);
	row->cpu = READ_ONCE(t->cpu);
	row->kthread = t->kthread_fn != NULL;
	row->threads = t->state != TASK_ZOMBIE;
	uint64_t ns = READ_ONCE(t->utime_ns) + READ_ONCE(t->stime_ns) + t->dead_utime_ns +
		      t->dead_stime_ns;
	struct mm *mm = t->mm;
	struct list_head *p;
	list_for_each(p, &t->threads) {
		struct task *th = list_entry(p, struct task, thread_node);
		row->threads++;
		ns += READ_ONCE(th->utime_ns) + READ_ONCE(th->stime_ns);
		if (!mm)
			mm = th->mm;
		if (row->state == 'Z' || (row->state != 'R' && state_letter(th) == 'R')) {
			row->state = state_letter(th);
			row->cpu = READ_ONCE(th->cpu);
		}
	}
	row->cpu_ms = ns / 1000000;
	row->domain = mm ? (int)ksm_mm_domain(mm) : -1;
	row->rss_kb = mm ? (READ_ONCE(mm->rss_anon) + READ_ONCE(mm->rss_file) +
			    READ_ONCE(mm->rss_shmem)) * (PAGE_SIZE / 1024) : 0;
	row->swap_kb = mm ? READ_ONCE(mm->swap_ents) * (PAGE_SIZE / 1024) : 0;
	memcpy(row->name, t->name, sizeof(row->name));
}

int cmd_ps(int argc, char **argv)
{
	struct ps_rows r = { kmalloc(MAX_TASKS * sizeof(struct ps_row)), 0, MAX_TASKS };
	if (!r.rows) {
		sh_printf("ps: out of memory\n");
		return SH_FAILED;
	}
	task_for_each(collect_row, &r);
	sh_printf("  PID  PPID S CPU   DOM THR   CPU_MS   RSS_KB  SWAP_KB NAME\n");
	for (unsigned i = 0; i < r.n; i++) {
		const struct ps_row *row = &r.rows[i];
		char domain[8] = "-";
		if (row->domain >= 0)
			snprintf(domain, sizeof(domain), "%d", row->domain);
		sh_printf("%5d %5d %c %3d %5s %3d %8lu %8lu %8lu %s%s%s\n", row->pid, row->ppid, row->state,
			  row->cpu, domain, row->threads, row->cpu_ms, row->rss_kb, row->swap_kb, row->kthread ? "[" : "",
			  row->name, row->kthread ? "]" : "");
	}
	kfree(r.rows);
	return 0;
}

int cmd_kill(int argc, char **argv)
{
	uint64_t pid;
	if (parse_u64(argv[1], &pid) || pid > 0x7fffffff)
		return SH_USAGE;
	struct task *t = task_find((int)pid);
	if (!t) {
		sh_printf("kill: %lu: no such process\n", pid);
		return SH_FAILED;
	}
	int rc = task_kill(t, SIGTERM);
	task_put(t);
	if (rc) {
		sh_printf("kill: %lu: cannot kill a kernel thread\n", pid);
		return SH_FAILED;
	}
	return 0;
}
