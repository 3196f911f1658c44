/* Context switch between kernel stacks (arch-x86_64/context.asm). */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include "lib/compiler.h"

/* Save callee-saved registers and rsp into *save_rsp, continue on new_rsp. Interrupts off. */
void switch_context(uint64_t *save_rsp, uint64_t new_rsp);
/* Entry points a new task's first switch_context "returns" to. */
void kthread_start(void);
void user_task_start(void);

/* The frame switch_context pops: what a new task's kernel stack starts with. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;
};

/* Push below stack_top the frame switch_context() pops when a new task first runs, so it
 * "returns" to entry; the result is the task's saved rsp. */
static inline uint64_t switch_frame_init(uint64_t stack_top, void (*entry)(void))
{
	struct switch_frame *sf = (struct switch_frame *)stack_top - 1;
	*sf = (struct switch_frame){ .rip = (uint64_t)entry };
	return (uint64_t)sf;
}

#endif
