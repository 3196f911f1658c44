/* A split virtqueue (virtio 1.x specification, "Split Virtqueues") in the legacy layout:
 * the ring memory one virtio device and its driver share. The driver chains buffers
 * through descriptors and offers each chain's head in the available ring; the device
 * returns heads through the used ring.
 *
 * Hardware contract, for a queue of num entries (a power of two), in one physically
 * contiguous, zeroed block:
 *   descriptor table  num * 16 bytes: addr (u64), len (u32), flags (u16), next (u16)
 *   available ring    flags, idx, ring[num], used_event (u16 each), right after the table
 *   used ring         at the next 4096-byte boundary: flags, idx (u16), then num pairs
 *                     id (u32, a chain's head), len (u32, bytes the device wrote),
 *                     then avail_event (u16)
 * Descriptor flags: NEXT (1) chains to `next`, WRITE (2) makes the buffer device-writable.
 * The indexes run freely (mod 2^16); entry idx % num is the next one written. The device
 * sets used->flags bit 0 (NO_NOTIFY) when it does not need to be told of new buffers; the
 * driver here does not rely on it (drivers/virtio_blk.c says why).
 *
 * Not locked: the owning driver serializes every call on one queue (its device lock). */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include "lib/compiler.h"

#define VQ_MAX_SIZE   32768
#define VQ_ALIGN      4096   /* legacy alignment of the used ring and of the whole block */

struct vring_desc;
struct vring_avail;
struct vring_used;
struct page;

struct virtqueue {
	uint16_t num;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	void **tokens;        /* by head descriptor: what vq_add() was given for that chain */
	uint16_t free_head;   /* free descriptors, chained through ->next */
	uint16_t nfree;
	uint16_t avail_idx;   /* the driver's copy of avail->idx */
	uint16_t last_used;   /* used entries consumed so far */
	struct page *pages;   /* the ring block, and its order */
	unsigned order;
};

/* One buffer of a chain: physical address, length, whether the device writes it. */
struct vq_buf {
	uint64_t phys;
	uint32_t len;
	bool device_writes;
};

/* Allocate and zero the ring block for num entries and link all descriptors free.
 * Returns 0, -EINVAL if num is 0, not a power of two or above VQ_MAX_SIZE, -ENOMEM. */
int vq_init(struct virtqueue *vq, uint16_t num);
/* Free what vq_init() allocated; the device must no longer know the ring's address. */
void vq_destroy(struct virtqueue *vq);
/* Physical address of the ring block (VQ_ALIGN-aligned), for the device. */
uint64_t vq_phys(const struct virtqueue *vq);

/* Chain bufs[0..n) in order and offer the chain to the device (after the descriptors are
 * visible: release ordering on avail->idx); token (not NULL) comes back from vq_pop().
 * Returns 0, or -ENOSPC (nothing changed) if fewer than n descriptors are free. */
int vq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n, void *token);
/* The next chain the device has finished: frees its descriptors, stores the bytes the
 * device wrote in *len (unless len is NULL) and returns its token; NULL when there is none (used->idx read with
 * acquire ordering). BUG_ON: the device returned a head that was not offered. */
void *vq_pop(struct virtqueue *vq, uint32_t *len);

#endif
