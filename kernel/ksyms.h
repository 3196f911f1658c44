/* Kernel symbol table for backtraces, generated at link time from the kernel's own ELF. */
#ifndef KSYMS_H
#define KSYMS_H

#include "lib/compiler.h"

/* Name of the function containing addr and addr's offset in it, or NULL if unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
