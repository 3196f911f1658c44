/* Process file descriptors (pidfd_open, pidfd_send_signal; waitid's P_PIDFD): a descriptor
 * that names one process for good, even after its pid is reused. */
#ifndef PIDFD_H
#define PIDFD_H

#include "lib/compiler.h"

/* The pid of the process that the caller's descriptor fd refers to, and whether the pidfd
 * was opened non-blocking: the pid (> 0); 0 if that process has been reaped; -EBADF if
 * fd is not an open pidfd. */
int pidfd_pid(int fd, bool *nonblocking);

#endif
