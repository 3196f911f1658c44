#include "arch-x86_64/irq.h"
#include "arch-x86_64/spinlock.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/tlb.h"
#include "kernel/printk.h"
#include "lib/seqbuf.h"
#include "lib/format.h"
#include "kernel/cmdline.h"

struct vector {
	irq_handler_t handler;
	void *ctx;        /* set before handler is published */
	const char *name;
	bool reserved;    /* handed out by irq_alloc_vector() or registered */
	uint64_t count[MAX_CPUS]; /* taken on each CPU: written by that CPU alone */
};

/* handler (after ctx) and name are published with release stores so that irq_dispatch()
 * and irq_name() read them without the lock; reserved is only touched under the lock. */
static spinlock_t vectors_lock = SPINLOCK_INIT("irq-vectors");
static struct vector vectors[256];

void irq_register(int vector, irq_handler_t handler, void *ctx, const char *name)
{
	BUG_ON(vector < T_NUM_EXCEPTIONS || vector > 255);
	uint64_t f = spin_lock_irqsave(&vectors_lock);
	struct vector *v = &vectors[vector];
	BUG_ON(v->handler);
	v->reserved = true;
	v->ctx = ctx;
	__atomic_store_n(&v->name, name, __ATOMIC_RELEASE);
	__atomic_store_n(&v->handler, handler, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&vectors_lock, f);
}

int irq_alloc_vector(void)
{
	int found = -1;
	uint64_t f = spin_lock_irqsave(&vectors_lock);
	for (int v = IRQ_VECTOR_DYN_FIRST; v <= IRQ_VECTOR_DYN_LAST; v++) {
		if (!vectors[v].reserved) {
			vectors[v].reserved = true;
			found = v;
			break;
		}
	}
	spin_unlock_irqrestore(&vectors_lock, f);
	return found;
}

int irq_pick_cpu(void)
{
	static int next = -1; /* the CPU below the last one chosen (device setup is serial) */
	char arg[8];
	uint64_t want;
	if (cmdline_get("irq_cpu", arg, sizeof(arg)) && !parse_u64(arg, &want) && want < MAX_CPUS &&
	    cpus[want].online)
		return (int)want;
	for (int tries = 0; tries < MAX_CPUS; tries++) {
		if (next < 0)
			next = MAX_CPUS - 1;
		int cpu = next--;
		if (cpus[cpu].online)
			return cpu;
	}
	return 0;
}

uint64_t irq_count(int vector, int cpu)
{
	return READ_ONCE(vectors[vector].count[cpu]);
}

/* The vectors /proc/interrupts shows under Linux's names for them. */
static const struct { int vector; const char *label, *what; } linux_rows[] = {
	{ IRQ_VECTOR_TIMER, "LOC", "Local timer interrupts" },
	{ IRQ_VECTOR_SPURIOUS, "SPU", "Spurious interrupts" },
	{ IRQ_VECTOR_RESCHED, "RES", "Rescheduling interrupts" },
	{ IRQ_VECTOR_CALL, "CAL", "Function call interrupts" },
};

/* One row: label, a count per CPU online, then the description. */
static void render_row(struct seqbuf *s, const char *label, uint64_t (*count)(int, int), int arg,
		       const char *what)
{
	seq_printf(s, "%4s:", label);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpus[cpu].online)
			seq_printf(s, " %10lu", count(arg, cpu));
	seq_printf(s, "   %s\n", what);
}

static uint64_t tlb_count(int unused, int cpu) { return tlb_flushes_received(cpu); }

void irq_render(struct seqbuf *s)
{
	seq_printf(s, "     ");
	for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
		char name[8];
		snprintf(name, sizeof(name), "CPU%d", cpu);
		if (cpus[cpu].online)
			seq_printf(s, " %10s", name);
	}
	seq_printf(s, "\n");
	for (int v = IRQ_VECTOR_DYN_FIRST; v <= IRQ_VECTOR_DYN_LAST; v++) {
		const char *name = __atomic_load_n(&vectors[v].name, __ATOMIC_ACQUIRE);
		if (name) {
			char label[8];
			snprintf(label, sizeof(label), "%x", v);
			render_row(s, label, irq_count, v, name);
		}
	}
	for (unsigned i = 0; i < ARRAY_SIZE(linux_rows); i++)
		render_row(s, linux_rows[i].label, irq_count, linux_rows[i].vector, linux_rows[i].what);
	render_row(s, "TLB", tlb_count, 0, "TLB shootdowns");
}

void irq_spurious(int vector, void *ctx)
{
}

void irq_dispatch(struct trap_frame *tf)
{
	struct vector *v = &vectors[tf->vector];
	uint64_t seen = v->count[this_cpu()->id]++;
	irq_handler_t h = __atomic_load_n(&v->handler, __ATOMIC_ACQUIRE);
	/* Handlers run with interrupts off, so they never nest: one frame per CPU. */
	this_cpu()->irq_frame = tf;
	if (h)
		h((int)tf->vector, v->ctx);
	else if (!seen) /* a stray `int N` or a misprogrammed device: say so once (per CPU) */
		printk("irq: unexpected interrupt on vector 0x%lx (not acknowledged)\n", tf->vector);
	this_cpu()->irq_frame = NULL;
}
