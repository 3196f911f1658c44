/* x86-64's own system calls: arch_prctl (the FS base, glibc's and musl's TLS pointer). */
#include "kernel/syscall_table.h"
#include "kernel/task.h"
#include "mm/addrspace.h"
#include "mm/memlayout.h"
#include "lib/errno.h"
#include "arch-x86_64/cpu.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

long sys_arch_prctl(int code, uint64_t addr)
{
	struct task *t = current();
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= USER_END)
			return -EPERM;
		t->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user((void *)addr, &t->fs_base, sizeof(t->fs_base));
	default:
		return -EINVAL;
	}
}
