/* mempolicy: get_mempolicy and set_mempolicy on a one-node machine, each call's result
 * on one line ("NAME = RESULT", RESULT a number or -ERRNO-NAME), for the boot test. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_LOCAL 4
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)

static void show(const char *name, long rc)
{
	if (rc < 0)
		printf("%s = -%s\n", name, errno == EINVAL ? "EINVAL" : errno == EFAULT ? "EFAULT" :
		       errno == ENOSYS ? "ENOSYS" : strerror(errno));
	else
		printf("%s = %ld\n", name, rc);
}

static long get(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long set(int mode, unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

int main(void)
{
	int mode = -1;
	unsigned long mask[2] = { ~0UL, ~0UL };
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	show("get default", get(&mode, mask, 128, NULL, 0));
	printf("mode %d mask %lx %lx\n", mode, mask[0], mask[1]);
	show("get allowed", get(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED));
	printf("mode %d mask %lx\n", mode, mask[0]);
	show("get node of page", get(&mode, NULL, 0, page, MPOL_F_NODE | MPOL_F_ADDR));
	printf("node %d\n", mode);
	show("get unmapped addr", get(&mode, NULL, 0, (void *)0x1000, MPOL_F_ADDR));
	show("get addr without F_ADDR", get(&mode, NULL, 0, page, 0));
	show("get bad flags", get(&mode, NULL, 0, NULL, 8));
	show("get allowed with F_NODE", get(&mode, NULL, 0, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE));
	show("get maxnode 0 with mask", get(&mode, mask, 0, NULL, 0));
	show("get bad mode pointer", get((int *)8, NULL, 0, NULL, 0));

	unsigned long node0 = 1, node1 = 2, none = 0;
	show("set bind node 0", set(MPOL_BIND, &node0, 64));
	show("get after bind", get(&mode, mask, 64, NULL, 0));
	printf("mode %d mask %lx\n", mode, mask[0]);
	show("set bind node 1", set(MPOL_BIND, &node1, 64));
	show("set bind empty", set(MPOL_BIND, &none, 64));
	show("set preferred empty", set(MPOL_PREFERRED, NULL, 0));
	show("get after preferred empty", get(&mode, NULL, 0, NULL, 0));
	printf("mode %d\n", mode);
	show("set default with nodes", set(MPOL_DEFAULT, &node0, 64));
	show("set static and relative", set(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, &node0, 64));
	show("set mode 99", set(99, NULL, 0));
	show("set default", set(MPOL_DEFAULT, NULL, 0));
	show("get after default", get(&mode, NULL, 0, NULL, 0));
	printf("mode %d\n", mode);
	return 0;
}
