/* 16550 UART on COM1: polled transmit, interrupt-driven receive. */
#ifndef ARCH_UART_H
#define ARCH_UART_H

#include "lib/compiler.h"

#define COM1_PORT 0x3f8
#define COM1_IRQ  4  /* ISA IRQ line */

/* Program 115200 8N1 without disturbing bytes already received (typed-ahead input). */
void uart_init(void);
/* Transmit one byte, waiting for the holding register to empty. Caller serializes. */
void uart_putc(char c);
/* Turn on the receive interrupt; received bytes go to console_input(). */
void uart_enable_rx_irq(void);
/* Drain the receive buffer into console_input(): the IRQ handler, callable with IRQs off. */
void uart_rx_poll(void);

#endif
