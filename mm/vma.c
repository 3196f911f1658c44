/* VMA bookkeeping on a sorted doubly linked list. Operations that may split VMAs allocate
 * what they need before changing anything, so a failure (-ENOMEM) leaves the set intact.
 * Neighbours with the same flags and contiguous backing are merged after every change,
 * which keeps /proc/PID/maps the same as Linux shows for the same calls. */
#include "mm/vma.h"
#include "mm/kmalloc.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

void vma_set_init(struct vma_set *vs, unsigned max_count)
{
	list_init(&vs->list);
	vs->count = 0;
	vs->max_count = max_count;
	vs->bytes = 0;
	vs->cache = NULL;
}

static struct vma *next_of(struct vma_set *vs, struct vma *v)
{
	return v->node.next == &vs->list ? NULL : list_entry(v->node.next, struct vma, node);
}

struct vma *vma_next(struct vma_set *vs, struct vma *v)
{
	return next_of(vs, v);
}

static struct vma *prev_of(struct vma_set *vs, struct vma *v)
{
	return v->node.prev == &vs->list ? NULL : list_entry(v->node.prev, struct vma, node);
}

struct vma *vma_find_from(struct vma_set *vs, uint64_t addr)
{
	struct vma *v = vs->cache;
	if (v && v->start <= addr && addr < v->end)
		return v;
	vma_for_each(v, vs) {
		if (v->end > addr) {
			vs->cache = v;
			return v;
		}
	}
	return NULL;
}

struct vma *vma_find(struct vma_set *vs, uint64_t addr)
{
	struct vma *v = vma_find_from(vs, addr);
	return v && v->start <= addr ? v : NULL;
}

bool vma_range_free(struct vma_set *vs, uint64_t start, uint64_t end)
{
	struct vma *v = vma_find_from(vs, start);
	return !v || v->start >= end;
}

/* Move v's start up by delta bytes: its backing offsets follow. */
static void advance_backing(struct vma *v, uint64_t delta)
{
	if (v->flags & VMA_FILE)
		v->file.offset += delta;
	if (v->shm)
		v->shm_off += delta;
}

/* b directly follows a and could be one VMA with it. */
static bool mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->flags != b->flags || a->shm != b->shm || a->uffd != b->uffd)
		return false;
	if (a->shm && a->shm_off + (a->end - a->start) != b->shm_off)
		return false;
	if (!(a->flags & VMA_FILE))
		return true;
	return a->file.data == b->file.data && a->file.size == b->file.size &&
	       a->file.offset + (a->end - a->start) == b->file.offset;
}

static void unlink_vma(struct vma_set *vs, struct vma *v)
{
	if (vs->cache == v)
		vs->cache = NULL;
	list_del(&v->node);
	vs->count--;
	if (v->shm)
		shmem_put(v->shm);
	kfree(v);
}

/* Merge v with its neighbours where possible; returns the VMA that now holds v's range. */
static struct vma *merge_around(struct vma_set *vs, struct vma *v)
{
	struct vma *n = next_of(vs, v), *p = prev_of(vs, v);
	if (n && mergeable(v, n)) {
		v->end = n->end;
		unlink_vma(vs, n);
	}
	if (p && mergeable(p, v)) {
		p->end = v->end;
		unlink_vma(vs, v);
		v = p;
	}
	return v;
}

/* Split v at addr (strictly inside it) using the spare VMA s: v keeps [start, addr), s
 * becomes [addr, end) right after it. */
static struct vma *split_with(struct vma_set *vs, struct vma *v, uint64_t addr, struct vma *s)
{
	*s = *v;
	s->start = addr;
	advance_backing(s, addr - v->start);
	if (s->shm)
		shmem_get(s->shm);
	v->end = addr;
	list_add(&s->node, &v->node);
	vs->count++;
	return s;
}

static int insert(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t flags,
		  const struct vma_file *file, struct shmem *shm, uint64_t off)
{
	struct vma *next = vma_find_from(vs, start);
	BUG_ON(start >= end || (next && next->start < end));
	if (vs->count >= vs->max_count)
		return -ENOMEM;
	struct vma *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->start = start;
	v->end = end;
	v->flags = flags;
	if (file)
		v->file = *file;
	if (shm) {
		shmem_get(shm);
		v->shm = shm;
		v->shm_off = off;
	}
	list_add_tail(&v->node, next ? &next->node : &vs->list);
	vs->count++;
	vs->bytes += end - start;
	merge_around(vs, v);
	return 0;
}

int vma_insert(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t flags,
	       const struct vma_file *file)
{
	return insert(vs, start, end, flags, file, NULL, 0);
}

int vma_insert_shm(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t flags,
		   struct shmem *shm, uint64_t off)
{
	BUG_ON(!shm || (flags & VMA_FILE));
	return insert(vs, start, end, flags, NULL, shm, off);
}

int vma_remove(struct vma_set *vs, uint64_t start, uint64_t end,
	       void (*unmap)(void *ctx, struct vma *v, uint64_t s, uint64_t e), void *ctx)
{
	struct vma *v = vma_find_from(vs, start);
	if (!v || v->start >= end)
		return 0;
	if (v->start < start && v->end > end) { /* a hole punched in one VMA */
		if (vs->count >= vs->max_count)
			return -ENOMEM;
		struct vma *spare = kzalloc(sizeof(*spare));
		if (!spare)
			return -ENOMEM;
		unmap(ctx, v, start, end);
		struct vma *tail = split_with(vs, v, start, spare);
		tail->start = end;
		advance_backing(tail, end - start);
		vs->bytes -= end - start;
		return 0;
	}
	while (v && v->start < end) {
		struct vma *n = next_of(vs, v);
		uint64_t s = MAX(v->start, start), e = MIN(v->end, end);
		unmap(ctx, v, s, e);
		vs->bytes -= e - s;
		if (s == v->start && e == v->end) {
			unlink_vma(vs, v);
		} else if (s == v->start) {
			advance_backing(v, e - v->start);
			v->start = e;
		} else {
			v->end = s;
		}
		v = n;
	}
	return 0;
}

int vma_change(struct vma_set *vs, uint64_t start, uint64_t end, uint32_t set, uint32_t clear,
	       int (*check)(void *ctx, struct vma *v),
	       void (*apply)(void *ctx, struct vma *v, uint64_t s, uint64_t e, uint32_t newflags),
	       void *ctx)
{
	struct vma *first = vma_find(vs, start), *v;
	unsigned splits;
	uint64_t covered = start;
	int err;

	/* Validate the whole range before touching it. */
	for (v = first; v && covered < end; v = next_of(vs, v)) {
		if (v->start > covered)
			return -ENOMEM;
		if (check && (err = check(ctx, v)))
			return err;
		covered = v->end;
	}
	if (!first || covered < end)
		return -ENOMEM;
	struct vma *last = vma_find(vs, end - 1);
	bool split_head = first->start < start, split_tail = last->end > end;
	splits = split_head + split_tail;
	if (vs->count + splits > vs->max_count)
		return -ENOMEM;
	struct vma *spare[2] = { NULL, NULL };
	for (unsigned i = 0; i < splits; i++) {
		if (!(spare[i] = kzalloc(sizeof(struct vma)))) {
			kfree(spare[0]);
			return -ENOMEM;
		}
	}

	if (split_head) {
		bool same = first == last;
		first = split_with(vs, first, start, spare[0]);
		if (same)
			last = first;
	}
	if (split_tail)
		split_with(vs, last, end, spare[split_head]);
	for (v = first; v && v->start < end; v = next_of(vs, v)) {
		uint32_t nf = (v->flags & ~clear) | set;
		if (apply)
			apply(ctx, v, v->start, v->end, nf);
		v->flags = nf;
	}
	/* Re-merge from the VMA before the range to the one after it. */
	v = prev_of(vs, first);
	v = v ? v : first;
	while (v && v->start <= end) {
		v = merge_around(vs, v);
		v = next_of(vs, v);
	}
	return 0;
}

uint64_t vma_find_gap(struct vma_set *vs, uint64_t len, uint64_t lo, uint64_t hi)
{
	uint64_t top = hi;
	/* Walk down from the highest VMA: the highest gap big enough wins (top-down, as Linux). */
	for (struct list_head *n = vs->list.prev;; n = n->prev) {
		struct vma *v = n == &vs->list ? NULL : list_entry(n, struct vma, node);
		if (v && v->start >= top)
			continue; /* above the part of the window still to search */
		uint64_t floor = v ? MAX(v->end, lo) : lo;
		if (v && v->end > top) {
			top = v->start; /* straddles the top of the window */
			continue;
		}
		if (top > floor && top - floor >= len)
			return top - len;
		if (!v || v->start <= lo)
			return 0;
		top = v->start;
	}
}

int vma_copy_all(struct vma_set *dst, struct vma_set *src)
{
	struct vma *v;
	vma_for_each(v, src) {
		struct vma *c = kzalloc(sizeof(*c));
		if (!c) {
			vma_free_all(dst);
			return -ENOMEM;
		}
		*c = *v;
		c->flags &= ~VMA_UFFD_MASK;
		c->uffd = NULL;
		if (c->shm)
			shmem_get(c->shm);
		list_add_tail(&c->node, &dst->list);
		dst->count++;
		dst->bytes += c->end - c->start;
	}
	return 0;
}

void vma_free_all(struct vma_set *vs)
{
	while (!list_empty(&vs->list))
		unlink_vma(vs, list_first_entry(&vs->list, struct vma, node));
	vs->bytes = 0;
}
