#include "arch-x86_64/pic.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/cpu.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11  /* edge triggered, cascaded, ICW4 follows */
#define ICW4_8086      0x01
#define OCW2_EOI       0x20

/* A line that drops before the CPU acknowledges it makes a PIC deliver its lowest-priority
 * vector (IRQ 7, or 15 on the slave) with nothing in service: no EOI for it, except that
 * the master did see the slave's cascade line (IRQ 2) and needs its own EOI. */
static void spurious_slave(int vector, void *ctx)
{
	outb(PIC1_CMD, OCW2_EOI);
}

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, IRQ_VECTOR_PIC_BASE);     /* ICW2: vector base */
	outb(PIC2_DATA, IRQ_VECTOR_PIC_BASE + 8);
	outb(PIC1_DATA, 1 << 2);                  /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 2);                       /*       slave identity */
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);                    /* OCW1: mask all */
	outb(PIC2_DATA, 0xff);
	irq_register(IRQ_VECTOR_PIC_BASE + 7, irq_spurious, NULL, "pic-spurious");
	irq_register(IRQ_VECTOR_PIC_BASE + 15, spurious_slave, NULL, "pic-spurious");
}
