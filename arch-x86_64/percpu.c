#include "arch-x86_64/percpu.h"
#include "arch-x86_64/cpu.h"

_Static_assert(offsetof(struct cpu, self) == 0, "this_cpu() reads %gs:0");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "asm offset");
_Static_assert(offsetof(struct cpu, kernel_rsp) == CPU_KERNEL_RSP, "asm offset");

struct cpu cpus[MAX_CPUS];

uint64_t percpu_stat_sum(unsigned i)
{
	uint64_t sum = 0;
	for (int c = 0; c < MAX_CPUS; c++)
		sum += __atomic_load_n(&cpus[c].stats[i], __ATOMIC_RELAXED);
	return sum;
}

void percpu_init(int id)
{
	struct cpu *c = &cpus[id];
	c->self = c;
	c->id = id;
	c->online = id == 0; /* an AP says so itself once it is set up (smp.c) */
	/* Loading a GS selector would clear the base again: gdt.c leaves GS alone. */
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user GS base swapgs will hand to ring 3 */
}
