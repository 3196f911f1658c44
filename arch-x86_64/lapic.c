#include "arch-x86_64/lapic.h"
#include "arch-x86_64/acpi.h"
#include "arch-x86_64/irq.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/cpu.h"
#include "mm/ioremap.h"
#include "mm/memlayout.h"
#include "kernel/printk.h"

/* Register offsets (each a 32-bit register on a 16-byte boundary). */
enum {
	LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0, LAPIC_SVR = 0xf0,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370, LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0, LAPIC_ICR_LOW = 0x300, LAPIC_ICR_HIGH = 0x310,
};
#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_NMI           (4u << 8)  /* delivery mode */
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIV_16      0x3
#define APIC_BASE_ENABLE  (1UL << 11)
#define ICR_DEST_SELF     (1u << 18) /* destination shorthand 01; fixed delivery, edge */
#define ICR_NMI           (4u << 8)  /* delivery modes */
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define ICR_LEVEL_ASSERT  (1u << 14)
#define ICR_LEVEL_TRIGGER (1u << 15)
#define ICR_PENDING       (1u << 12) /* delivery status: not yet accepted */

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

/* Send icr_low to the LAPIC with id apic_id and wait until it is accepted. */
static void send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	wr(LAPIC_ICR_HIGH, apic_id << 24);
	wr(LAPIC_ICR_LOW, icr_low);
	while (rd(LAPIC_ICR_LOW) & ICR_PENDING)
		cpu_relax();
}

void lapic_send_ipi(uint32_t apic_id, int vector)
{
	send_ipi(apic_id, (uint32_t)vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_NMI);
}

void lapic_send_init(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_INIT | ICR_LEVEL_ASSERT | ICR_LEVEL_TRIGGER);
}

void lapic_send_startup(uint32_t apic_id, uint64_t entry_phys)
{
	BUG_ON(entry_phys & 0xfff || entry_phys >= 0x100000);
	send_ipi(apic_id, ICR_STARTUP | (uint32_t)(entry_phys >> 12));
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
