/* The on-disk header of a Linux swap area, as util-linux's mkswap writes it (version 1,
 * "SWAPSPACE2"): the first page of the area holds, from byte 1024 on, the version, the
 * index of the last usable page, a list of bad pages, a UUID and a label; its last ten
 * bytes are the magic. Pure code (no locks, no allocation), tested on the host. */
#ifndef MM_SWAP_HEADER_H
#define MM_SWAP_HEADER_H

#include "lib/compiler.h"
#include "mm/memlayout.h"

/* Offsets in the header page (Linux's union swap_header). */
#define SWAP_HDR_VERSION     1024
#define SWAP_HDR_LAST_PAGE   1028
#define SWAP_HDR_NR_BAD      1032
#define SWAP_HDR_UUID        1036
#define SWAP_HDR_LABEL       1052
#define SWAP_HDR_BADPAGES    1536
#define SWAP_MAGIC           "SWAPSPACE2"
#define SWAP_MAGIC_OLD       "SWAP-SPACE" /* version 0, unsupported since Linux 2.5 */
#define SWAP_MAGIC_LEN       10
/* The bad-page list ends where the magic starts. */
#define SWAP_MAX_BADPAGES    ((PAGE_SIZE - SWAP_MAGIC_LEN - SWAP_HDR_BADPAGES) / 4)
/* How much of the area's start swap_header_parse() wants: enough to find the magic of a
 * header made for pages of up to 64 KiB, so that it can say so. */
#define SWAP_HDR_PROBE_BYTES (64 * 1024)

struct swap_header_info {
	uint64_t last_page;	/* index of the last page of the area (page 0: the header) */
	uint32_t nr_bad;
	const uint32_t *bad;	/* into the parsed buffer: nr_bad page indices, each in
				 * [1, last_page] */
	uint8_t uuid[16];
	char label[17];		/* NUL-terminated */
};

/* Parse the first len bytes of a device of dev_pages 4 KiB pages (len >= PAGE_SIZE; up to
 * SWAP_HDR_PROBE_BYTES lets a header for another page size be recognised). Returns 0 and
 * *info, or -EINVAL with *why set to one line saying what is wrong: no swap signature, a
 * header for another page size, an old or unknown version, a corrupt field (last page 0 or
 * beyond the device, too many or out-of-range bad pages). An area larger than the device
 * is refused rather than truncated: its pages past the end could never be read back. */
int swap_header_parse(const void *buf, size_t len, uint64_t dev_pages,
		      struct swap_header_info *info, const char **why);

/* Write into page (PAGE_SIZE bytes) the header util-linux's mkswap writes for a device of
 * dev_pages 4 KiB pages: version 1, every page after the header usable (up to the 2^32
 * pages the header can count), no bad pages, no label, the given UUID; the rest zero.
 * Returns the index of the last page, or 0 (page untouched) when dev_pages < 2. */
uint64_t swap_header_make(void *page, uint64_t dev_pages, const uint8_t uuid[16]);

#endif
