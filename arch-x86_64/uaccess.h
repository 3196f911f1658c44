/* The kernel's direct accesses to user memory (uaccess.asm). The caller checks that the
 * user side lies below USER_END; a fault on it is resolved as a user access would be, and
 * only one that cannot be resolved makes the routine fail. Must run where sleeping is
 * allowed (interrupts on, no spinlock): resolving a fault takes mm->lock. */
#ifndef ARCH_UACCESS_H
#define ARCH_UACCESS_H

#include "lib/compiler.h"

/* Copy n bytes between dst and src (either may be user memory): 0, or non-zero after a
 * fault that could not be resolved (the copy then stopped part-way). */
size_t uaccess_copy(void *dst, const void *src, size_t n);
/* Copy bytes from usrc until a NUL (copied too) or n bytes: the bytes before the NUL, n if
 * there was none within n bytes, or -1 after a fault that could not be resolved. Reads
 * nothing past the NUL. */
long uaccess_strncpy(char *dst, const char *usrc, size_t n);

#endif
