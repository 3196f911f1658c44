/* The out-of-memory killer (mm/oom.c). */
#ifndef MM_OOM_H
#define MM_OOM_H

#include "lib/compiler.h"

/* No frame is left for a user page: kill the user task whose death frees the most (the
 * pages only it maps), saying so in one line, and wait (up to a second) until its memory is
 * back, unless it is the caller, which then dies on its way back to user mode. While an
 * earlier victim's memory is not back, nobody is killed: the call waits for it instead.
 * true if the caller may try again, false if there was nobody to kill. One caller at a
 * time (a mutex). Sleeps: call without locks. */
bool out_of_memory(void);
/* The teardown of mm has freed its pages: if it was the OOM killer's last victim, the
 * killer may choose again. Any context; lock-free. */
struct mm;
void oom_mm_torn_down(struct mm *mm);

#endif
