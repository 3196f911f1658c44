/* The trace ring buffer and /sys/kernel/tracing. */
#include "kernel/trace.h"
#include "fs/sysfs.h"
#include "kernel/task.h"
#include "kernel/clock.h"
#include "arch-x86_64/spinlock.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "kernel/printk.h"

struct trace_entry {
	uint64_t ns;
	uint64_t args[5];
	int pid;
	uint16_t cpu, event;
	char comm[TASK_NAME_LEN];
};

static const struct {
	const char *name, *system, *fmt;
} events[NR_TRACE_EVENTS] = {
#define TRACE_EVENT(n, sys, f) [TRACE_##n] = { #n, #sys, f },
#include "kernel/trace_events.h"
#undef TRACE_EVENT
};

bool trace_event_on[NR_TRACE_EVENTS];
static bool tracing_on = true;

/* The ring: [trace_lock] */
static spinlock_t trace_lock = SPINLOCK_INIT("trace");
static struct trace_entry ring[TRACE_BUFFER_ENTRIES];
static uint64_t written;	/* events recorded since the last clear; the newest is written-1 */

void trace_record(enum trace_event ev, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		  uint64_t a4)
{
	if (!READ_ONCE(tracing_on))
		return;
	uint64_t ns = clock_ns();
	uint64_t f = spin_lock_irqsave(&trace_lock);
	struct trace_entry *e = &ring[written++ % TRACE_BUFFER_ENTRIES];
	struct task *t = current();
	e->ns = ns;
	e->args[0] = a0;
	e->args[1] = a1;
	e->args[2] = a2;
	e->args[3] = a3;
	e->args[4] = a4;
	e->pid = t ? t->pid : 0;
	e->cpu = this_cpu()->id;
	e->event = ev;
	memcpy(e->comm, t ? t->name : "swapper", TASK_NAME_LEN);
	spin_unlock_irqrestore(&trace_lock, f);
}

void trace_clear(void)
{
	uint64_t f = spin_lock_irqsave(&trace_lock);
	written = 0;
	spin_unlock_irqrestore(&trace_lock, f);
}

/* A snapshot of entry i (the buffer keeps moving while the text is built). */
static bool entry_at(uint64_t i, struct trace_entry *out)
{
	uint64_t f = spin_lock_irqsave(&trace_lock);
	bool ok = i < written && i + TRACE_BUFFER_ENTRIES >= written;
	if (ok)
		*out = ring[i % TRACE_BUFFER_ENTRIES];
	spin_unlock_irqrestore(&trace_lock, f);
	return ok;
}

void trace_render(struct seqbuf *s)
{
	uint64_t end = READ_ONCE(written);
	uint64_t start = end > TRACE_BUFFER_ENTRIES ? end - TRACE_BUFFER_ENTRIES : 0;
	seq_printf(s, "# tracer: nop\n#\n# entries-in-buffer/entries-written: %lu/%lu   #P:1\n#\n",
		   end - start, end);
	seq_printf(s, "#           TASK-PID     CPU#     TIMESTAMP  FUNCTION\n"
		      "#              | |         |         |         |\n");
	struct trace_entry e;
	for (uint64_t i = start; i < end; i++) {
		if (!entry_at(i, &e))
			continue; /* overwritten while we were printing */
		char fields[160];
		snprintf(fields, sizeof(fields), events[e.event].fmt, e.args[0], e.args[1], e.args[2],
			 e.args[3], e.args[4]);
		seq_printf(s, "%16s-%-7d [%03u] %6lu.%06lu: %s: %s\n", e.comm, e.pid, e.cpu,
			   e.ns / NSEC_PER_SEC, e.ns / 1000 % 1000000, events[e.event].name, fields);
	}
}

int trace_set_enabled(const char *name, bool on)
{
	int n = 0;
	for (int i = 0; i < NR_TRACE_EVENTS; i++) {
		if (strcmp(name, "all") && strcmp(name, events[i].name) && strcmp(name, events[i].system))
			continue;
		WRITE_ONCE(trace_event_on[i], on);
		n++;
	}
	return n ? n : -1;
}

static int trace_show(struct seqbuf *s, struct vnode *vn)
{
	trace_render(s);
	return 0;
}

static int trace_store(struct vnode *vn, const char *text)
{
	trace_clear(); /* `echo > trace` empties the buffer, as on Linux */
	return 0;
}

static int event_enable_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "%d\n", READ_ONCE(trace_event_on[vn->priv_id]));
	return 0;
}

static int event_enable_store(struct vnode *vn, const char *text)
{
	bool on;
	if (sysfs_parse_bool(text, &on))
		return -EINVAL;
	WRITE_ONCE(trace_event_on[vn->priv_id], on);
	return 0;
}

/* events/SYSTEM/enable: 1 all on, 0 all off, X mixed (Linux's). Its priv_id is the index
 * of the system's first event. */
static int system_enable_show(struct seqbuf *s, struct vnode *vn)
{
	const char *sys = events[vn->priv_id].system;
	int on = 0, all = 0;
	for (int i = 0; i < NR_TRACE_EVENTS; i++)
		if (!strcmp(events[i].system, sys)) {
			all++;
			on += READ_ONCE(trace_event_on[i]);
		}
	seq_printf(s, "%s\n", on == 0 ? "0" : on == all ? "1" : "X");
	return 0;
}

static int system_enable_store(struct vnode *vn, const char *text)
{
	bool on;
	if (sysfs_parse_bool(text, &on))
		return -EINVAL;
	trace_set_enabled(events[vn->priv_id].system, on);
	return 0;
}

static int tracing_on_show(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "%d\n", READ_ONCE(tracing_on));
	return 0;
}

static int tracing_on_store(struct vnode *vn, const char *text)
{
	bool on;
	if (sysfs_parse_bool(text, &on))
		return -EINVAL;
	WRITE_ONCE(tracing_on, on);
	return 0;
}

static const struct pseudo_ops trace_ops = { .show = trace_show, .store = trace_store };
static const struct pseudo_ops event_enable_ops = { .show = event_enable_show, .store = event_enable_store };
static const struct pseudo_ops system_enable_ops = { .show = system_enable_show, .store = system_enable_store };
static const struct pseudo_ops tracing_on_ops = { .show = tracing_on_show, .store = tracing_on_store };

void trace_init(void)
{
	struct vnode *top = sysfs_dir("/sys/kernel/tracing");
	sysfs_file(top, "trace", &trace_ops);
	sysfs_file(top, "tracing_on", &tracing_on_ops);
	char path[96];
	for (int i = 0; i < NR_TRACE_EVENTS; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", events[i].system);
		struct vnode *sys = sysfs_dir(path);
		if (i == 0 || strcmp(events[i - 1].system, events[i].system))
			sysfs_file(sys, "enable", &system_enable_ops)->priv_id = i;
		snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/%s", events[i].system,
			 events[i].name);
		sysfs_file(sysfs_dir(path), "enable", &event_enable_ops)->priv_id = i;
	}
}
