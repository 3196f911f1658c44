/* The console as a file for user tasks (/dev/console, and their fds 0-2): canonical-mode
 * line input with echo, output straight to the serial line, Ctrl-C ending the foreground
 * task. */
#ifndef TTY_H
#define TTY_H

#include "fs/vfs.h"

struct task;

extern const struct vnode_ops tty_vnode_ops;

/* Create /dev/console (and /dev/null). After vfs_init. */
void tty_init(void);
/* The /dev/console vnode, to open the standard descriptors of a new task. */
struct vnode *tty_console(void);
/* The task that Ctrl-C interrupts with its descendants (NULL: Ctrl-C is just a character
 * for the shell, and the terminal returns to its default mode). */
void tty_set_foreground(struct task *t);
/* Ctrl-C for the kernel's shell while it runs a built-in command (no foreground task):
 * between tty_catch_interrupt(true) and (false) a Ctrl-C is recorded instead of being
 * queued as input. Both calls forget an earlier one, so a Ctrl-C typed at the prompt
 * never ends the next command. */
void tty_catch_interrupt(bool on);
/* Whether a Ctrl-C was caught since catching began. */
bool tty_interrupted(void);
/* Sleep up to ms milliseconds, less if a Ctrl-C is caught: whether one was. */
bool tty_wait_interrupt(uint64_t ms);
/* Called from the console input path for each received byte: true if the tty consumed it
 * (Ctrl-C with a foreground task, or caught for the shell). */
bool tty_intercept(char c);
/* Is f the console? (ioctl TIOCGWINSZ / TCGETS) */
bool tty_is_console(const struct vnode *vn);

#endif
