/* The debug build's lock-order checker (kernel/lockdep.h). Its tables are guarded by a raw
 * flag taken with interrupts off (it cannot use the locks it watches). Only in builds with
 * LOCK_DEBUG: an empty file otherwise. */
#ifdef LOCK_DEBUG
#include "kernel/lockdep.h"
#include "kernel/task.h"
#include "kernel/printk.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/percpu.h"
#include "lib/format.h"

#define MAX_CLASSES 128		/* class 0 is "not known yet" */
#define MAX_EDGES 1024
#define CPU_DEPTH 16		/* spinlocks one CPU holds at once (interrupts nest) */

struct site { const char *file; int line; };

/* "from before to": to was taken at `to_site` while from, taken at `from_site`, was held. */
struct edge {
	uint16_t from, to;
	struct site from_site, to_site;
};

static const char *class_name[MAX_CLASSES];
static unsigned nclasses = 1;
static struct edge edges[MAX_EDGES];
static unsigned nedges;
static uint16_t edge_index[MAX_CLASSES][MAX_CLASSES];	/* 1 + index in edges; 0: none */
static struct lockdep_held cpu_held[MAX_CPUS][CPU_DEPTH];
static int cpu_depth[MAX_CPUS];
static volatile uint32_t table_flag;
static volatile bool off;

void lockdep_off(void)
{
	off = true;
}

static uint64_t table_lock(void)
{
	uint64_t f = irq_save();
	while (__atomic_exchange_n(&table_flag, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	return f;
}

static void table_unlock(uint64_t f)
{
	__atomic_store_n(&table_flag, 0, __ATOMIC_RELEASE);
	irq_restore(f);
}

/* Stop checking, release the tables, and print a report's first line. */
static void report_start(uint64_t f, const char *what)
{
	off = true;
	table_unlock(f);
	printk("\nlockdep: %s\n", what);
}

static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* [table] The class of name, cached in *cls; 0 when the table is full (checking stops). */
static uint16_t class_of(uint16_t *cls, const char *name)
{
	if (*cls)
		return *cls;
	if (!name)
		name = "(unnamed)";
	for (unsigned c = 1; c < nclasses; c++)
		if (same_name(class_name[c], name))
			return *cls = (uint16_t)c;
	if (nclasses == MAX_CLASSES)
		return 0;
	class_name[nclasses] = name;
	return *cls = (uint16_t)nclasses++;
}

/* [table] Whether `to` can be reached from `from` along learnt edges; if so, path[] gets
 * the edges (indexes) from `from` onwards and *len their number. Depth-first, iterative. */
static bool reaches(uint16_t from, uint16_t to, uint16_t *path, unsigned *len)
{
	static uint8_t seen[MAX_CLASSES];
	static uint16_t next_to[MAX_CLASSES];	/* per depth: the next class to try */
	for (unsigned c = 0; c < nclasses; c++)
		seen[c] = 0;
	unsigned depth = 0;
	uint16_t at = from;
	seen[from] = 1;
	next_to[0] = 1;
	for (;;) {
		uint16_t c = next_to[depth];
		for (; c < nclasses; c++)
			if (edge_index[at][c] && !seen[c])
				break;
		if (c < nclasses) {
			next_to[depth] = c + 1;
			path[depth] = edge_index[at][c] - 1;
			if (c == to) {
				*len = depth + 1;
				return true;
			}
			if (depth + 1 >= MAX_CLASSES)
				continue;
			seen[c] = 1;
			at = c;
			next_to[++depth] = 1;
		} else {
			if (depth == 0)
				return false;
			depth--;
			at = edges[path[depth]].from;
		}
	}
}

static void print_edge(const struct edge *e)
{
	printk("  \"%s\" taken at %s:%d while holding \"%s\" (taken at %s:%d)\n",
	       class_name[e->to], e->to_site.file, e->to_site.line,
	       class_name[e->from], e->from_site.file, e->from_site.line);
}

/* [table] h is held and class cls is being taken at file:line: learn "h before cls", unless
 * "cls before h" is known (then report and panic). */
static void check_order(uint64_t f, const struct lockdep_held *h, uint16_t cls,
			const char *file, int line)
{
	uint16_t hc = h->lock_class;
	if (!hc || hc == cls || edge_index[hc][cls])
		return;
	static uint16_t path[MAX_CLASSES];
	unsigned len;
	if (reaches(cls, hc, path, &len)) {
		report_start(f, "lock order inversion");
		printk("  \"%s\" taken at %s:%d while holding \"%s\" (taken at %s:%d),\n",
		       class_name[cls], file, line, class_name[hc], h->file, h->line);
		printk("  but the opposite order was seen before:\n");
		for (unsigned i = 0; i < len; i++)
			print_edge(&edges[path[i]]);
		panic_at(file, line, "lock order inversion: \"%s\" inside \"%s\" (%s:%d), after \"%s\" "
			 "inside \"%s\" (%s:%d)", class_name[cls], class_name[hc], file, line,
			 class_name[edges[path[len - 1]].to], class_name[edges[path[len - 1]].from],
			 edges[path[len - 1]].to_site.file, edges[path[len - 1]].to_site.line);
	}
	if (nedges == MAX_EDGES) {
		report_start(f, "too many lock orders to follow: checking off");
		return;
	}
	edges[nedges] = (struct edge){ hc, cls, { h->file, h->line }, { file, line } };
	edge_index[hc][cls] = (uint16_t)++nedges;
}

static void acquire(uint16_t *clsp, const char *name, const void *lock, enum lockdep_kind kind,
		    const char *file, int line, bool check)
{
	if (off)
		return;
	uint64_t f = table_lock();
	uint16_t cls = class_of(clsp, name);
	if (!cls) {
		report_start(f, "too many lock classes: checking off");
		return;
	}
	int cpu = this_cpu()->id;
	struct task *t = this_cpu()->current;
	if (check) {
		for (int i = 0; i < cpu_depth[cpu]; i++)
			check_order(f, &cpu_held[cpu][i], cls, file, line);
		if (t)
			for (int i = 0; i < t->lockdep.depth; i++)
				check_order(f, &t->lockdep.held[i], cls, file, line);
		if (off)
			return; /* a table filled up: report_start released it */
	}
	struct lockdep_held h = { lock, file, line, cls };
	if (kind == LOCKDEP_SPIN) {
		if (cpu_depth[cpu] == CPU_DEPTH) {
			report_start(f, "too many spinlocks held at once");
			panic_at(file, line, "lockdep: spinlock \"%s\" is the %dth held", name, CPU_DEPTH + 1);
		}
		cpu_held[cpu][cpu_depth[cpu]++] = h;
	} else if (t) {
		if (t->lockdep.depth == LOCKDEP_TASK_DEPTH) {
			report_start(f, "too many mutexes held at once");
			panic_at(file, line, "lockdep: mutex \"%s\" is the %dth held", name,
				 LOCKDEP_TASK_DEPTH + 1);
		}
		t->lockdep.held[t->lockdep.depth++] = h;
	}
	table_unlock(f);
}

void lockdep_acquire(uint16_t *cls, const char *name, const void *lock, enum lockdep_kind kind,
		     const char *file, int line)
{
	acquire(cls, name, lock, kind, file, line, true);
}

void lockdep_acquire_try(uint16_t *cls, const char *name, const void *lock,
			 enum lockdep_kind kind, const char *file, int line)
{
	acquire(cls, name, lock, kind, file, line, false);
}

/* Remove lock from held[0..*depth), wherever it is (locks need not be released in order). */
static void drop(struct lockdep_held *held, int *depth, const void *lock)
{
	for (int i = *depth - 1; i >= 0; i--)
		if (held[i].lock == lock) {
			for (int j = i; j + 1 < *depth; j++)
				held[j] = held[j + 1];
			(*depth)--;
			return;
		}
}

void lockdep_release(const void *lock, enum lockdep_kind kind)
{
	if (off)
		return;
	uint64_t f = table_lock();
	int cpu = this_cpu()->id;
	struct task *t = this_cpu()->current;
	if (kind == LOCKDEP_SPIN)
		drop(cpu_held[cpu], &cpu_depth[cpu], lock);
	else if (t)
		drop(t->lockdep.held, &t->lockdep.depth, lock);
	table_unlock(f);
}

void lockdep_spin_with_irqs_on(const char *name, const char *file, int line)
{
	if (off)
		return;
	lockdep_off();
	panic_at(file, line, "spinlock \"%s\" taken with interrupts on (a holder could be "
		 "preempted while another CPU spins)", name);
}

void lockdep_might_sleep(const char *name, const char *file, int line)
{
	if (off)
		return;
	if (this_cpu()->spin_held) {
		uint64_t f = table_lock();
		int cpu = this_cpu()->id;
		struct lockdep_held h = cpu_depth[cpu] ? cpu_held[cpu][cpu_depth[cpu] - 1]
						       : (struct lockdep_held){ 0 };
		report_start(f, "sleeping lock taken with a spinlock held");
		panic_at(file, line, "sleeping lock \"%s\" taken while holding spinlock \"%s\" "
			 "(taken at %s:%d)", name, h.lock_class ? class_name[h.lock_class] : "?",
			 h.file ? h.file : "?", h.line);
	}
	if (!irqs_enabled()) {
		lockdep_off();
		panic_at(file, line, "sleeping lock \"%s\" taken with interrupts off", name);
	}
}

void lockdep_print_orders(void)
{
	/* Edges are only appended, and a printed one never changes: no table lock, since
	 * printk takes a lock of its own (and would be checked meanwhile). */
	unsigned n = READ_ONCE(nedges);
	for (unsigned i = 0; i < n; i++)
		printk("lockdep: \"%s\" (%s:%d) before \"%s\" (%s:%d)\n",
		       class_name[edges[i].from], edges[i].from_site.file, edges[i].from_site.line,
		       class_name[edges[i].to], edges[i].to_site.file, edges[i].to_site.line);
	printk("lockdep: %u classes, %u orders%s\n", READ_ONCE(nclasses) - 1, n,
	       off ? " (checking is off)" : "");
}

void lockdep_bad_unlock(const char *name, int owner)
{
	lockdep_off();
	panic("spinlock \"%s\" released by CPU %d, but held by %d", name, this_cpu()->id, owner);
}
#endif
