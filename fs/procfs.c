/* /proc's top level: the system-wide files, /proc/self, and one directory per task (listed
 * by getdents64 in pid order, made on lookup by procfs_pid.c). */
#include "fs/procfs.h"
#include "fs/pseudofile.h"
#include "kernel/task.h"
#include "kernel/sched.h"
#include "kernel/clock.h"
#include "mm/mm.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "mm/smaps.h"
#include "mm/vmstat.h"
#include "fs/sysfs.h"
#include "kernel/process.h"
#include "arch-x86_64/rtc.h"
#include "arch-x86_64/cpuinfo.h"
#include "arch-x86_64/irq.h"
#include "mm/addrspace.h"
#include "lib/errno.h"
#include "mm/swap.h"
#include "kernel/printk.h"

void proc_meminfo_render(struct seqbuf *s)
{
	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	const struct { const char *name; uint64_t kb; } rows[] = {
		{ "MemTotal", mi.total_kb }, { "MemFree", mi.free_kb },
		{ "MemAvailable", mi.available_kb }, { "Buffers", 0 }, { "Cached", 0 },
		{ "SwapCached", mi.swap_cached_kb }, { "Slab", mi.slab_kb }, { "PageTables", mi.page_tables_kb },
		{ "SwapTotal", mi.swap_total_kb }, { "SwapFree", mi.swap_free_kb },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		char label[24];
		snprintf(label, sizeof(label), "%s:", rows[i].name);
		seq_printf(s, "%-15s %8lu kB\n", label, rows[i].kb);
	}
}

static int meminfo_show(struct seqbuf *s, struct vnode *vn)
{
	proc_meminfo_render(s);
	return 0;
}

static int uptime_show(struct seqbuf *s, struct vnode *vn)
{
	uint64_t up = clock_ns() / 10000000, idle = sched_idle_ns() / 10000000;
	seq_printf(s, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
	return 0;
}

long proc_read_u64_table(void *buf, size_t len, uint64_t *pos,
			 bool (*entry)(void *ctx, uint64_t index, uint64_t *value), void *ctx)
{
	if ((*pos | len) % 8)
		return -EINVAL;
	size_t done = 0;
	uint64_t value;
	for (; done < len && !(done && fatal_signal_pending()) && entry(ctx, *pos / 8, &value); done += 8) {
		memcpy((char *)buf + done, &value, 8);
		*pos += 8;
	}
	return done;
}

static int vmstat_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "nr_free_pages %lu\n", nr_free_pages());
	for (int e = 0; e < NR_VM_EVENTS; e++)
		seq_printf(s, "%s %lu\n", vm_event_name(e), vm_event_read(e));
	return 0;
}

static bool kpageflags_entry(void *ctx, uint64_t pfn, uint64_t *value) { return page_kpageflags(pfn, value); }
static bool kpagecount_entry(void *ctx, uint64_t pfn, uint64_t *value) { return page_kpagecount(pfn, value); }
static long kpageflags_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return proc_read_u64_table(buf, len, pos, kpageflags_entry, NULL);
}
static long kpagecount_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return proc_read_u64_table(buf, len, pos, kpagecount_entry, NULL);
}
static const struct vnode_ops kpageflags_ops = { .read = kpageflags_read };
static const struct vnode_ops kpagecount_ops = { .read = kpagecount_read };

static int swaps_show(struct seqbuf *s, struct vnode *vn)
{
	swap_render_proc_swaps(s);
	return 0;
}

static int loadavg_show(struct seqbuf *s, struct vnode *vn)
{
	struct cpu_times ct;
	struct task_counts tc;
	sched_cpu_times(-1, &ct);
	task_counts(&tc);
	seq_printf(s, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", ct.load_avg[0] / 100,
		   ct.load_avg[0] % 100, ct.load_avg[1] / 100, ct.load_avg[1] % 100,
		   ct.load_avg[2] / 100, ct.load_avg[2] % 100, MAX(sched_nr_running(), 1u), tc.tasks,
		   tc.last_pid);
	return 0;
}

/* The cpu lines in USER_HZ ticks: user nice system idle iowait irq softirq steal guest
 * guest_nice; the first for all CPUs, then one per CPU online. */
static int stat_show(struct seqbuf *s, struct vnode *vn)
{
	struct cpu_times ct;
	struct task_counts tc;
	task_counts(&tc);
	uint64_t tick = NS_PER_USER_TICK;
	for (int cpu = -1; cpu < MAX_CPUS; cpu++) {
		if (cpu >= 0 && !cpus[cpu].online)
			continue;
		char name[8] = "cpu ";
		if (cpu >= 0)
			snprintf(name, sizeof(name), "cpu%d", cpu);
		sched_cpu_times(cpu, &ct);
		seq_printf(s, "%s %lu 0 %lu %lu 0 0 0 0 0 0\n", name, ct.user_ns / tick,
			   ct.system_ns / tick, ct.idle_ns / tick);
	}
	seq_printf(s, "intr %lu\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %u\n"
		      "procs_blocked 0\n", clock_ticks(), ct.switches, rtc_boot_epoch_ns() / NSEC_PER_SEC,
		   tc.created, MAX(sched_nr_running(), 1u));
	return 0;
}

static int cpuinfo_show(struct seqbuf *s, struct vnode *vn)
{
	cpuinfo_render(s);
	return 0;
}

static int interrupts_show(struct seqbuf *s, struct vnode *vn)
{
	irq_render(s);
	return 0;
}

static int version_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "Linux version 6.1.0-ksm-kernel (ksm-kernel, gcc) #1 ksm-kernel "
		      "(a small kernel speaking Linux's ABI)\n");
	return 0;
}

/* The writable numbers of /proc/sys/vm, by the files' priv_id. */
static const struct vm_knob {
	const char *name;
	unsigned *value;
	unsigned max;
} vm_knobs[] = {
	/* new address spaces get a new limit (Linux applies it to all at once) */
	{ "max_map_count", &vm_max_map_count, INT32_MAX },
	{ "page-cluster", &swap_page_cluster, SWAP_CLUSTER_MAX },
};

static int vm_knob_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "%u\n", READ_ONCE(*vm_knobs[vn->priv_id].value));
	return 0;
}

static int vm_knob_store(struct vnode *vn, const char *text)
{
	const struct vm_knob *k = &vm_knobs[vn->priv_id];
	uint64_t v;
	if (sysfs_parse_u64(text, k->max, &v))
		return -EINVAL;
	WRITE_ONCE(*k->value, (unsigned)v);
	return 0;
}

static const struct pseudo_ops loadavg_ops = { .show = loadavg_show };
static const struct pseudo_ops swaps_ops = { .show = swaps_show };
static const struct pseudo_ops stat_ops = { .show = stat_show };
static const struct pseudo_ops cpuinfo_ops = { .show = cpuinfo_show };
static const struct pseudo_ops interrupts_ops = { .show = interrupts_show };
static const struct pseudo_ops version_ops = { .show = version_show };
static const struct pseudo_ops vm_knob_ops = { .show = vm_knob_show, .store = vm_knob_store };
static const struct pseudo_ops meminfo_ops = { .show = meminfo_show };
static const struct pseudo_ops vmstat_ops = { .show = vmstat_show };
static const struct pseudo_ops uptime_ops = { .show = uptime_show };

/* /proc/self: a link to the reader's own directory. */
static long self_readlink(struct vnode *vn, char *buf, size_t size)
{
	return snprintf(buf, size, "%d", current()->tgid);
}

static const struct vnode_ops self_ops = { .readlink = self_readlink };

static struct vnode *proc_lookup(struct vnode *dir, const char *name)
{
	uint64_t pid;
	if (parse_u64(name, &pid) || pid == 0 || pid > 0x7fffffff || name[0] == '0')
		return NULL;
	return procfs_pid_dir(dir, (int)pid);
}

struct nth_task {
	uint64_t index;
	int pid;
};

/* [task_lock] Processes only (their leaders): a thread is in /proc/PID/task, and found
 * by lookup, as on Linux. */
static void find_nth(struct task *t, void *ctx)
{
	struct nth_task *n = ctx;
	if (t->group_leader == t && n->index-- == 0)
		n->pid = t->pid;
}

static bool proc_readdir(struct vnode *dir, uint64_t index, char *name, uint64_t *ino,
			 uint8_t *type)
{
	struct nth_task n = { index, 0 };
	task_for_each(find_nth, &n);
	if (!n.pid)
		return false;
	snprintf(name, NAME_MAX + 1, "%d", n.pid);
	*ino = 0x10000000UL + (uint64_t)n.pid; /* stable per pid, clear of static nodes */
	*type = DT_DIR;
	return true;
}

static const struct vnode_ops proc_dir_ops = {
	.lookup = proc_lookup,
	.readdir = proc_readdir,
};

void procfs_init(void)
{
	struct vnode *proc = vfs_mkdir_p("/proc");
	BUG_ON(!proc);
	proc->ops = &proc_dir_ops;
	BUG_ON(!pseudofile_create(proc, "meminfo", &meminfo_ops));
	BUG_ON(!pseudofile_create(proc, "uptime", &uptime_ops));
	BUG_ON(!pseudofile_create(proc, "vmstat", &vmstat_ops));
	BUG_ON(!pseudofile_create(proc, "loadavg", &loadavg_ops));
	BUG_ON(!pseudofile_create(proc, "swaps", &swaps_ops));
	BUG_ON(!pseudofile_create(proc, "stat", &stat_ops));
	BUG_ON(!pseudofile_create(proc, "cpuinfo", &cpuinfo_ops));
	BUG_ON(!pseudofile_create(proc, "interrupts", &interrupts_ops));
	BUG_ON(!pseudofile_create(proc, "version", &version_ops));
	for (unsigned i = 0; i < ARRAY_SIZE(vm_knobs); i++)
		sysfs_file(sysfs_dir("/proc/sys/vm"), vm_knobs[i].name, &vm_knob_ops)->priv_id = i;
	BUG_ON(!vfs_create(proc, "kpageflags", S_IFREG | 0400, &kpageflags_ops, NULL));
	BUG_ON(!vfs_create(proc, "kpagecount", S_IFREG | 0400, &kpagecount_ops, NULL));
	BUG_ON(!vfs_create(proc, "self", S_IFLNK | 0777, &self_ops, NULL));
}
