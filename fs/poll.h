/* poll(2) and ppoll(2) over the files' readiness (vnode_ops.poll). One wait queue serves
 * every pollable file: whatever may make a file ready (pipe reads and writes, console
 * input) calls poll_notify(), and the waiters look again. */
#ifndef POLL_H
#define POLL_H

#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020

/* Something became readable or writable. Any context. */
void poll_notify(void);

#endif
