/* Lookup in the table kernel/gen-ksyms.sh produces (sorted by address). The first link
 * uses an empty table; the second embeds the real one at the end of .rodata, so no
 * function moves between the two links. */
#include "kernel/ksyms.h"

struct ksym {
	uint64_t addr;
	uint32_t name;	/* offset into ksym_names */
};

extern const struct ksym ksym_table[];
extern const uint64_t ksym_count;
extern const char ksym_names[];

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksym_count;
	extern char __text_start[], __text_end[];
	if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end || !hi)
		return NULL;
	while (hi - lo > 1) { /* last entry with ksym_table[i].addr <= addr */
		uint64_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksym_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksym_table[lo].addr;
	return ksym_names + ksym_table[lo].name;
}
