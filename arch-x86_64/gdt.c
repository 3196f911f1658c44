#include "arch-x86_64/gdt.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/vdso/vdso_data.h"

enum { GDT_NULL, GDT_KCODE, GDT_KDATA, GDT_UCODE32, GDT_UDATA, GDT_UCODE, GDT_TSS_LO,
       GDT_TSS_HI, GDT_CPUNODE, GDT_ENTRIES };
_Static_assert(GDT_CPUNODE * 8 + 3 == CPUNODE_SEL, "vdso_data.h's CPUNODE_SEL");

/* Access byte 0x9a/0x92: present, ring 0, code/data; 0xfa/0xf2 the same at ring 3.
 * Flags nibble 0xa: 4 KiB granularity + long mode (code); 0xc: granularity + 32-bit (data). */
#define SEG(access, flags) (((uint64_t)(flags) << 52) | ((uint64_t)(access) << 40) | 0x000f00000000ffffUL)

#define IST_STACK_SIZE 8192

/* Each CPU has its own GDT because the TSS descriptor (with its busy bit) is per CPU. */
struct cpu_segments {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
	uint8_t df_stack[IST_STACK_SIZE] __aligned(16);
	uint8_t nmi_stack[IST_STACK_SIZE] __aligned(16);
};
static struct cpu_segments segments[MAX_CPUS];

static void set_tss_descriptor(uint64_t *gdt, struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
	gdt[GDT_TSS_LO] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			  (0x89UL << 40) /* present, available 64-bit TSS */ |
			  ((base >> 24 & 0xff) << 56);
	gdt[GDT_TSS_HI] = base >> 32;
}

static void load_gdt(uint64_t *gdt)
{
	struct { uint16_t limit; uint64_t base; } __packed ptr = { GDT_ENTRIES * 8 - 1, (uint64_t)gdt };
	__asm__ __volatile__("lgdt %0" :: "m"(ptr));
	/* CS can only be reloaded by a far transfer: return to the next instruction. */
	__asm__ __volatile__(
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w[ds], %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss"
		:: [cs] "i"(KERNEL_CS), [ds] "i"(KERNEL_DS) : "rax", "memory");
	__asm__ __volatile__("ltr %w0" :: "r"(TSS_SEL));
}

void gdt_init(void)
{
	struct cpu *c = this_cpu();
	struct cpu_segments *s = &segments[c->id];

	s->gdt[GDT_NULL] = 0;
	s->gdt[GDT_KCODE] = SEG(0x9a, 0xa);
	s->gdt[GDT_KDATA] = SEG(0x92, 0xc);
	s->gdt[GDT_UCODE32] = 0;
	s->gdt[GDT_UDATA] = SEG(0xf2, 0xc);
	s->gdt[GDT_UCODE] = SEG(0xfa, 0xa);
	/* present, ring 3, read-only data (0xf5), 32-bit (0x4): the limit is the CPU (node 0) */
	s->gdt[GDT_CPUNODE] = ((uint64_t)0x4 << 52) | ((uint64_t)0xf5 << 40) | (c->id & 0xfff);
	s->tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)(s->df_stack + IST_STACK_SIZE);
	s->tss.ist[IST_NMI - 1] = (uint64_t)(s->nmi_stack + IST_STACK_SIZE);
	s->tss.iomap_base = sizeof(struct tss);
	set_tss_descriptor(s->gdt, &s->tss);
	c->tss = &s->tss;
	load_gdt(s->gdt);
}

void tss_set_rsp0(uint64_t rsp0)
{
	this_cpu()->tss->rsp[0] = rsp0;
}
