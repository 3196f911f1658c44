/* System-call dispatch. Each sys_* lives with its subsystem (sys_fs.c, sys_mm.c,
 * sys_proc.c, sys_time.c); this file only routes numbers to them. Unknown numbers get
 * -ENOSYS and one log line per number. */
#include "kernel/syscall.h"
#include "kernel/syscall_table.h"
#include "kernel/task.h"
#include "kernel/printk.h"
#include "lib/errno.h"

#define NR_SYSCALLS 512

static const syscall_fn table[NR_SYSCALLS] = {
#define SYSCALL(nr, name) [nr] = (syscall_fn)sys_##name,
#include "kernel/syscall_list.h"
#undef SYSCALL
};

static uint8_t unknown_logged[NR_SYSCALLS / 8 + 1];

long syscall_dispatch(uint64_t nr, const uint64_t args[6])
{
	current()->syscalls++;
	if (nr < NR_SYSCALLS && table[nr])
		return table[nr](args[0], args[1], args[2], args[3], args[4], args[5]);
	uint64_t bit = MIN(nr, (uint64_t)NR_SYSCALLS);
	if (!(unknown_logged[bit / 8] & (1u << (bit % 8)))) {
		unknown_logged[bit / 8] |= 1u << (bit % 8);
		printk("pid %d (%s): unknown system call %lu, returning -ENOSYS\n",
		       current()->pid, current()->name, nr);
	}
	return -ENOSYS;
}
