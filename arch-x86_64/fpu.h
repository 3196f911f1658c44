/* The user's x87/SSE state: FXSAVE images saved and restored on context switch. Kernel code
 * never touches these registers (-mgeneral-regs-only), so only user state lives there. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include "kernel/task.h"

/* Enable SSE for user code on this CPU (CR0.MP and NE set, CR0.EM and TS clear, CR4.OSFXSR
 * and OSXMMEXCPT) and reset the unit (FNINIT, MXCSR 0x1F80). Once per CPU. */
void fpu_cpu_init(void);
/* fpu_cpu_init() on the boot CPU, and record that clean state as every task's initial one.
 * Once. */
void fpu_init(void);
/* Put the clean initial state into st (exec). */
void fpu_init_state(struct fpu_state *st);

static inline void fpu_save(struct fpu_state *st) { __asm__ __volatile__("fxsave64 %0" : "=m"(*st)); }
static inline void fpu_restore(const struct fpu_state *st) { __asm__ __volatile__("fxrstor64 %0" :: "m"(*st)); }

#endif
