#include "arch-x86_64/pit.h"
#include "arch-x86_64/cpu.h"

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61   /* system control port B */
#define PORTB_GATE2 0x01   /* channel 2 gate */
#define PORTB_SPKR  0x02   /* channel 2 output to the speaker */
#define PORTB_OUT2  0x20   /* channel 2 output, read-only */
#define CMD_CH2_LOHI_MODE0 0xb0 /* channel 2, low then high byte, mode 0, binary */

/* Mode 0 ("interrupt on terminal count"): OUT2 goes low when the mode is written and high
 * when the count, loaded with the high byte, reaches zero. */
void pit_oneshot_start(uint16_t ticks)
{
	outb(PORT_B, (inb(PORT_B) & ~PORTB_SPKR) | PORTB_GATE2);
	outb(PIT_CMD, CMD_CH2_LOHI_MODE0);
	outb(PIT_CH2, ticks & 0xff);
	outb(PIT_CH2, ticks >> 8);
}

bool pit_oneshot_done(void)
{
	return inb(PORT_B) & PORTB_OUT2;
}
