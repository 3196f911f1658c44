/* The vDSO (arch-x86_64/vdso/vdso.c): user-mode clock reads, mapped into every program at
 * exec with its [vvar] data page, as Linux does. */
#ifndef ARCH_VDSO_H
#define ARCH_VDSO_H

#include "lib/compiler.h"

struct mm;

/* Boot, once, after the clock and the RTC are set and before the first exec: build the
 * [vvar] page and the image that every exec maps. */
void vdso_init(void);
/* Map [vvar] and [vdso] into mm (a fresh address space at exec), above the stack: 0 and
 * *ehdr = the image's address for AT_SYSINFO_EHDR, or -errno (-ENOMEM). */
int vdso_map(struct mm *mm, uint64_t *ehdr);

#endif
