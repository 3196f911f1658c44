/* Text built up with printf, growing as needed: how pseudo files (/proc, /sys) render. */
#ifndef SEQBUF_H
#define SEQBUF_H

#include "lib/compiler.h"

struct seqbuf {
	char *buf;	/* kmalloc'd, NUL-terminated */
	size_t len, cap;
	bool failed;	/* out of memory: the text is cut short */
};

/* An empty buffer (allocated on the first write). */
void seq_init(struct seqbuf *s);
void seq_printf(struct seqbuf *s, const char *fmt, ...) __printf(2, 3);
void seq_write(struct seqbuf *s, const void *data, size_t len);
void seq_free(struct seqbuf *s);

#endif
