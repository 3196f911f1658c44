#include "lib/seqbuf.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "lib/format.h"

void seq_init(struct seqbuf *s)
{
	s->buf = NULL;
	s->len = s->cap = 0;
	s->failed = false;
}

/* Make room for len more bytes plus a NUL: false when memory is short. */
static bool reserve(struct seqbuf *s, size_t len)
{
	if (s->failed)
		return false;
	if (s->len + len + 1 <= s->cap)
		return true;
	size_t cap = s->cap ? s->cap : 1024;
	while (cap < s->len + len + 1)
		cap *= 2;
	char *nb = kmalloc(cap);
	if (!nb) {
		s->failed = true;
		return false;
	}
	if (s->buf) {
		memcpy(nb, s->buf, s->len + 1);
		kfree(s->buf);
	}
	s->buf = nb;
	s->cap = cap;
	return true;
}

void seq_printf(struct seqbuf *s, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < (int)sizeof(small)) {
		seq_write(s, small, n);
		return;
	}
	if (!reserve(s, n))
		return;
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, n + 1, fmt, ap);
	va_end(ap);
	s->len += n;
}

void seq_write(struct seqbuf *s, const void *data, size_t len)
{
	if (!reserve(s, len))
		return;
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = 0;
}

void seq_free(struct seqbuf *s)
{
	kfree(s->buf);
	seq_init(s);
}
