/* Reading a "newc" cpio archive (cpio -H newc), the initramfs format: pure code, unit-tested. */
#ifndef CPIO_H
#define CPIO_H

#include "lib/compiler.h"

struct cpio_entry {
	const char *name;	/* NUL-terminated inside the archive, "./" prefix kept */
	uint32_t mode;		/* st_mode: type and permission bits */
	const void *data;
	uint32_t size;
};

struct cpio_reader {
	const uint8_t *base;
	size_t len, off;
};

void cpio_reader_init(struct cpio_reader *r, const void *archive, size_t len);
/* Next entry: returns 1 and fills *e, 0 at the TRAILER!!! entry, or -1 for a corrupt archive
 * with *error set to a one-line reason (bad magic, bad number, entry past the end). */
int cpio_next(struct cpio_reader *r, struct cpio_entry *e, const char **error);

#endif
