/* The serial console: output for printk and the shell, and a ring buffer of received input. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "lib/compiler.h"

/* Write len bytes, turning "\n" into "\r\n". Takes the console lock (IRQ-safe). */
void console_write(const char *s, size_t len);
/* Called from the UART interrupt for each received byte; drops it if the buffer is full. */
void console_input(char c);
/* Next received byte, sleeping until one arrives (tasks only: needs the scheduler). */
char console_getc(void);
/* The same, or -ERESTARTSYS when the calling task has a signal to take. */
int console_getc_interruptible(void);
/* Next received byte or -1 if none is buffered. */
int console_trygetc(void);
/* Whether a byte is buffered; whether a whole line is (a CR, LF or Ctrl-D among them). */
bool console_has_input(void);
bool console_has_line(void);

#endif
