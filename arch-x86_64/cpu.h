/* Thin wrappers over x86-64 instructions: port I/O, control registers, MSRs, TSC, interrupts. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "lib/compiler.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ __volatile__("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ __volatile__("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ __volatile__("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ __volatile__("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ __volatile__("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ __volatile__("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ __volatile__("mov %0, %%cr4" :: "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void invlpg(uint64_t va) { __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
/* Enable interrupts and halt in one step: the one-instruction sti shadow means a wake-up
 * interrupt cannot slip in between the check the caller made and the hlt. */
static inline void irq_enable_and_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}
#define RFLAGS_CF (1UL << 0)  /* the arithmetic flags: carry, */
#define RFLAGS_PF (1UL << 2)  /* parity, */
#define RFLAGS_AF (1UL << 4)  /* adjust, */
#define RFLAGS_ZF (1UL << 6)  /* zero, */
#define RFLAGS_SF (1UL << 7)  /* sign */
#define RFLAGS_OF (1UL << 11) /* and overflow */
#define RFLAGS_RF (1UL << 16) /* resume: no debug fault on the next instruction */
#define RFLAGS_TF (1UL << 8)  /* single-step */
#define RFLAGS_IF (1UL << 9)  /* interrupts enabled */
#define RFLAGS_DF (1UL << 10) /* string operations go down */
#define RFLAGS_IOPL (3UL << 12) /* I/O privilege level */
#define RFLAGS_NT (1UL << 14) /* nested task */
#define RFLAGS_AC (1UL << 18) /* alignment check (ring 3) */

static inline bool irqs_enabled(void) { return read_rflags() & RFLAGS_IF; }

/* Save the interrupt flag and disable interrupts; irq_restore() puts it back. */
static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	irq_disable();
	return f;
}
static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}

#define MSR_EFER        0xC0000080
#define MSR_STAR        0xC0000081
#define MSR_LSTAR       0xC0000082
#define MSR_SFMASK      0xC0000084
#define MSR_FS_BASE     0xC0000100
#define MSR_GS_BASE     0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_APIC_BASE   0x1B
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)

#define CR0_WP (1UL << 16)

/* Stop this CPU for good (interrupts off). */
static inline __noreturn void cpu_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

#endif
