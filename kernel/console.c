/* Console output is polled (simple and usable from a panic); input arrives by interrupt into
 * a ring buffer so nothing typed while the kernel is busy is lost. */
#include "console.h"
#include "spinlock.h"
#include "uart.h"

static spinlock_t out_lock = SPINLOCK_INIT("console-out");

/* Input ring: written by the UART interrupt, read by the shell; guarded by in_lock. */
#define INPUT_SIZE 4096
static spinlock_t in_lock = SPINLOCK_INIT("console-in");
static char input[INPUT_SIZE];
static unsigned in_head, in_tail; /* head: next write; tail: next read */

void console_write(const char *s, size_t len)
{
	uint64_t f = spin_lock_irqsave(&out_lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	spin_unlock_irqrestore(&out_lock, f);
}

void console_input(char c)
{
	uint64_t f = spin_lock_irqsave(&in_lock);
	if (in_head - in_tail < INPUT_SIZE)
		input[in_head++ % INPUT_SIZE] = c;
	spin_unlock_irqrestore(&in_lock, f);
}

int console_trygetc(void)
{
	int c = -1;
	uint64_t f = spin_lock_irqsave(&in_lock);
	if (in_tail != in_head)
		c = (unsigned char)input[in_tail++ % INPUT_SIZE];
	spin_unlock_irqrestore(&in_lock, f);
	return c;
}

char console_getc(void)
{
	for (;;) {
		irq_disable();
		int c = console_trygetc();
		if (c >= 0) {
			irq_enable();
			return (char)c;
		}
		irq_enable_and_halt();
	}
}
