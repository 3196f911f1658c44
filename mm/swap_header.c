/* Checking a mkswap header before any of its pages is trusted (see swap_header.h). Every
 * multi-byte field is little-endian, as mkswap writes it on x86. */
#include "mm/swap_header.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

static void put_le32(uint8_t *b, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b[off + i] = v >> (8 * i);
}

uint64_t swap_header_make(void *page, uint64_t dev_pages, const uint8_t uuid[16])
{
	if (dev_pages < 2)
		return 0;
	uint64_t last = MIN(dev_pages - 1, (uint64_t)UINT32_MAX);
	uint8_t *b = page;
	memset(b, 0, PAGE_SIZE);
	put_le32(b, SWAP_HDR_VERSION, 1);
	put_le32(b, SWAP_HDR_LAST_PAGE, (uint32_t)last);
	memcpy(b + SWAP_HDR_UUID, uuid, 16);
	memcpy(b + PAGE_SIZE - SWAP_MAGIC_LEN, SWAP_MAGIC, SWAP_MAGIC_LEN);
	return last;
}

static uint32_t le32_at(const uint8_t *b, size_t off)
{
	return b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
	       (uint32_t)b[off + 3] << 24;
}

static bool magic_at(const uint8_t *b, size_t page_size, const char *magic)
{
	return !memcmp(b + page_size - SWAP_MAGIC_LEN, magic, SWAP_MAGIC_LEN);
}

/* The page size a header in b was made for, if not 4 KiB and within len; 0 if none. */
static size_t foreign_page_size(const uint8_t *b, size_t len)
{
	for (size_t ps = 2 * PAGE_SIZE; ps <= len && ps <= SWAP_HDR_PROBE_BYTES; ps *= 2)
		if (magic_at(b, ps, SWAP_MAGIC))
			return ps;
	return 0;
}

int swap_header_parse(const void *buf, size_t len, uint64_t dev_pages,
		      struct swap_header_info *info, const char **why)
{
	const uint8_t *b = buf;
	BUG_ON(len < PAGE_SIZE);
	*why = NULL;
	if (!magic_at(b, PAGE_SIZE, SWAP_MAGIC)) {
		if (magic_at(b, PAGE_SIZE, SWAP_MAGIC_OLD))
			*why = "old swap format (version 0): reformat it with mkswap";
		else if (foreign_page_size(b, len))
			*why = "swap area made for another page size (this kernel uses 4096-byte pages): run mkswap -p 4096";
		else
			*why = "no swap signature (not formatted with mkswap)";
		return -EINVAL;
	}
	uint32_t version = le32_at(b, SWAP_HDR_VERSION);
	if (version != 1) {
		*why = version == 0x01000000 ? "swap header written on a big-endian machine"
					     : "unknown swap header version";
		return -EINVAL;
	}
	info->last_page = le32_at(b, SWAP_HDR_LAST_PAGE);
	info->nr_bad = le32_at(b, SWAP_HDR_NR_BAD);
	if (info->last_page == 0) {
		*why = "corrupt swap header: no usable page";
		return -EINVAL;
	}
	if (info->last_page >= dev_pages) {
		*why = "corrupt swap header: the area is larger than the device";
		return -EINVAL;
	}
	if (info->nr_bad > SWAP_MAX_BADPAGES || info->nr_bad >= info->last_page) {
		*why = "corrupt swap header: bad-page count out of range";
		return -EINVAL;
	}
	info->bad = (const uint32_t *)(b + SWAP_HDR_BADPAGES);
	for (uint32_t i = 0; i < info->nr_bad; i++) {
		uint32_t page = le32_at(b, SWAP_HDR_BADPAGES + 4 * i);
		if (page == 0 || page > info->last_page) {
			*why = "corrupt swap header: bad page out of range";
			return -EINVAL;
		}
	}
	memcpy(info->uuid, b + SWAP_HDR_UUID, sizeof(info->uuid));
	memcpy(info->label, b + SWAP_HDR_LABEL, 16);
	info->label[16] = 0;
	return 0;
}
