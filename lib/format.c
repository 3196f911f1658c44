/* vsnprintf: the one formatting engine of the kernel. Kept free of kernel dependencies so
 * tests/unit can compile it on the host and compare it with the C library's printf. */
#include "lib/format.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* characters the complete output needs */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

/* Emit a number already converted to digits (most significant first), honouring the spec. */
static void emit_number(struct out *o, const struct spec *sp, const char *digits, int ndig,
			const char *prefix)
{
	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = sp->prec > ndig ? sp->prec - ndig : 0;
	int total = plen + zeros + ndig;
	int fill = sp->width > total ? sp->width - total : 0;
	bool zero_pad = sp->zero && !sp->left && sp->prec < 0;

	if (!sp->left && !zero_pad)
		pad(o, ' ', fill);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (zero_pad)
		pad(o, '0', fill);
	pad(o, '0', zeros);
	for (int i = 0; i < ndig; i++)
		put(o, digits[i]);
	if (sp->left)
		pad(o, ' ', fill);
}

static void format_unsigned(struct out *o, const struct spec *sp, uint64_t v, unsigned base,
			    bool upper, const char *prefix)
{
	const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];
	int pos = sizeof(digits);
	if (v || sp->prec != 0) { /* "%.0d" of zero prints no digit */
		do {
			digits[--pos] = xd[v % base];
			v /= base;
		} while (v);
	}
	emit_number(o, sp, digits + pos, (int)sizeof(digits) - pos, prefix);
}

static void format_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	int len = 0;
	while (s[len] && (sp->prec < 0 || len < sp->prec))
		len++;
	int fill = sp->width > len ? sp->width - len : 0;
	if (!sp->left)
		pad(o, ' ', fill);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', fill);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;;) {
			char f = *++fmt;
			if (f == '-') sp.left = true;
			else if (f == '0') sp.zero = true;
			else if (f == '+') sp.plus = true;
			else if (f == ' ') sp.space = true;
			else if (f == '#') sp.alt = true;
			else break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char */
		for (;;) {
			if (*fmt == 'l') lng = lng < 0 ? 1 : lng + 1;
			else if (*fmt == 'z') lng = 1;
			else if (*fmt == 'h') lng = lng > 0 ? lng : lng - 1;
			else break;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v;
			if (lng >= 1) v = lng == 1 ? va_arg(ap, long) : va_arg(ap, long long);
			else v = va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng <= -2) v = (signed char)v;
			const char *prefix = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			format_unsigned(&o, &sp, mag, 10, false, prefix);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v;
			if (lng >= 1) v = lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
			else v = va_arg(ap, unsigned int);
			if (lng == -1) v = (unsigned short)v;
			if (lng <= -2) v = (unsigned char)v;
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			const char *prefix = "";
			if (sp.alt && v) prefix = *fmt == 'x' ? "0x" : *fmt == 'X' ? "0X" : *fmt == 'o' ? "0" : "";
			format_unsigned(&o, &sp, v, base, *fmt == 'X', prefix);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			format_unsigned(&o, &sp, v, 16, false, "0x");
			break;
		}
		case 's':
			format_string(&o, &sp, va_arg(ap, const char *));
			break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			struct spec cs = sp;
			cs.prec = 1;
			if (c[0] == 0) { /* a NUL character still counts as one */
				pad(&o, ' ', sp.left ? 0 : sp.width - 1);
				put(&o, 0);
				pad(&o, ' ', sp.left ? sp.width - 1 : 0);
			} else {
				format_string(&o, &cs, c);
			}
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--; /* lone '%' at the end: stop */
			break;
		default: /* unknown conversion: print it literally */
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int parse_size(const char *s, uint64_t *out)
{
	char num[24];
	size_t len = 0;
	while (s[len])
		len++;
	unsigned shift = 0;
	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		}
	}
	len -= shift != 0;
	if (len >= sizeof(num))
		return -1;
	for (size_t i = 0; i < len; i++)
		num[i] = s[i];
	num[len] = 0;
	uint64_t v;
	if (parse_u64(num, &v) || v > UINT64_MAX >> shift)
		return -1;
	*out = v << shift;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9') d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
		else return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}
