/* Declarations of every sys_* routine in syscall_list.h. They are declared without a
 * prototype: each is defined with its own argument types (all integer or pointer class,
 * passed in registers), and the dispatcher calls them through syscall_fn. */
#ifndef SYSCALL_TABLE_H
#define SYSCALL_TABLE_H

#define SYSCALL(nr, name) long sys_##name();
#include "kernel/syscall_list.h"
#undef SYSCALL

#endif
