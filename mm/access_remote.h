/* Forced access to an address space, as a debugger makes it (Linux's FOLL_FORCE access
 * through /proc/PID/mem or ptrace): reads see every mapped page whatever its protection,
 * and writes land in read-only and PROT_NONE private mappings by breaking copy-on-write,
 * so a shared page (KSM, the zero page, a page shared since fork) is never changed under
 * its other users. */
#ifndef MM_ACCESS_REMOTE_H
#define MM_ACCESS_REMOTE_H

#include "lib/compiler.h"

struct mm;

/* Copy len bytes between the kernel buffer buf and mm's memory at addr (write: into mm),
 * page by page. A page not present is faulted in first (demand zero, file data, swap-in);
 * a forced write gives the target its own copy of a page it shares and writes a page it
 * owns alone in place. Stops at the first page it cannot reach: no VMA there, a write to
 * a shared mapping without write permission (Linux refuses those), out of memory, a swap
 * read error. Returns the bytes moved (0 when the first page failed). The caller holds a
 * user of mm (mm_get/mm_tryget). Takes mm->lock: may sleep. */
size_t access_remote_vm(struct mm *mm, uint64_t addr, void *buf, size_t len, bool write);

#endif
