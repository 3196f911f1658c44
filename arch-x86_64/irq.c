#include "arch-x86_64/irq.h"
#include "arch-x86_64/spinlock.h"
#include "arch-x86_64/percpu.h"
#include "kernel/printk.h"

struct vector {
	irq_handler_t handler;
	void *ctx;        /* set before handler is published */
	const char *name;
	bool reserved;    /* handed out by irq_alloc_vector() or registered */
	uint64_t count;
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

uint64_t irq_count(int vector)
{
	return __atomic_load_n(&vectors[vector].count, __ATOMIC_RELAXED);
}

const char *irq_name(int vector)
{
	return __atomic_load_n(&vectors[vector].name, __ATOMIC_ACQUIRE);
}

void irq_spurious(int vector, void *ctx)
{
}

void irq_dispatch(struct trap_frame *tf)
{
	struct vector *v = &vectors[tf->vector];
	uint64_t seen = __atomic_fetch_add(&v->count, 1, __ATOMIC_RELAXED);
	irq_handler_t h = __atomic_load_n(&v->handler, __ATOMIC_ACQUIRE);
	/* Handlers run with interrupts off, so they never nest: one frame per CPU. */
	this_cpu()->irq_frame = tf;
	if (h)
		h((int)tf->vector, v->ctx);
	else if (!seen) /* a stray `int N` or a misprogrammed device: say so once */
		printk("irq: unexpected interrupt on vector 0x%lx (not acknowledged)\n", tf->vector);
	this_cpu()->irq_frame = NULL;
}
