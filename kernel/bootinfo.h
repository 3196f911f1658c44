/* One boot-information structure, whichever loader started the kernel (multiboot2 or PVH). */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include "lib/compiler.h"

#define BOOT_LOADER_MULTIBOOT2 0x36d76289u
#define BOOT_LOADER_PVH        0x336ec578u

/* Memory-map region types, the E820 / multiboot2 numbering. */
enum boot_mem_type {
	BOOT_MEM_USABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BAD = 5,
};

struct boot_region {
	uint64_t base, len;
	uint32_t type;
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char name[64];
};

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 512

struct boot_info {
	const char *loader; /* "multiboot2" or "pvh" */
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_region mem[BOOT_MAX_REGIONS]; /* as the loader gave it: unsorted, may overlap */
	unsigned nmem;
	struct boot_module mods[BOOT_MAX_MODULES];
	unsigned nmods;
	bool have_rsdp;
	uint8_t rsdp[36]; /* a copy of the ACPI RSDP (v1 uses the first 20 bytes) */
	uint64_t boot_tsc; /* TSC when the 32-bit entry ran */
};

extern struct boot_info boot_info;

/* Fill boot_info from the loader's hand-off; returns false when magic names no loader we
 * know. Runs on the early page tables (the first 4 GiB reachable through the direct map). */
bool bootinfo_parse(uint32_t magic, uint32_t info_phys);

#endif
