/* Kernel randomness for AT_RANDOM and getrandom(2): not cryptographic. The default QEMU
 * CPU has no RDRAND, so a 64-bit mixer runs over the TSC and a counter. */
#ifndef RANDOM_H
#define RANDOM_H

#include "lib/compiler.h"

/* 64 unpredictable-enough bits. Any context, lock-free. */
uint64_t random_u64(void);
/* Fill buf with len random bytes. */
void random_bytes(void *buf, size_t len);

#endif
