#include "arch-x86_64/lapic.h"
#include "arch-x86_64/acpi.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/cpu.h"
#include "mm/ioremap.h"
#include "mm/memlayout.h"

/* Register offsets (each a 32-bit register on a 16-byte boundary). */
enum {
	LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0, LAPIC_SVR = 0xf0,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370, LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0, LAPIC_ICR_LOW = 0x300,
};
#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_NMI           (4u << 8)  /* delivery mode */
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIV_16      0x3
#define APIC_BASE_ENABLE  (1UL << 11)
#define ICR_DEST_SELF     (1u << 18) /* destination shorthand 01; fixed delivery, edge */

_Static_assert(LAPIC_TIMER_DIVIDE == 16, "TIMER_DIV_16 programs the divider");

/* Same virtual address on every CPU; written once by the boot CPU. */
static volatile uint32_t *regs;

static uint32_t rd(unsigned reg) { return regs[reg / 4]; }
static void wr(unsigned reg, uint32_t v) { regs[reg / 4] = v; }

void lapic_init(void)
{
	if (!regs) {
		regs = ioremap(acpi_madt.lapic_phys, PAGE_SIZE);
		irq_register(IRQ_VECTOR_SPURIOUS, irq_spurious, NULL, "lapic-spurious");
	}
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	wr(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	wr(LAPIC_TPR, 0);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	wr(LAPIC_LVT_LINT1, LVT_NMI);
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_eoi(); /* drop anything the firmware left in service */
	this_cpu()->lapic_id = lapic_id();
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

void lapic_self_ipi(int vector)
{
	wr(LAPIC_ICR_LOW, ICR_DEST_SELF | (uint32_t)vector);
}

void lapic_timer_oneshot(uint32_t count)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_count(void)
{
	return rd(LAPIC_TIMER_CUR);
}

void lapic_timer_periodic(int vector, uint32_t count)
{
	wr(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | vector);
	wr(LAPIC_TIMER_INIT, count);
}
