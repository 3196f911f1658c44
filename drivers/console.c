/* Console output is polled (simple and usable from a panic); input arrives by interrupt into
 * a ring buffer so nothing typed while the kernel is busy is lost. */
#include "drivers/console.h"
#include "kernel/printk.h"
#include "kernel/signal.h"
#include "arch-x86_64/spinlock.h"
#include "drivers/uart.h"
#include "kernel/wait.h"
#include "kernel/sched.h"
#include "drivers/tty.h"
#include "lib/errno.h"
#include "fs/poll.h"

static spinlock_t out_lock = SPINLOCK_INIT("console-out");

/* Input ring: written by the UART interrupt, read by the shell; guarded by in_lock. */
#define INPUT_SIZE 4096
static spinlock_t in_lock = SPINLOCK_INIT("console-in");
static char input[INPUT_SIZE];
static unsigned in_head, in_tail; /* head: next write; tail: next read */
static struct wait_queue input_wait = WAIT_QUEUE_INIT(input_wait);

/* Straight to the UART: under out_lock, or alone in a panic. */
static void uart_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}

void console_write(const char *s, size_t len)
{
	if (panic_on_this_cpu()) { /* the other CPUs are stopped, maybe holding the lock */
		uart_write(s, len);
		return;
	}
	uint64_t f = spin_lock_irqsave(&out_lock);
	uart_write(s, len);
	spin_unlock_irqrestore(&out_lock, f);
}

void console_input(char c)
{
	if (tty_intercept(c))
		return;
	uint64_t f = spin_lock_irqsave(&in_lock);
	if (in_head - in_tail < INPUT_SIZE)
		input[in_head++ % INPUT_SIZE] = c;
	spin_unlock_irqrestore(&in_lock, f);
	wake_up_all(&input_wait);
	poll_notify();
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

bool console_has_input(void)
{
	return READ_ONCE(in_head) != READ_ONCE(in_tail);
}

bool console_has_line(void)
{
	bool found = false;
	uint64_t f = spin_lock_irqsave(&in_lock);
	for (unsigned i = in_tail; i != in_head && !found; i++) {
		char c = input[i % INPUT_SIZE];
		found = c == '\r' || c == '\n' || c == 0x04;
	}
	spin_unlock_irqrestore(&in_lock, f);
	return found;
}

int console_getc_interruptible(void)
{
	int c;
	int rc = wait_event_interruptible(input_wait, (c = console_trygetc()) >= 0);
	return rc ? rc : c;
}

char console_getc(void)
{
	int c;
	while ((c = console_getc_interruptible()) < 0)
		; /* only a user task takes signals; kernel threads never get here */
	return (char)c;
}
