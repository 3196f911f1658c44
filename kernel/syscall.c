/* System-call dispatch. Each sys_* lives with its subsystem (sys_fs.c, sys_mm.c,
 * sys_proc.c, sys_time.c); this file only routes numbers to them. Unknown numbers get
 * -ENOSYS and one log line per number. */
#include "kernel/syscall.h"
#include "kernel/syscall_table.h"
#include "kernel/process.h"
#include "kernel/sched.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "arch-x86_64/cpu.h"

#define NR_SYSCALLS 512

static const syscall_fn table[NR_SYSCALLS] = {
#define SYSCALL(nr, name) [nr] = (syscall_fn)sys_##name,
#include "kernel/syscall_list.h"
#undef SYSCALL
};

static uint8_t unknown_logged[NR_SYSCALLS / 8 + 1];

void syscall_handler(struct trap_frame *tf)
{
	account_user_to_kernel();
	irq_enable();
	uint64_t nr = tf->rax;
	long ret;
	if (nr < NR_SYSCALLS && table[nr]) {
		ret = table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	} else {
		uint64_t bit = MIN(nr, (uint64_t)NR_SYSCALLS);
		if (!(unknown_logged[bit / 8] & (1u << (bit % 8)))) {
			unknown_logged[bit / 8] |= 1u << (bit % 8);
			printk("pid %d (%s): unknown system call %lu, returning -ENOSYS\n",
			       current()->pid, current()->name, nr);
		}
		ret = -ENOSYS;
	}
	tf->rax = ret;
	irq_disable();
	return_to_user_work(tf);
}
