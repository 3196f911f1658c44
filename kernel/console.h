/* The serial console: output for printk and the shell, and a ring buffer of received input. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "compiler.h"

/* Write len bytes, turning "\n" into "\r\n". Takes the console lock (IRQ-safe). */
void console_write(const char *s, size_t len);
/* Called from the UART interrupt for each received byte; drops it if the buffer is full. */
void console_input(char c);
/* Next received byte, sleeping (hlt) until one arrives. */
char console_getc(void);
/* Next received byte or -1 if none is buffered. */
int console_trygetc(void);

#endif
