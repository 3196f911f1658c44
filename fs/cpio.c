/* newc layout: a 110-byte ASCII header ("070701" then 13 eight-digit hex fields), the name
 * (namesize bytes with its NUL), padding to 4 bytes, the data, padding to 4 bytes. */
#include "fs/cpio.h"
#include "lib/string.h"

#define HDR_LEN 110
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJ, F_DEVMIN,
       F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK, F_COUNT };

void cpio_reader_init(struct cpio_reader *r, const void *archive, size_t len)
{
	r->base = archive;
	r->len = len;
	r->off = 0;
}

static bool hex8(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

int cpio_next(struct cpio_reader *r, struct cpio_entry *e, const char **error)
{
	uint32_t f[F_COUNT];
	const uint8_t *h = r->base + r->off;

	if (r->len - r->off < HDR_LEN) {
		*error = "archive ends inside a header (no TRAILER!!!)";
		return -1;
	}
	if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6)) {
		*error = "bad header magic (not a newc cpio archive)";
		return -1;
	}
	for (int i = 0; i < F_COUNT; i++) {
		if (!hex8(h + 6 + 8 * i, &f[i])) {
			*error = "bad number in a header";
			return -1;
		}
	}
	size_t name_off = r->off + HDR_LEN;
	size_t data_off = ALIGN_UP(name_off + f[F_NAMESIZE], 4);
	size_t next = ALIGN_UP(data_off + (size_t)f[F_FILESIZE], 4);
	if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > 4096 || name_off + f[F_NAMESIZE] > r->len ||
	    data_off + (size_t)f[F_FILESIZE] > r->len) {
		*error = "entry runs past the end of the archive";
		return -1;
	}
	if (r->base[name_off + f[F_NAMESIZE] - 1] != 0) {
		*error = "entry name is not terminated";
		return -1;
	}
	e->name = (const char *)r->base + name_off;
	e->mode = f[F_MODE];
	e->data = r->base + data_off;
	e->size = f[F_FILESIZE];
	if (!strcmp(e->name, "TRAILER!!!"))
		return 0;
	r->off = MIN(next, r->len);
	return 1;
}
