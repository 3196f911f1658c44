#include "arch-x86_64/idt.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/trap.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;        /* present | DPL << 5 | 0xe (64-bit interrupt gate) */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

/* Interrupt gates clear IF on entry: handlers run with interrupts off. DPL 0 makes an
 * `int N` from ring 3 a #GP, except for the breakpoint (int3), which user code may use. */
#define GATE_KERNEL 0x8e
#define GATE_USER   0xee

static struct idt_gate idt[256] __aligned(16);
extern const uint64_t isr_stub_table[256]; /* isr.asm */

static void set_gate(int vector, uint8_t type, int ist)
{
	uint64_t addr = isr_stub_table[vector];
	idt[vector] = (struct idt_gate){
		.offset_lo = addr & 0xffff,
		.selector = KERNEL_CS,
		.ist = ist,
		.type = type,
		.offset_mid = (addr >> 16) & 0xffff,
		.offset_hi = addr >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, GATE_KERNEL, 0);
	set_gate(T_BREAKPOINT, GATE_USER, 0);
	/* These two must work on a broken kernel stack (#DF from a stack overflow) or at any
	 * instruction boundary (NMI), so they get stacks of their own. */
	set_gate(T_DOUBLE_FAULT, GATE_KERNEL, IST_DOUBLE_FAULT);
	set_gate(T_NMI, GATE_KERNEL, IST_NMI);
}

void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __packed ptr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ __volatile__("lidt %0" :: "m"(ptr));
}
