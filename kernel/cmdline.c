#include "kernel/cmdline.h"
#include "kernel/bootinfo.h"
#include "lib/string.h"

bool cmdline_get(const char *name, char *buf, size_t size)
{
	const char *p = boot_info.cmdline;
	size_t nlen = strlen(name);
	bool found = false;

	while (*p) {
		while (*p == ' ')
			p++;
		const char *word = p;
		while (*p && *p != ' ')
			p++;
		size_t wlen = p - word;
		if (wlen >= nlen && !strncmp(word, name, nlen) && (wlen == nlen || word[nlen] == '=')) {
			found = true;
			size_t vlen = wlen > nlen ? wlen - nlen - 1 : 0;
			if (size) {
				size_t n = MIN(vlen, size - 1);
				memcpy(buf, word + nlen + 1, n);
				buf[n] = 0;
			}
		}
	}
	return found;
}

bool cmdline_is(const char *name, const char *value)
{
	char buf[64];
	return cmdline_get(name, buf, sizeof(buf)) && !strcmp(buf, value);
}

bool cmdline_has(const char *name)
{
	return cmdline_get(name, NULL, 0);
}
