/* COM1 16550 driver. The receive path only moves bytes into the console's ring buffer;
 * line discipline lives in drivers/console.c and the shell. */
#include "drivers/uart.h"
#include "arch-x86_64/cpu.h"
#include "drivers/console.h"

enum {
	UART_DATA = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
	UART_DLL = 0, UART_DLM = 1,
};
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LCR_DLAB       0x80
#define LCR_8N1        0x03
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the interrupt line on real boards */
#define IIR_FIFO_ON    0xc0

void uart_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DLL, 1); /* 115200 baud */
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	/* Switching the FIFO on or off clears it and would lose typed-ahead bytes, so the FIFO
	 * mode the firmware left is kept: only re-arm it (no clear bits) if it is on. */
	if ((inb(COM1_PORT + UART_IIR_FCR) & IIR_FIFO_ON) == IIR_FIFO_ON)
		outb(COM1_PORT + UART_IIR_FCR, 0x01);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
}

void uart_putc(char c)
{
	while (!(inb(COM1_PORT + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1_PORT + UART_DATA, (uint8_t)c);
}

void uart_rx_poll(void)
{
	while (inb(COM1_PORT + UART_LSR) & LSR_DATA_READY)
		console_input((char)inb(COM1_PORT + UART_DATA));
}

void uart_enable_rx_irq(void)
{
	outb(COM1_PORT + UART_IER, 0x01); /* received data available */
	uart_rx_poll(); /* a byte that arrived before the interrupt was on raises none */
}
