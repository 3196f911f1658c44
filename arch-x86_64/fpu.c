#include "arch-x86_64/fpu.h"
#include "arch-x86_64/cpu.h"
#include "lib/string.h"

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR4_OSFXSR     (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define MXCSR_DEFAULT  0x1f80 /* all exceptions masked, round to nearest */

static struct fpu_state initial_state;

void fpu_cpu_init(void)
{
	/* NE: an unmasked x87 exception raises #MF (vector 16) rather than the legacy FERR#
	 * interrupt through the (masked) PIC. */
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	uint32_t mxcsr = MXCSR_DEFAULT;
	__asm__ __volatile__("fninit; ldmxcsr %0" :: "m"(mxcsr));
}

void fpu_init(void)
{
	fpu_cpu_init();
	fpu_save(&initial_state);
}

void fpu_init_state(struct fpu_state *st)
{
	memcpy(st, &initial_state, sizeof(*st));
}
