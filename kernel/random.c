#include "kernel/random.h"
#include "arch-x86_64/cpu.h"
#include "lib/string.h"

static uint64_t counter;

/* splitmix64's finalizer: every input bit affects every output bit. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

uint64_t random_u64(void)
{
	uint64_t n = __atomic_add_fetch(&counter, 0x9e3779b97f4a7c15UL, __ATOMIC_RELAXED);
	return mix(n ^ mix(rdtsc()));
}

void random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t r = random_u64();
		size_t n = MIN(len, sizeof(r));
		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}
