/* The sampling profiler (kernel/profile.h): open-addressed tables keyed by the start
 * address of the function a tick interrupted (and, in the second, of its caller), so a
 * sample costs a symbol lookup (binary search) and a short probe, and a table never needs
 * more room than the kernel has functions (or call sites seen). */
#include "kernel/profile.h"
#include "kernel/ksyms.h"
#include "kernel/task.h"
#include "kernel/clock.h"
#include "arch-x86_64/spinlock.h"

#define SLOTS 4096	/* a power of two, above the kernel's count of functions */

struct slot {
	uint64_t func;		/* the function's start address; 0: free */
	uint64_t caller;	/* its caller's start address (0: unknown; always 0 in funcs) */
	uint64_t samples;
};

static spinlock_t profile_lock = SPINLOCK_INIT("profile");
static struct slot funcs[SLOTS];		/* [profile_lock] by function */
static struct slot calls[SLOTS];		/* [profile_lock] by function and caller */
static struct profile_totals totals = { .pid = PROFILE_ALL_TASKS }; /* [profile_lock] */
static uint64_t started_ns;			/* [profile_lock] while running */
/* Written under profile_lock, read without it by the tick: the off path stays one load. */
static bool running;

/* [profile_lock] One more sample of (func, caller) in table; false if the table is full. */
static bool count_sample(struct slot *table, uint64_t func, uint64_t caller)
{
	/* Fibonacci hashing spreads the 16-byte-aligned addresses over the table. */
	uint64_t key = func ^ (caller << 17);
	unsigned i = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 52) & (SLOTS - 1);
	for (unsigned probes = 0; probes < SLOTS; probes++, i = (i + 1) & (SLOTS - 1)) {
		struct slot *sl = &table[i];
		if (!sl->func || (sl->func == func && sl->caller == caller)) {
			sl->func = func;
			sl->caller = caller;
			sl->samples++;
			return true;
		}
	}
	return false;
}

/* The start of the function that called the one whose frame is fp, or 0. Only a frame on
 * t's own kernel stack is followed: a stray fp (assembly code, a function's first
 * instructions) must not make the tick read memory that may not be there. */
static uint64_t caller_of(struct task *t, uint64_t fp)
{
	uint64_t base = (uint64_t)t->kstack, off;
	if (!base || fp < base || fp + 16 > base + KSTACK_SIZE || !IS_ALIGNED(fp, 8))
		return 0;
	uint64_t ret = ((const uint64_t *)fp)[1];
	return ksym_lookup(ret, &off) ? ret - off : 0;
}

void profile_tick(uint64_t ip, uint64_t fp, bool user)
{
	if (!READ_ONCE(running))
		return;
	struct task *t = current();
	uint64_t off = 0;
	/* Looked up before the lock: the symbol table is read-only and the search is the slow
	 * part. */
	const char *name = user ? NULL : ksym_lookup(ip, &off);
	uint64_t caller = name && t ? caller_of(t, fp) : 0;
	spin_lock(&profile_lock); /* interrupts are off in the handler */
	if (running && (totals.pid == PROFILE_ALL_TASKS || (t && t->pid == totals.pid))) {
		totals.samples++;
		if (user)
			totals.user++;
		else if (t && t->pid == 0)	/* pid 0: a CPU's idle task */
			totals.idle++;
		else if (!name)
			totals.unknown++;
		else if (!count_sample(funcs, ip - off, 0))
			totals.lost++;
		else
			totals.kernel++;
		if (name && !(t && t->pid == 0))
			count_sample(calls, ip - off, caller); /* a full table only loses a caller */
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
		funcs[i] = calls[i] = (struct slot){ 0, 0, 0 };
	int pid = totals.pid;
	totals = (struct profile_totals){ .pid = pid };
	started_ns = clock_ns();
	spin_unlock_irqrestore(&profile_lock, f);
}

/* [profile_lock] The (at most n) slots of table with the most samples, most first, into
 * out; returns how many slots are used. */
static unsigned top_slots(const struct slot *table, struct profile_func *out, unsigned n)
{
	unsigned used = 0;
	/* Insertion into out, kept sorted by samples, most first: n is a screenful. */
	for (unsigned i = 0; i < SLOTS; i++) {
		const struct slot *sl = &table[i];
		if (!sl->func)
			continue;
		unsigned j = MIN(used, n);
		used++;
		while (j > 0 && out[j - 1].samples < sl->samples) {
			if (j < n)
				out[j] = out[j - 1];
			j--;
		}
		if (j < n) {
			uint64_t off;
			out[j].name = ksym_lookup(sl->func, &off);
			out[j].caller = sl->caller ? ksym_lookup(sl->caller, &off) : NULL;
			out[j].samples = sl->samples;
		}
	}
	return used;
}

unsigned profile_report(struct profile_totals *out_totals, bool by_caller,
			struct profile_func *out, unsigned n)
{
	uint64_t f = spin_lock_irqsave(&profile_lock);
	*out_totals = totals;
	out_totals->running = running;
	if (running)
		out_totals->ns += clock_ns() - started_ns;
	unsigned found = top_slots(by_caller ? calls : funcs, out, n);
	spin_unlock_irqrestore(&profile_lock, f);
	return found;
}
