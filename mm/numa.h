/* NUMA as Linux presents a machine with one memory node (node 0 holds all RAM and every
 * CPU): the memory-policy query and /sys/devices/system/node, so that libnuma and the
 * programs built on it see a one-node machine rather than a kernel without NUMA. */
#ifndef NUMA_H
#define NUMA_H

/* Boot, after vfs_init: /sys/devices/system/node/{possible,online,has_memory,
 * has_normal_memory,has_cpu} and node0/{cpulist,meminfo}. Panics when out of memory. */
void numa_init(void);

#endif
