/* The out-of-memory killer (mm/oom.c). */
#ifndef MM_OOM_H
#define MM_OOM_H

#include "lib/compiler.h"

/* No frame is left for a user page: kill the user task with the largest resident set
 * plus swap, saying so in one line (or, if one killed so is still dying, pick it again),
 * and wait (up to a second or two) until its memory is back, unless it is the caller,
 * which then dies on its way back to user mode. true if a task was chosen (the caller
 * may try again), false if there was none. One caller at a time (a mutex). Sleeps: call
 * without locks. */
bool out_of_memory(void);

#endif
