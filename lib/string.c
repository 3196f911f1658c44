/* Freestanding string and memory routines. The memory ones move 8-byte words, four per
 * loop round, and finish with a byte tail: under QEMU's TCG (where this kernel is measured)
 * a string instruction costs one emulated round per element, so rep movsb/stosb and byte
 * loops are several times slower than word loops (../shared/qemu-facts.md). x86 allows
 * unaligned word accesses, so no alignment prologue.
 *
 * gcc must not turn these loops back into calls of themselves: the kernel is built with
 * -fno-tree-loop-distribute-patterns. */
#include "lib/string.h"
#include "lib/compiler.h"

/* A word read or written at any byte address, that may alias anything. */
typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

static inline uint64_t load64(const unsigned char *p) { return *(const unaligned_u64 *)p; }
static inline void store64(unsigned char *p, uint64_t v) { *(unaligned_u64 *)p = v; }

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (; n >= 32; n -= 32, d += 32, s += 32) {
		uint64_t a = load64(s), b = load64(s + 8), c = load64(s + 16), e = load64(s + 24);
		store64(d, a);
		store64(d + 8, b);
		store64(d + 16, c);
		store64(d + 24, e);
	}
	for (; n >= 8; n -= 8, d += 8, s += 8)
		store64(d, load64(s));
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Overlapping copies: forwards is safe when dst is below src (memcpy reads each word before
 * it writes the word at the same offset, and reads run ahead of writes); otherwise copy from
 * the end, a word at a time. */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	for (; n >= 8; n -= 8)
		store64(d + n - 8, load64(s + n - 8));
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t v = 0x0101010101010101ULL * (unsigned char)c;
	for (; n >= 32; n -= 32, d += 32) {
		store64(d, v);
		store64(d + 8, v);
		store64(d + 16, v);
		store64(d + 24, v);
	}
	for (; n >= 8; n -= 8, d += 8)
		store64(d, v);
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n >= 8; n -= 8, x += 8, y += 8) {
		uint64_t u = load64(x), v = load64(y);
		/* the first differing byte decides: big-endian order makes it the most significant */
		if (u != v)
			return __builtin_bswap64(u) < __builtin_bswap64(v) ? -1 : 1;
	}
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
