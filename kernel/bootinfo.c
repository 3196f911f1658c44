/* Normalizes the two boot protocols into struct boot_info. Everything is copied out of the
 * loader's structures, so their memory can be reused once this has run (modules excepted:
 * the frame allocator keeps them reserved). */
#include "kernel/bootinfo.h"
#include "lib/string.h"
#include "mm/memlayout.h"

struct boot_info boot_info;

/* ---- multiboot2 (GRUB) ---- */

struct mb2_tag {
	uint32_t type, size;
};
struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
};

enum { MB2_TAG_END = 0, MB2_TAG_CMDLINE = 1, MB2_TAG_MODULE = 3, MB2_TAG_MMAP = 6,
       MB2_TAG_ACPI_OLD = 14, MB2_TAG_ACPI_NEW = 15 };

static void add_region(uint64_t base, uint64_t len, uint32_t type)
{
	if (boot_info.nmem < BOOT_MAX_REGIONS && len)
		boot_info.mem[boot_info.nmem++] = (struct boot_region){ base, len, type };
}

static void add_module(uint64_t start, uint64_t end, const char *name)
{
	if (boot_info.nmods >= BOOT_MAX_MODULES || end <= start)
		return;
	struct boot_module *m = &boot_info.mods[boot_info.nmods++];
	m->start = start;
	m->end = end;
	strlcpy(m->name, name ? name : "", sizeof(m->name));
}

static void copy_rsdp(const void *p, size_t len)
{
	if (boot_info.have_rsdp && len < sizeof(boot_info.rsdp))
		return; /* keep the ACPI 2.0 copy over the 1.0 one */
	memcpy(boot_info.rsdp, p, MIN(len, sizeof(boot_info.rsdp)));
	boot_info.have_rsdp = true;
}

static void parse_multiboot2(uint32_t info_phys)
{
	const uint8_t *info = phys_to_virt(info_phys);
	uint32_t total = *(const uint32_t *)info;
	uint32_t off = 8;

	boot_info.loader = "multiboot2";
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const void *)(info + off);
		const uint8_t *body = (const uint8_t *)(tag + 1);
		if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag))
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(boot_info.cmdline, (const char *)body, sizeof(boot_info.cmdline));
			break;
		case MB2_TAG_MODULE: {
			const uint32_t *m = (const uint32_t *)body;
			add_module(m[0], m[1], (const char *)(m + 2));
			break;
		}
		case MB2_TAG_MMAP: {
			uint32_t esize = ((const uint32_t *)body)[0];
			if (esize < sizeof(struct mb2_mmap_entry))
				break;
			for (uint32_t e = 8; e + esize <= tag->size - sizeof(*tag); e += esize) {
				const struct mb2_mmap_entry *me = (const void *)(body + e);
				add_region(me->base, me->len, me->type);
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			copy_rsdp(body, tag->size - sizeof(*tag));
			break;
		}
		off += ALIGN_UP(tag->size, 8);
	}
}

/* ---- PVH (QEMU -kernel) ---- */

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static bool parse_pvh(uint32_t info_phys)
{
	const struct hvm_start_info *si = phys_to_virt(info_phys);
	if (si->magic != BOOT_LOADER_PVH)
		return false;
	boot_info.loader = "pvh";
	if (si->cmdline_paddr)
		strlcpy(boot_info.cmdline, phys_to_virt(si->cmdline_paddr), sizeof(boot_info.cmdline));
	const struct hvm_modlist_entry *mods = phys_to_virt(si->modlist_paddr);
	for (uint32_t i = 0; si->modlist_paddr && i < si->nr_modules; i++)
		add_module(mods[i].paddr, mods[i].paddr + mods[i].size,
			   mods[i].cmdline_paddr ? phys_to_virt(mods[i].cmdline_paddr) : "initrd");
	if (si->rsdp_paddr)
		copy_rsdp(phys_to_virt(si->rsdp_paddr), 36);
	if (si->version >= 1) {
		const struct hvm_memmap_entry *mm = phys_to_virt(si->memmap_paddr);
		for (uint32_t i = 0; i < si->memmap_entries; i++)
			add_region(mm[i].addr, mm[i].size, mm[i].type);
	}
	return true;
}

bool bootinfo_parse(uint32_t magic, uint32_t info_phys)
{
	extern uint64_t boot_tsc; /* boot.asm, linked at its physical address */
	uint64_t alias = (uint64_t)&boot_tsc + KERNEL_VMA;
	OPTIMIZER_HIDE_VAR(alias); /* an address, not an index into boot_tsc */
	boot_info.boot_tsc = *(const uint64_t *)alias;
	if (magic == BOOT_LOADER_MULTIBOOT2) {
		parse_multiboot2(info_phys);
		return true;
	}
	if (magic == BOOT_LOADER_PVH)
		return parse_pvh(info_phys);
	return false;
}
