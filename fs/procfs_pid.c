/* /proc/PID: each task's files in Linux's formats. The directory and its files are dynamic
 * nodes that carry the pid (priv_id); every read looks the task up again, so a file of a
 * task that has gone reads as -ESRCH, as on Linux. Most text files render at open (a
 * snapshot). The files of the address space the task had at open (Linux's proc_mem_open)
 * keep only its struct (mm_grab) while open, never the address space, so an open file
 * never keeps a dead process's memory: each access takes the address space (mm_tryget)
 * for its duration. Those are pagemap and mem (binary, read in place: once the address
 * space is gone, the task exited or exec'd, reads and writes move nothing) and maps, smaps
 * and smaps_rollup (text rendered at each read from position 0, as Linux's seq_file: with
 * the task reaped, -ESRCH; with its address space gone, maps and smaps read empty and
 * smaps_rollup fails with -ESRCH), and maps's PROCMAP_QUERY ioctl (-ESRCH once gone). No
 * other open file holds an address space across calls (userfaultfd: mm/userfaultfd.h). */
#include "fs/procfs.h"
#include "fs/pseudofile.h"
#include "fs/file.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "lib/format.h"
#include "fs/sysfs.h"
#include "kernel/lock.h"
#include "kernel/clock.h"
#include "lib/string.h"
#include "mm/smaps.h"
#include "mm/ksm.h"
#include "mm/access_remote.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "arch-x86_64/smp_call.h"


/* Task pid with a reference, and its address space with one (NULL for kernel threads). */
struct pid_ref {
	struct task *task;
	struct mm *mm;
};

static int pid_ref_get(struct vnode *vn, struct pid_ref *r)
{
	r->task = task_find((int)vn->priv_id);
	if (!r->task)
		return -ESRCH;
	r->mm = task_mm_get(r->task);
	return 0;
}

static void pid_ref_put(struct pid_ref *r)
{
	if (r->mm)
		mm_put(r->mm);
	task_put(r->task);
}

/* A text file of /proc/PID: its show looks the task up (and its address space, NULL for
 * kernel threads) and hands both to the file's own renderer. */
struct pid_text {
	struct pseudo_ops ops;	/* first: the vnode's priv points here */
	void (*render)(struct seqbuf *s, struct task *t, struct mm *mm);
};

static int pid_text_show(struct seqbuf *s, struct vnode *vn)
{
	const struct pid_text *pt = container_of(vn->priv, struct pid_text, ops);
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc)
		return rc;
	pt->render(s, r.task, r.mm);
	pid_ref_put(&r);
	return 0;
}

#define PID_TEXT(fn) { { .show = pid_text_show }, fn }

static const char *state_name(const struct task *t)
{
	if (READ_ONCE(t->state) != TASK_ZOMBIE && READ_ONCE(t->group_leader->stop_sig))
		return "T (stopped)";
	switch (READ_ONCE(t->state)) {
	case TASK_SLEEPING: return "S (sleeping)";
	case TASK_ZOMBIE: return "Z (zombie)";
	default: return "R (running)";
	}
}

static int parent_pid(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&task_lock);
	struct task *parent = t->group_leader->parent; /* a thread's is its process's */
	int ppid = parent ? parent->tgid : 0;
	spin_unlock_irqrestore(&task_lock, f);
	return ppid;
}

/* A CPU mask as Linux's list format ("0-2,5") and a newline. */
static void cpu_list_render(struct seqbuf *s, uint64_t mask)
{
	const char *sep = "";
	for (int cpu = 0; cpu < 64; cpu++) {
		if (!(mask >> cpu & 1))
			continue;
		int last = cpu;
		while (last < 63 && (mask >> (last + 1) & 1))
			last++;
		if (last == cpu)
			seq_printf(s, "%s%d", sep, cpu);
		else
			seq_printf(s, "%s%d-%d", sep, cpu, last);
		sep = ",";
		cpu = last;
	}
	seq_printf(s, "\n");
}

static void status_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	seq_printf(s, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		   "PPid:\t%d\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\n"
		   "Groups:\t\n", t->name, state_name(t), t->tgid, t->pid, parent_pid(t),
		   t->files ? MAX_FDS : 0);
	if (mm) {
		struct mm_stats st;
		mm_get_stats(mm, &st);
		const struct { const char *name; uint64_t kb; } rows[] = {
			{ "VmPeak", st.vm_peak_kb }, { "VmSize", st.vm_size_kb }, { "VmLck", 0 },
			{ "VmPin", 0 }, { "VmHWM", st.rss_kb }, { "VmRSS", st.rss_kb },
			{ "RssAnon", st.rss_anon_kb }, { "RssFile", st.rss_file_kb },
			{ "RssShmem", st.rss_shmem_kb }, { "VmData", st.data_kb },
			{ "VmStk", st.stack_kb }, { "VmExe", st.exec_kb }, { "VmLib", 0 },
			{ "VmPTE", st.pte_kb }, { "VmSwap", st.swap_kb },
		};
		for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
			seq_printf(s, "%s:\t%8lu kB\n", rows[i].name, rows[i].kb);
	}
	seq_printf(s, "Threads:\t%d\n", task_nr_threads(t));
	uint64_t allowed = READ_ONCE(t->cpus_allowed) & smp_online_mask();
	seq_printf(s, "Cpus_allowed:\t%lx\nCpus_allowed_list:\t", allowed);
	cpu_list_render(s, allowed);
	/* Not in Linux's: the system calls the task made, so a test can see that the vDSO's
	 * functions make none. */
	seq_printf(s, "Syscalls:\t%lu\n", READ_ONCE(t->syscalls));
}

struct code_range {
	uint64_t start, end;
};

static void find_code(const struct vma *v, void *ctx)
{
	struct code_range *c = ctx;
	if ((v->flags & VMA_EXEC) && !c->end) {
		c->start = v->start;
		c->end = v->end;
	}
}

/* Linux's 52 fields; those this kernel has no notion of (process groups, terminals, fault
 * counts, signals) are 0, as for a task that never used them. */
static void stat_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	struct mm_stats st = { 0 };
	struct code_range code = { 0, 0 };
	uint64_t stack = 0, brk_start = 0;
	if (mm) {
		mm_get_stats(mm, &st);
		mm_for_each_vma(mm, find_code, &code);
		stack = READ_ONCE(mm->stack_top);
		brk_start = READ_ONCE(mm->brk_start);
	}
	char state = state_name(t)[0];
	seq_printf(s, "%d (%s) %c %d %d %d 0 -1 %u 0 0 0 0 %lu %lu 0 0 %d %d 1 0 %lu %lu %lu "
		   "18446744073709551615 %lu %lu %lu 0 0 0 0 0 0 0 0 0 17 %d 0 0 0 0 0 0 0 %lu "
		   "0 0 0 0 0\n",
		   t->pid, t->name, state, parent_pid(t), READ_ONCE(t->pgid), READ_ONCE(t->sid), mm ? 0x400000u : 0x200040u,
		   READ_ONCE(t->utime_ns) / NS_PER_USER_TICK, READ_ONCE(t->stime_ns) / NS_PER_USER_TICK,
		   20 + READ_ONCE(t->nice), READ_ONCE(t->nice), t->start_ns / NS_PER_USER_TICK, st.vm_size_kb * 1024, st.rss_kb / (PAGE_SIZE / 1024),
		   code.start, code.end, stack, READ_ONCE(t->cpu), brk_start);
}

static void statm_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	struct mm_stats st = { 0 };
	if (mm)
		mm_get_stats(mm, &st);
	uint64_t kb_per_page = PAGE_SIZE / 1024;
	seq_printf(s, "%lu %lu %lu %lu 0 %lu 0\n", st.vm_size_kb / kb_per_page,
		   st.rss_kb / kb_per_page, (st.rss_file_kb + st.rss_shmem_kb) / kb_per_page,
		   st.exec_kb / kb_per_page, (st.data_kb + st.stack_kb) / kb_per_page);
}

static void schedstat_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	seq_printf(s, "%lu 0 %lu\n", READ_ONCE(t->utime_ns) + READ_ONCE(t->stime_ns),
		   READ_ONCE(t->switches));
}

/* The arguments, NUL-separated, read from where exec put them (empty for kernel threads). */
static void cmdline_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	if (!mm)
		return;
	uint64_t start = READ_ONCE(mm->arg_start), end = READ_ONCE(mm->arg_end);
	char buf[256];
	for (uint64_t va = start; va < end;) {
		size_t n = MIN(end - va, sizeof(buf));
		if (mm_read(mm, va, buf, n))
			return; /* the program unmapped its stack: what was read stands */
		seq_write(s, buf, n);
		va += n;
	}
}

static void comm_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	seq_printf(s, "%s\n", t->name);
}

/* End a maps line begun at offset line_start of s with name (if any) where Linux puts it. */
static void name_at_column_73(struct seqbuf *s, size_t line_start, const char *name)
{
	if (name)
		seq_printf(s, "%*s%s", (int)MAX(0, 73 - (long)(s->len - line_start)), "", name);
	seq_printf(s, "\n");
}

const char *proc_vma_name(const struct vma *v)
{
	if (v->flags & VMA_FILE)
		return v->file.name;
	if (v->flags & VMA_HEAP)
		return "[heap]";
	if (v->flags & VMA_STACK)
		return "[stack]";
	if (v->flags & VMA_SHARED)
		return "/dev/zero (deleted)";
	return NULL;
}

/* The maps line of v (also the first line of each smaps entry). */
static void map_line(const struct vma *v, void *ctx)
{
	struct seqbuf *s = ctx;
	const char *name = proc_vma_name(v);
	size_t before = s->len;
	seq_printf(s, "%08lx-%08lx %c%c%c%c %08lx 00:00 0 ", v->start, v->end,
		   v->flags & VMA_READ ? 'r' : '-', v->flags & VMA_WRITE ? 'w' : '-',
		   v->flags & VMA_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
		   v->flags & VMA_FILE ? v->file.offset : v->shm ? v->shm_off : 0);
	name_at_column_73(s, before, name);
}

static void maps_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	if (mm)
		mm_for_each_vma(mm, map_line, s);
}

/* One smaps figure: Linux pads the label and right-aligns the kB value in 24 columns. */
static void smaps_kb(struct seqbuf *s, const char *label, uint64_t bytes)
{
	seq_printf(s, "%s%*lu kB\n", label, (int)(24 - strlen(label)), bytes >> 10);
}

/* The figures of one VMA, or of all of them (rollup: Pss split by kind, no sizes). */
static void smaps_figures(struct seqbuf *s, const struct mem_size_stats *st, bool rollup)
{
	smaps_kb(s, "Rss:", st->resident);
	smaps_kb(s, "Pss:", st->pss >> PSS_SHIFT);
	smaps_kb(s, "Pss_Dirty:", st->pss_dirty >> PSS_SHIFT);
	if (rollup) {
		smaps_kb(s, "Pss_Anon:", st->pss_anon >> PSS_SHIFT);
		smaps_kb(s, "Pss_File:", st->pss_file >> PSS_SHIFT);
		smaps_kb(s, "Pss_Shmem:", st->pss_shmem >> PSS_SHIFT);
	}
	smaps_kb(s, "Shared_Clean:", st->shared_clean);
	smaps_kb(s, "Shared_Dirty:", st->shared_dirty);
	smaps_kb(s, "Private_Clean:", st->private_clean);
	smaps_kb(s, "Private_Dirty:", st->private_dirty);
	smaps_kb(s, "Referenced:", st->referenced);
	smaps_kb(s, "Anonymous:", st->anonymous);
	smaps_kb(s, "KSM:", st->ksm);
	const char *const zeros[] = { "LazyFree:", "AnonHugePages:", "ShmemPmdMapped:",
				      "FilePmdMapped:", "Shared_Hugetlb:", "Private_Hugetlb:" };
	for (unsigned i = 0; i < ARRAY_SIZE(zeros); i++)
		smaps_kb(s, zeros[i], 0);
	smaps_kb(s, "Swap:", st->swap);
	smaps_kb(s, "SwapPss:", st->swap_pss >> PSS_SHIFT);
	smaps_kb(s, "Locked:", 0);
}

/* Linux's two-letter VMA flags, in its order. */
static void vm_flags_line(struct seqbuf *s, uint32_t f)
{
	seq_printf(s, "VmFlags:");
	const struct { bool on; const char *name; } flags[] = {
		{ f & VMA_READ, "rd" }, { f & VMA_WRITE, "wr" }, { f & VMA_EXEC, "ex" },
		{ f & VMA_SHARED, "sh" }, { true, "mr" }, { true, "mw" }, { true, "me" },
		{ f & VMA_SHARED, "ms" }, { f & VMA_STACK, "gd" },
		{ (f & (VMA_WRITE | VMA_SHARED)) == VMA_WRITE, "ac" }, { f & VMA_MERGEABLE, "mg" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].on)
			seq_printf(s, " %s", flags[i].name);
	seq_printf(s, " \n");
}

static void smaps_entry(const struct vma *v, const struct mem_size_stats *st, void *ctx)
{
	struct seqbuf *s = ctx;
	map_line(v, s);
	smaps_kb(s, "Size:", v->end - v->start);
	smaps_kb(s, "KernelPageSize:", PAGE_SIZE);
	smaps_kb(s, "MMUPageSize:", PAGE_SIZE);
	smaps_figures(s, st, false);
	seq_printf(s, "THPeligible:    0\n");
	vm_flags_line(s, v->flags);
}

static void smaps_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	if (mm)
		mm_smaps(mm, smaps_entry, s);
}

struct rollup {
	struct mem_size_stats total;
	uint64_t start, end;
};

static void rollup_add(const struct vma *v, const struct mem_size_stats *st, void *ctx)
{
	struct rollup *r = ctx;
	if (!r->end)
		r->start = v->start;
	r->end = v->end;
	const uint64_t *src = (const uint64_t *)st;
	uint64_t *dst = (uint64_t *)&r->total;
	for (unsigned i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] += src[i];
}

static void smaps_rollup_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	struct rollup sum;
	memset(&sum, 0, sizeof(sum));
	if (mm)
		mm_smaps(mm, rollup_add, &sum);
	size_t before = s->len;
	seq_printf(s, "%08lx-%08lx ---p 00000000 00:00 0 ", sum.start, sum.end);
	name_at_column_73(s, before, "[rollup]");
	smaps_figures(s, &sum.total, true);
}

static void ksm_stat_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	struct ksm_mm_stat st;
	memset(&st, 0, sizeof(st));
	if (mm)
		ksm_get_mm_stat(mm, &st);
	seq_printf(s, "ksm_rmap_items %lu\nksm_zero_pages %lu\nksm_merging_pages %lu\n"
		      "ksm_process_profit %ld\nksm_merge_any: %s\nksm_mergeable: %s\n",
		   st.rmap_items, st.zero_pages, st.merging_pages, st.profit,
		   st.merge_any ? "yes" : "no", st.mergeable ? "yes" : "no");
	/* not in Linux's: the merge domain (ksm_domain) */
	seq_printf(s, "ksm_domain %u\n", mm ? ksm_mm_domain(mm) : 0);
}

static void ksm_merging_pages_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	struct ksm_mm_stat st;
	memset(&st, 0, sizeof(st));
	if (mm)
		ksm_get_mm_stat(mm, &st);
	seq_printf(s, "%lu\n", st.merging_pages);
}

static void ksm_reasons_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	if (mm)
		ksm_reasons(s, mm);
}

/* ksm_domain: the process's KSM merge domain; written (0-65535) by the process itself or
 * an ancestor, which unmerges its pages first (mm/ksm.h: ksm_set_domain). */
static void ksm_domain_text(struct seqbuf *s, struct task *t, struct mm *mm)
{
	seq_printf(s, "%u\n", mm ? ksm_mm_domain(mm) : 0);
}

static int ksm_domain_store(struct vnode *vn, const char *text)
{
	uint64_t domain;
	if (sysfs_parse_u64(text, KSM_DOMAIN_MAX, &domain))
		return -EINVAL;
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc)
		return rc;
	if (!r.mm)
		rc = -EINVAL; /* a kernel thread has no pages to merge */
	else if (!task_descends_from(r.task, current()))
		rc = -EPERM;
	else
		rc = ksm_set_domain(r.mm, (uint32_t)domain);
	pid_ref_put(&r);
	return rc;
}

static const struct pid_text ksm_stat_ops = PID_TEXT(ksm_stat_text);
static const struct pid_text ksm_domain_ops = { { .show = pid_text_show, .store = ksm_domain_store },
						ksm_domain_text };
static const struct pid_text ksm_reasons_ops = PID_TEXT(ksm_reasons_text);
static const struct pid_text ksm_merging_pages_ops = PID_TEXT(ksm_merging_pages_text);
static const struct pid_text status_ops = PID_TEXT(status_text);
static const struct pid_text stat_ops = PID_TEXT(stat_text);
static const struct pid_text statm_ops = PID_TEXT(statm_text);
static const struct pid_text schedstat_ops = PID_TEXT(schedstat_text);
static const struct pid_text comm_ops = PID_TEXT(comm_text);
static const struct pid_text cmdline_ops = PID_TEXT(cmdline_text);

/* Open f on the address space of vn's task, keeping its struct in f->priv: 0, -ESRCH (no
 * such task, or a kernel thread), or -EACCES (ancestors_only and current is neither the
 * task nor an ancestor of it: Linux's ptrace attach rule, simplified). */
static int proc_mm_open(struct vnode *vn, struct file *f, bool ancestors_only)
{
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc)
		return rc;
	if (!r.mm)
		rc = -ESRCH;
	else if (ancestors_only && !task_descends_from(r.task, current()))
		rc = -EACCES;
	else
		mm_grab(r.mm);
	if (!rc)
		f->priv = r.mm;
	pid_ref_put(&r);
	return rc;
}

static void proc_mm_release(struct file *f)
{
	mm_drop(f->priv);
}

/* A text file of the address space the task had at open: maps, smaps, smaps_rollup. */
struct mm_text {
	void (*render)(struct seqbuf *s, struct task *t, struct mm *mm);
	bool gone_esrch;	/* address space gone: -ESRCH (smaps_rollup), not empty text */
	bool procmap_query;	/* answers PROCMAP_QUERY (maps) */
};

/* An open one (f->priv): the struct of the address space, and the text of the last read
 * from position 0 (f->priv_len is its length, for SEEK_END). */
struct mm_text_file {
	struct mutex lock;	/* taken before mm->lock (rendering takes it) */
	struct mm *mm;		/* mm_grab'd; NULL for a kernel thread (reads empty) */
	char *text;		/* [lock] kmalloc'd, or NULL before the first read */
};

static const struct mm_text *mm_text_of(struct file *f) { return f->vn->priv; }

static int mm_text_open(struct vnode *vn, struct file *f)
{
	if (file_writable(f))
		return -EACCES;
	struct mm_text_file *mf = kzalloc(sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc) {
		kfree(mf);
		return rc;
	}
	mutex_init(&mf->lock, "proc_mm_text");
	mf->mm = r.mm;
	if (mf->mm)
		mm_grab(mf->mm);
	pid_ref_put(&r);
	f->priv = mf;
	f->priv_len = 0;
	return 0;
}

/* Render f's text afresh into mf->text: 0, -ESRCH (task reaped, or its address space gone
 * and the file says so) or -ENOMEM. Under mf->lock. */
static int mm_text_render(struct file *f, struct mm_text_file *mf)
{
	assert_held(&mf->lock);
	const struct mm_text *mt = mm_text_of(f);
	struct task *t = task_find((int)f->vn->priv_id);
	if (!t)
		return -ESRCH;
	struct mm *mm = mf->mm && mm_tryget(mf->mm) ? mf->mm : NULL;
	struct seqbuf s;
	seq_init(&s);
	int rc = 0;
	if (mm)
		mt->render(&s, t, mm);
	else if (mt->gone_esrch)
		rc = -ESRCH;
	if (mm)
		mm_put(mm);
	task_put(t);
	if (!rc && s.failed)
		rc = -ENOMEM;
	if (rc) {
		seq_free(&s);
		return rc;
	}
	kfree(mf->text);
	mf->text = s.buf;
	f->priv_len = s.len;
	WRITE_ONCE(f->held, sizeof(*mf) + s.len);
	return 0;
}

static long mm_text_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct mm_text_file *mf = f->priv;
	mutex_lock(&mf->lock);
	long rc = 0;
	if (!*pos || !mf->text)
		rc = mm_text_render(f, mf);
	if (!rc && *pos < f->priv_len) {
		size_t n = MIN(len, f->priv_len - *pos);
		memcpy(buf, mf->text + *pos, n);
		*pos += n;
		rc = n;
	}
	mutex_unlock(&mf->lock);
	return rc;
}

/* PROCMAP_QUERY (procfs_procmap.c, maps only) about the address space of the open. */
static long mm_text_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct mm_text_file *mf = f->priv;
	if (!mm_text_of(f)->procmap_query)
		return -ENOTTY;
	struct mm *mm = mf->mm && mm_tryget(mf->mm) ? mf->mm : NULL;
	long rc = procmap_ioctl(mm, req, arg);
	if (mm)
		mm_put(mm);
	return rc;
}

static void mm_text_release(struct file *f)
{
	struct mm_text_file *mf = f->priv;
	if (mf->mm)
		mm_drop(mf->mm);
	kfree(mf->text);
	kfree(mf);
}

static const struct vnode_ops mm_text_vnode_ops = {
	.open = mm_text_open, .read = mm_text_read, .ioctl = mm_text_ioctl,
	.release = mm_text_release,
};

static const struct mm_text maps_text_ops = { maps_text, false, true };
static const struct mm_text smaps_text_ops = { smaps_text, false, false };
static const struct mm_text smaps_rollup_text_ops = { smaps_rollup_text, true, false };

/* pagemap: 8 bytes per virtual page, read at the file position (pread or lseek + read). */
static int pagemap_open(struct vnode *vn, struct file *f)
{
	return proc_mm_open(vn, f, false);
}

static bool pagemap_entry(void *mm, uint64_t index, uint64_t *value)
{
	if (index >= USER_END / PAGE_SIZE)
		return false;
	*value = mm_pagemap_entry(mm, index * PAGE_SIZE);
	return true;
}

static long pagemap_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct mm *mm = f->priv;
	if (!mm_tryget(mm))
		return 0;
	long rc = proc_read_u64_table(buf, len, pos, pagemap_entry, mm);
	mm_put(mm);
	return rc;
}

static const struct vnode_ops pagemap_ops = {
	.open = pagemap_open, .read = pagemap_read, .release = proc_mm_release,
};

/* mem: the task's memory at the file position, which is the address (any 64-bit value:
 * lseek takes it unsigned, like Linux's FMODE_UNSIGNED_OFFSET). Reads and writes are
 * forced (access_remote.h); they return the bytes moved, -EIO when the first page could
 * not be reached, and 0 once the address space is gone. */
static int mem_open(struct vnode *vn, struct file *f)
{
	return proc_mm_open(vn, f, true);
}

static long mem_rw(struct file *f, void *buf, size_t len, uint64_t *pos, bool write)
{
	struct mm *mm = f->priv;
	if (!len || !mm_tryget(mm))
		return 0;
	size_t n = access_remote_vm(mm, *pos, buf, len, write);
	mm_put(mm);
	if (!n)
		return -EIO;
	*pos += n;
	return n;
}

static long mem_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return mem_rw(f, buf, len, pos, false);
}

static long mem_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	return mem_rw(f, (void *)buf, len, pos, true);
}

#define SEEK_SET 0
#define SEEK_CUR 1

/* Linux's mem_lseek: from the start or the current position, wrapping freely; no end. */
static int64_t mem_lseek(struct file *f, int64_t off, int whence)
{
	switch (whence) {
	case SEEK_SET:
		f->pos = off;
		return f->pos;
	case SEEK_CUR:
		f->pos += off;
		return f->pos;
	default:
		return -EINVAL;
	}
}

static const struct vnode_ops mem_ops = {
	.open = mem_open, .read = mem_read, .write = mem_write, .lseek = mem_lseek,
	.release = proc_mm_release,
};

/* ksm_explain: an address written to the open file (hex with 0x, or decimal; kept per
 * open file) chooses the page; a read from offset 0 explains it as it is at that read
 * (mm/ksm.h: ksm_explain). Garbage: -EINVAL; a read before any address: -EINVAL. */
struct explain_file {
	uint64_t addr;
	bool set;
};

static int explain_open(struct vnode *vn, struct file *f)
{
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc)
		return rc;
	pid_ref_put(&r);
	struct explain_file *e = kmalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct explain_file){ 0, false };
	f->priv = e;
	return 0;
}

static long explain_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	char text[32];
	if (!len || len >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, len); /* (a kernel copy of the caller's bytes) */
	size_t n = len;
	text[n] = 0;
	while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = 0;
	struct explain_file *e = f->priv;
	uint64_t addr;
	if (parse_u64(text, &addr))
		return -EINVAL;
	e->addr = addr;
	e->set = true;
	return (long)len;
}

static long explain_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct explain_file *e = f->priv;
	if (!e->set)
		return -EINVAL;
	struct pid_ref r;
	int rc = pid_ref_get(f->vn, &r);
	if (rc)
		return rc;
	struct seqbuf s;
	seq_init(&s);
	if (r.mm)
		ksm_explain(&s, r.mm, e->addr);
	else
		seq_printf(&s, "a kernel thread: no user pages\n");
	pid_ref_put(&r);
	long n = s.failed ? -ENOMEM : 0;
	if (!n && *pos < s.len) {
		n = MIN(len, s.len - *pos);
		memcpy(buf, s.buf + *pos, n);
		*pos += n;
	}
	seq_free(&s);
	return n;
}

static void explain_release(struct file *f)
{
	kfree(f->priv);
}

static const struct vnode_ops ksm_explain_ops = {
	.open = explain_open, .read = explain_read, .write = explain_write,
	.release = explain_release,
};

/* exe: a link to the executable. */
static long exe_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct pid_ref r;
	int rc = pid_ref_get(vn, &r);
	if (rc)
		return rc;
	long len = -ENOENT;
	if (r.mm) {
		mutex_lock(&r.mm->lock);
		len = strlcpy(buf, r.mm->exe, size);
		mutex_unlock(&r.mm->lock);
	}
	pid_ref_put(&r);
	return len;
}

static const struct vnode_ops exe_ops = { .readlink = exe_readlink };

static const struct vnode_ops task_dir_ops;

static const struct pid_entry {
	const char *name;
	uint32_t mode;
	const struct vnode_ops *ops;
	const void *text;		/* what renders them: pseudo files' pseudo_ops, mm_text */
} pid_entries[] = {
	{ "cmdline", S_IFREG | 0444, &pseudofile_vnode_ops, &cmdline_ops.ops },
	{ "comm", S_IFREG | 0444, &pseudofile_vnode_ops, &comm_ops.ops },
	{ "exe", S_IFLNK | 0777, &exe_ops, NULL },
	{ "ksm_domain", S_IFREG | 0644, &pseudofile_vnode_ops, &ksm_domain_ops.ops },
	{ "ksm_explain", S_IFREG | 0644, &ksm_explain_ops, NULL },
	{ "ksm_merging_pages", S_IFREG | 0444, &pseudofile_vnode_ops, &ksm_merging_pages_ops.ops },
	{ "ksm_reasons", S_IFREG | 0444, &pseudofile_vnode_ops, &ksm_reasons_ops.ops },
	{ "ksm_stat", S_IFREG | 0444, &pseudofile_vnode_ops, &ksm_stat_ops.ops },
	{ "maps", S_IFREG | 0444, &mm_text_vnode_ops, &maps_text_ops },
	{ "mem", S_IFREG | 0600, &mem_ops, NULL },
	{ "pagemap", S_IFREG | 0400, &pagemap_ops, NULL },
	{ "schedstat", S_IFREG | 0444, &pseudofile_vnode_ops, &schedstat_ops.ops },
	{ "smaps", S_IFREG | 0444, &mm_text_vnode_ops, &smaps_text_ops },
	{ "smaps_rollup", S_IFREG | 0444, &mm_text_vnode_ops, &smaps_rollup_text_ops },
	{ "stat", S_IFREG | 0444, &pseudofile_vnode_ops, &stat_ops.ops },
	{ "statm", S_IFREG | 0444, &pseudofile_vnode_ops, &statm_ops.ops },
	{ "status", S_IFREG | 0444, &pseudofile_vnode_ops, &status_ops.ops },
	{ "task", S_IFDIR | 0555, &task_dir_ops, NULL },
};

static struct vnode *pid_lookup(struct vnode *dir, const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(pid_entries); i++) {
		const struct pid_entry *e = &pid_entries[i];
		if (strcmp(e->name, name))
			continue;
		struct vnode *vn = vfs_new_dynamic(dir, e->name, e->mode, e->ops, dir->priv_id);
		if (vn)
			vn->priv = (void *)e->text;
		return vn;
	}
	return NULL;
}

static bool pid_readdir(struct vnode *dir, uint64_t index, char *name, uint64_t *ino,
			uint8_t *type)
{
	if (index >= ARRAY_SIZE(pid_entries))
		return false;
	strlcpy(name, pid_entries[index].name, NAME_MAX + 1);
	*ino = ((uint64_t)dir->priv_id << 8) + index + 0x100000000UL;
	*type = vfs_dtype(pid_entries[index].mode);
	return true;
}

static const struct vnode_ops pid_dir_ops = { .lookup = pid_lookup, .readdir = pid_readdir };

/* /proc/PID/task: a directory per thread of the process, named by its tid, with the same
 * files as /proc/PID (for that thread's own figures: stat, status, comm, ...). */
static struct vnode *task_lookup(struct vnode *dir, const char *name)
{
	uint64_t tid;
	if (parse_u64(name, &tid) || tid == 0 || tid > 0x7fffffff || name[0] == '0')
		return NULL;
	struct task *t = task_find((int)tid);
	if (!t)
		return NULL;
	bool ours = t->tgid == dir->priv_id;
	task_put(t);
	return ours ? vfs_new_dynamic(dir, name, S_IFDIR | 0555, &pid_dir_ops, (long)tid) : NULL;
}

static bool task_readdir(struct vnode *dir, uint64_t index, char *name, uint64_t *ino,
			 uint8_t *type)
{
	int tid = task_nth_thread((int)dir->priv_id, index);
	if (!tid)
		return false;
	snprintf(name, NAME_MAX + 1, "%d", tid);
	*ino = 0x20000000UL + (uint64_t)tid;
	*type = DT_DIR;
	return true;
}

static const struct vnode_ops task_dir_ops = { .lookup = task_lookup, .readdir = task_readdir };

struct vnode *procfs_pid_dir(struct vnode *proc, int pid)
{
	struct task *t = task_find(pid);
	if (!t)
		return NULL;
	task_put(t);
	char name[16];
	snprintf(name, sizeof(name), "%d", pid);
	return vfs_new_dynamic(proc, name, S_IFDIR | 0555, &pid_dir_ops, pid);
}
