/* Pipes: a 4 KiB ring between a read end and a write end. */
#ifndef PIPE_H
#define PIPE_H

#include "fs/file.h"

/* Make a pipe: two new files (read end, write end) with the given O_NONBLOCK flag.
 * 0 or -ENOMEM. */
int pipe_create(struct file **rd, struct file **wr, uint32_t flags);

#endif
