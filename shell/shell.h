/* The serial-console shell: a kernel thread (pid 1) that reads lines from COM1, runs the
 * built-in commands and starts programs; it also adopts and reaps orphaned programs. */
#ifndef SHELL_H
#define SHELL_H

#include "lib/compiler.h"

/* Boot, once, after the file tree is up: create the shell thread (pid 1, the reaper of
 * orphans). It waits for shell_boot_done() before it prints the prompt. */
void shell_start(void);
/* The last step of boot: the shell may begin. */
void shell_boot_done(void);

#endif
