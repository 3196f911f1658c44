/* The sampling profiler (kernel/profile.h): an open-addressed table keyed by the start
 * address of the function a tick interrupted, so a sample costs a symbol lookup (binary
 * search) and a short probe, and the table never needs more room than the kernel has
 * functions. */
#include "kernel/profile.h"
#include "kernel/ksyms.h"
#include "kernel/task.h"
#include "kernel/clock.h"
#include "arch-x86_64/spinlock.h"

#define SLOTS 4096	/* a power of two, above the kernel's count of functions */

struct slot {
	uint64_t func;	/* the function's start address; 0: free */
	uint64_t samples;
};

static spinlock_t profile_lock = SPINLOCK_INIT("profile");
static struct slot slots[SLOTS];		/* [profile_lock] */
static struct profile_totals totals = { .pid = PROFILE_ALL_TASKS }; /* [profile_lock] */
static uint64_t started_ns;			/* [profile_lock] while running */
/* Written under profile_lock, read without it by the tick: the off path stays one load. */
static bool running;

/* [profile_lock] One more sample of the function starting at func. */
static void count_function(uint64_t func)
{
	/* Fibonacci hashing spreads the 16-byte-aligned addresses over the table. */
	unsigned i = (unsigned)((func * 0x9e3779b97f4a7c15ull) >> 52) & (SLOTS - 1);
	for (unsigned probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1)) {
		if (slots[i].func == func || !slots[i].func) {
			slots[i].func = func;
			slots[i].samples++;
			totals.kernel++;
			return;
		}
	}
	totals.lost++;
}

void profile_tick(uint64_t ip, bool user)
{
	if (!READ_ONCE(running))
		return;
	struct task *t = current();
	uint64_t off = 0;
	/* Looked up before the lock: the table is read-only and the search is the slow part. */
	const char *name = user ? NULL : ksym_lookup(ip, &off);
	spin_lock(&profile_lock); /* interrupts are off in the handler */
	if (running && (totals.pid == PROFILE_ALL_TASKS || (t && t->pid == totals.pid))) {
		totals.samples++;
		if (user)
			totals.user++;
		else if (t && t->pid == 0)	/* pid 0: a CPU's idle task */
			totals.idle++;
		else if (!name)
			totals.unknown++;
		else
			count_function(ip - off);
	}
	spin_unlock(&profile_lock);
}

void profile_start(int pid)
{
	uint64_t f = spin_lock_irqsave(&profile_lock);
	if (!running)
		started_ns = clock_ns();
	totals.pid = pid;
	WRITE_ONCE(running, true);
	spin_unlock_irqrestore(&profile_lock, f);
}

void profile_stop(void)
{
	uint64_t f = spin_lock_irqsave(&profile_lock);
	if (running)
		totals.ns += clock_ns() - started_ns;
	WRITE_ONCE(running, false);
	spin_unlock_irqrestore(&profile_lock, f);
}

void profile_reset(void)
{
	uint64_t f = spin_lock_irqsave(&profile_lock);
	for (unsigned i = 0; i < SLOTS; i++)
		slots[i] = (struct slot){ 0, 0 };
	int pid = totals.pid;
	totals = (struct profile_totals){ .pid = pid };
	started_ns = clock_ns();
	spin_unlock_irqrestore(&profile_lock, f);
}

unsigned profile_report(struct profile_totals *out_totals, struct profile_func *out, unsigned n)
{
	unsigned found = 0;
	uint64_t f = spin_lock_irqsave(&profile_lock);
	*out_totals = totals;
	out_totals->running = running;
	if (running)
		out_totals->ns += clock_ns() - started_ns;
	/* Insertion into out, kept sorted by samples, most first: n is a screenful. */
	for (unsigned i = 0; i < SLOTS; i++) {
		if (!slots[i].func)
			continue;
		unsigned j = found < n ? found++ : n;
		while (j > 0 && out[j - 1].samples < slots[i].samples) {
			if (j < n)
				out[j] = out[j - 1];
			j--;
		}
		if (j < n) {
			uint64_t off;
			out[j].name = ksym_lookup(slots[i].func, &off);
			out[j].samples = slots[i].samples;
		}
	}
	spin_unlock_irqrestore(&profile_lock, f);
	return found;
}
