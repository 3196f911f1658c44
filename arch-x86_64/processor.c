/* A user task's initial registers (a new program's, a forked child's) and its user state
 * beyond the frame: FPU registers and FS base. */
#include "arch-x86_64/processor.h"
#include "arch-x86_64/trap.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/fpu.h"
#include "kernel/task.h"

struct trap_frame *task_user_frame(struct task *t)
{
	return (struct trap_frame *)task_kstack_top(t) - 1;
}

void start_thread(struct trap_frame *tf, uint64_t ip, uint64_t sp)
{
	*tf = (struct trap_frame){
		.rip = ip, .rsp = sp, .cs = USER_CS, .ss = USER_DS, .rflags = RFLAGS_IF,
	};
}

void copy_thread_frame(struct trap_frame *child, const struct trap_frame *parent, uint64_t sp)
{
	*child = *parent;
	child->rax = 0; /* fork returns 0 in the child */
	if (sp)
		child->rsp = sp;
	child->cs = USER_CS;
	child->ss = USER_DS;
	child->rflags = (parent->rflags & ~(RFLAGS_IOPL | RFLAGS_NT)) | RFLAGS_IF;
}

void flush_thread(struct task *t)
{
	fpu_init_state(t->fpu);
	fpu_restore(t->fpu);
	t->fs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
}

void switch_user_state(struct task *prev, struct task *next)
{
	if (prev->fpu)
		fpu_save(prev->fpu);
	if (next->fpu)
		fpu_restore(next->fpu);
	if (next->mm)
		wrmsr(MSR_FS_BASE, next->fs_base);
}
