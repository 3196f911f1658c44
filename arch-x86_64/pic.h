/* The legacy 8259A interrupt controllers, replaced by the IOAPIC. */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

/* Remap both PICs to vectors 0x20-0x2f (off the exception range, in case one still fires),
 * mask every line, and ignore their spurious IRQ 7/15. Once, on the boot CPU. */
void pic_disable(void);

#endif
