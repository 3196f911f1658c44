/* One NUMA node. set_mempolicy (238) checks its arguments as Linux does and records the
 * task's policy (inherited by fork), which get_mempolicy (239) reports; with one node no
 * policy changes where memory comes from. get_mempolicy gives node 0 for any page and {0}
 * for the nodes a task may use. mbind (per-range policies) is not implemented: -ENOSYS. */
#include "mm/numa.h"
#include "kernel/syscall_table.h"
#include "fs/sysfs.h"
#include "mm/addrspace.h"
#include "mm/mm.h"
#include "kernel/task.h"
#include "lib/errno.h"
#include "lib/string.h"

/* Policies and flags (linux/mempolicy.h) */
enum { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL,
       MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE, MPOL_MAX };
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_STATIC_NODES   (1 << 15)
#define MPOL_MODE_FLAGS (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING)
#define MPOL_F_NODE         (1 << 0)
#define MPOL_F_ADDR         (1 << 1)
#define MPOL_F_MEMS_ALLOWED (1 << 2)

#define NR_NODE_IDS 1
#define MAX_NUMNODES 1024 /* Debian's CONFIG_NODES_SHIFT: mask bits a caller may pass */

/* Linux's get_nodes: read the caller's mask of maxnode - 1 bits; bits at or past
 * MAX_NUMNODES must be clear. *has_node0: bit 0 is set (no other node exists). */
static long get_nodes(const uint64_t *umask, uint64_t maxnode, bool *has_node0, bool *empty)
{
	*has_node0 = false;
	*empty = true;
	if (!umask || maxnode-- == 0)
		return 0;
	if (maxnode > PAGE_SIZE * 8)
		return -EINVAL;
	for (uint64_t bit = 0; bit < maxnode; bit += 64) {
		uint64_t w;
		if (copy_from_user(&w, umask + bit / 64, sizeof(w)))
			return -EFAULT;
		if (maxnode - bit < 64)
			w &= (1ULL << (maxnode - bit)) - 1;
		if (bit >= MAX_NUMNODES && w)
			return -EINVAL;
		*has_node0 |= bit == 0 && (w & 1);
		*empty &= !w;
	}
	return 0;
}

/* Linux's sanitize_mpol_flags, mpol_new and mpol_set_nodemask for one node: the policy to
 * record, or -EINVAL. */
static long mempolicy_from(int arg, bool has_node0, bool empty)
{
	int flags = arg & MPOL_MODE_FLAGS, mode = arg & ~MPOL_MODE_FLAGS;
	if (mode < 0 || mode >= MPOL_MAX)
		return -EINVAL;
	if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((flags & MPOL_F_NUMA_BALANCING) && mode != MPOL_BIND && mode != MPOL_PREFERRED_MANY)
		return -EINVAL;
	if (mode == MPOL_DEFAULT)
		return empty ? MPOL_DEFAULT : -EINVAL;
	if (empty) {
		if (mode == MPOL_PREFERRED && !(flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)))
			return MPOL_LOCAL;
		return mode == MPOL_LOCAL ? MPOL_LOCAL : -EINVAL;
	}
	if (mode == MPOL_LOCAL)
		return -EINVAL;
	/* relative masks are folded onto the allowed nodes: never empty; others must name 0 */
	if (!has_node0 && !(flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	return mode | flags;
}

long sys_set_mempolicy(int mode, const uint64_t *umask, uint64_t maxnode)
{
	bool has_node0, empty;
	long rc = get_nodes(umask, maxnode, &has_node0, &empty);
	if (rc == 0)
		rc = mempolicy_from(mode, has_node0, empty);
	if (rc < 0)
		return rc;
	current()->mempolicy = rc;
	return 0;
}

/* Linux's copy_nodes_to_user: the mask is written as whole longs covering maxnode - 1
 * bits, the bits beyond the machine's nodes cleared; more than a page of them is refused. */
static long copy_nodes_to_user(uint64_t *umask, uint64_t maxnode, uint64_t nodes)
{
	uint64_t words = ALIGN_UP(maxnode - 1, 64) / 64;
	if (words * 8 > PAGE_SIZE)
		return -EINVAL;
	for (uint64_t i = 0; i < words; i++) {
		uint64_t w = i ? 0 : nodes;
		if (copy_to_user(umask + i, &w, sizeof(w)))
			return -EFAULT;
	}
	return 0;
}

long sys_get_mempolicy(int *upolicy, uint64_t *umask, uint64_t maxnode, uint64_t addr,
		       uint64_t flags)
{
	if (umask && maxnode < NR_NODE_IDS)
		return -EINVAL;
	if (flags & ~(uint64_t)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	int policy = current()->mempolicy;
	uint64_t nodes = policy == MPOL_DEFAULT || policy == MPOL_LOCAL ? 0 : 1;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		policy = 0;
		nodes = 1; /* node 0 */
	} else if (flags & MPOL_F_ADDR) {
		struct mm *mm = current()->mm;
		mutex_lock(&mm->lock);
		bool mapped = vma_find(&mm->vmas, addr) != NULL;
		mutex_unlock(&mm->lock);
		if (!mapped)
			return -EFAULT;
		/* no range has a policy of its own (no mbind): the default's, or with
		 * MPOL_F_NODE the node of the page at addr */
		policy = MPOL_DEFAULT;
		nodes = 0;
	} else if (addr) {
		return -EINVAL;
	} else if (flags & MPOL_F_NODE) {
		/* the next node an interleave policy will use */
		if ((policy & ~MPOL_MODE_FLAGS) != MPOL_INTERLEAVE &&
		    (policy & ~MPOL_MODE_FLAGS) != MPOL_WEIGHTED_INTERLEAVE)
			return -EINVAL;
		policy = 0;
	}
	if (upolicy && copy_to_user(upolicy, &policy, sizeof(policy)))
		return -EFAULT;
	return umask ? copy_nodes_to_user(umask, maxnode, nodes) : 0;
}

static int show_node0(struct seqbuf *s, struct vnode *vn)
{
	seq_printf(s, "0\n");
	return 0;
}

static int show_meminfo(struct seqbuf *s, struct vnode *vn)
{
	struct mm_meminfo mi;
	mm_get_meminfo(&mi);
	seq_printf(s, "Node 0 MemTotal:       %8lu kB\n", mi.total_kb);
	seq_printf(s, "Node 0 MemFree:        %8lu kB\n", mi.free_kb);
	seq_printf(s, "Node 0 MemUsed:        %8lu kB\n", mi.total_kb - mi.free_kb);
	return 0;
}

void numa_init(void)
{
	static const struct pseudo_ops node0_ops = { .show = show_node0 };
	static const struct pseudo_ops meminfo_ops = { .show = show_meminfo };
	static const char *const node_lists[] = {
		"possible", "online", "has_memory", "has_normal_memory", "has_cpu",
	};
	struct vnode *dir = sysfs_dir("/sys/devices/system/node");
	for (size_t i = 0; i < ARRAY_SIZE(node_lists); i++)
		sysfs_file(dir, node_lists[i], &node0_ops);
	struct vnode *node0 = sysfs_dir("/sys/devices/system/node/node0");
	sysfs_file(node0, "cpulist", &node0_ops);
	sysfs_file(node0, "meminfo", &meminfo_ops);
}
