/* /proc/cpuinfo from CPUID, in Linux's layout: one block per CPU online (all alike but
 * their numbers: QEMU's CPUs are one model). */
#include "arch-x86_64/cpuinfo.h"
#include "arch-x86_64/cpu.h"
#include "kernel/clock.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/smp_call.h"
#include "lib/string.h"

/* CPUID.1 EDX and ECX feature bits, by Linux's names. */
static const char *const edx_flags[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep", "mtrr",
	"pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi", "mmx", "fxsr",
	"sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
};
static const char *const ecx_flags[32] = {
	"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3",
	"cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca", "sse4_1", "sse4_2",
	"x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", NULL, "avx", "f16c",
	"rdrand", "hypervisor",
};

void cpuinfo_render(struct seqbuf *s)
{
	uint32_t a, b, c, d;
	char vendor[13], brand[49];
	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	strlcpy(brand, "unknown", sizeof(brand));
	if (a >= 0x80000004) {
		uint32_t *w = (uint32_t *)brand;
		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4], &w[leaf * 4 + 1], &w[leaf * 4 + 2], &w[leaf * 4 + 3]);
		brand[48] = 0;
	}
	uint32_t edx, ecx;
	cpuid(1, 0, &a, &b, &ecx, &edx);
	unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		model += ((a >> 16) & 0xf) << 4;
	unsigned stepping = a & 0xf;
	uint64_t khz = clock_tsc_hz() / 1000;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	unsigned phys = 36, virt = 48;
	if (a >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		phys = a & 0xff;
		virt = (a >> 8) & 0xff;
	}
	unsigned online = smp_nr_online();
	for (int id = 0; id < MAX_CPUS; id++) {
		if (!cpus[id].online)
			continue;
		seq_printf(s, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			      "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n"
			      "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %d\ncpu cores\t: %u\n"
			      "apicid\t\t: %u\ninitial apicid\t: %u\nfpu\t\t: yes\nflags\t\t:",
			   id, vendor, family, model, brand, stepping, khz / 1000, khz % 1000, online, id,
			   online, cpus[id].lapic_id, cpus[id].lapic_id);
		for (int i = 0; i < 32; i++)
			if ((edx & (1u << i)) && edx_flags[i])
				seq_printf(s, " %s", edx_flags[i]);
		for (int i = 0; i < 32; i++)
			if ((ecx & (1u << i)) && ecx_flags[i])
				seq_printf(s, " %s", ecx_flags[i]);
		seq_printf(s, "\nbogomips\t: %lu.%02lu\naddress sizes\t: %u bits physical, %u bits virtual\n\n",
			   khz * 2 / 1000, khz * 2 / 10 % 100, phys, virt);
	}
}
