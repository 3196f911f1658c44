/* printf-style formatting, pure code shared by printk, /proc files and the host unit tests. */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include "lib/compiler.h"

/* Formats into buf (always NUL-terminated when size > 0). Returns the length the full
 * output would have had, like C99 vsnprintf. Supports %d %i %u %x %X %o %p %s %c %%,
 * the l/ll/z/h length modifiers, flags '-', '0', '+', ' ', width and precision (also '*'). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Parse an unsigned decimal (or 0x-prefixed hex) number that fills the whole string s.
 * Returns 0 and sets *out, or -1 on empty input, junk characters or overflow. */
int parse_u64(const char *s, uint64_t *out);
/* Parse a size in bytes as parse_u64() does, with an optional suffix K, M or G (either
 * case: times 2^10, 2^20, 2^30), like Linux's memparse: "48M", "4096", "1g". Returns 0
 * and sets *out, or -1 on a bad number, an unknown suffix or overflow. */
int parse_size(const char *s, uint64_t *out);

#endif
