/* The split virtqueue's driver side (virtqueue.h): ring layout, free descriptors, offering
 * chains and taking back used ones. */
#include "drivers/virtqueue.h"
#include "mm/page_alloc.h"
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "lib/errno.h"

#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];  /* then used_event, unused without VIRTIO_RING_F_EVENT_IDX */
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* then avail_event */
};

_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used element layout");

static size_t used_offset(uint16_t num)
{
	size_t avail_end = num * sizeof(struct vring_desc) + sizeof(struct vring_avail) +
			   (num + 1) * sizeof(uint16_t);
	return ALIGN_UP(avail_end, VQ_ALIGN);
}

static size_t ring_bytes(uint16_t num)
{
	return used_offset(num) + sizeof(struct vring_used) +
	       num * sizeof(struct vring_used_elem) + sizeof(uint16_t);
}

int vq_init(struct virtqueue *vq, uint16_t num)
{
	if (!num || (num & (num - 1)) || num > VQ_MAX_SIZE)
		return -EINVAL;
	unsigned order = 0;
	while ((PAGE_SIZE << order) < ring_bytes(num))
		order++;
	BUG_ON(order > MAX_ORDER); /* 32768 entries need 2^8 frames */
	memset(vq, 0, sizeof(*vq));
	vq->tokens = kzalloc(num * sizeof(void *));
	if (!vq->tokens)
		return -ENOMEM;
	vq->pages = alloc_kernel_pages(order);
	if (!vq->pages)
		goto fail_tokens;
	vq->order = order;
	char *base = page_address(vq->pages);
	vq->num = num;
	vq->desc = (struct vring_desc *)base;
	vq->avail = (struct vring_avail *)(base + num * sizeof(struct vring_desc));
	vq->used = (struct vring_used *)(base + used_offset(num));
	for (uint16_t i = 0; i + 1 < num; i++)
		vq->desc[i].next = i + 1;
	vq->free_head = 0;
	vq->nfree = num;
	return 0;

fail_tokens:
	kfree(vq->tokens);
	return -ENOMEM;
}

void vq_destroy(struct virtqueue *vq)
{
	free_pages(vq->pages, vq->order);
	kfree(vq->tokens);
	memset(vq, 0, sizeof(*vq));
}

uint64_t vq_phys(const struct virtqueue *vq)
{
	return page_to_phys(vq->pages);
}

int vq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *token)
{
	BUG_ON(!n || !token);
	if (vq->nfree < n)
		return -ENOSPC;
	uint16_t head = vq->free_head, i = head;
	for (unsigned k = 0; k < n; k++) {
		struct vring_desc *d = &vq->desc[i];
		d->addr = bufs[k].phys;
		d->len = bufs[k].len;
		d->flags = (bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) |
			   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		if (k + 1 < n)
			i = d->next; /* a free descriptor's next is the following free one */
	}
	vq->free_head = vq->desc[i].next;
	vq->nfree -= n;
	vq->tokens[head] = token;
	vq->avail->ring[vq->avail_idx % vq->num] = head;
	vq->avail_idx++;
	/* The device may read the entry and the descriptors as soon as it sees the index. */
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	return 0;
}

void *vq_pop(struct virtqueue *vq, uint32_t *len)
{
	/* Acquire: the element and the data the device wrote are visible once idx is. */
	if (vq->last_used == __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE))
		return NULL;
	struct vring_used_elem e = vq->used->ring[vq->last_used % vq->num];
	vq->last_used++;
	BUG_ON(e.id >= vq->num || !vq->tokens[e.id]);
	void *token = vq->tokens[e.id];
	vq->tokens[e.id] = NULL;
	uint16_t i = e.id, n = 1;
	while (vq->desc[i].flags & VRING_DESC_F_NEXT) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = e.id;
	vq->nfree += n;
	if (len)
		*len = e.len;
	return token;
}
