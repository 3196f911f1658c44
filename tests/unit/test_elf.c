/* ELF validation on crafted images: valid ones are accepted with the right layout, each kind
 * of corruption is refused with a reason, and random damage never crashes the parser. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "kernel/elf.c"

#define USER_TOP 0x00007ffffffff000ULL
#define BIAS     0x555555554000ULL

static uint8_t img[0x3000];

/* A two-segment static executable: text at 0x401000 (RX), data+bss at 0x402000 (RW). */
static size_t make_elf(uint16_t type)
{
	memset(img, 0, sizeof(img));
	struct elf64_ehdr *eh = (void *)img;
	memcpy(eh->ident, "\x7f" "ELF", 4);
	eh->ident[4] = 2;
	eh->ident[5] = 1;
	eh->ident[6] = 1;
	eh->type = type;
	eh->machine = EM_X86_64;
	eh->version = 1;
	eh->entry = 0x401000;
	eh->phoff = sizeof(*eh);
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(struct elf64_phdr);
	eh->phnum = 3;
	struct elf64_phdr *ph = (void *)(img + eh->phoff);
	ph[0] = (struct elf64_phdr){ .type = PT_LOAD, .flags = ELF_PF_R, .offset = 0,
		.vaddr = 0x400000, .filesz = 0x1000, .memsz = 0x1000, .align = 0x1000 };
	ph[1] = (struct elf64_phdr){ .type = PT_LOAD, .flags = ELF_PF_R | ELF_PF_X, .offset = 0x1000,
		.vaddr = 0x401000, .filesz = 0x1000, .memsz = 0x1000, .align = 0x1000 };
	ph[2] = (struct elf64_phdr){ .type = PT_LOAD, .flags = ELF_PF_R | ELF_PF_W, .offset = 0x2000,
		.vaddr = 0x402000, .filesz = 0x800, .memsz = 0x5000, .align = 0x1000 };
	return sizeof(img);
}

static struct elf64_ehdr *eh(void) { return (void *)img; }
static struct elf64_phdr *ph(int i) { return (void *)(img + sizeof(struct elf64_ehdr)) + i * sizeof(struct elf64_phdr); }

static void test_valid(void)
{
	struct elf_image e;
	size_t len = make_elf(ET_EXEC);
	CHECK(elf_parse(img, len, BIAS, USER_TOP, &e) == NULL);
	CHECK_EQ(e.nsegs, 3);
	CHECK_EQ(e.entry, 0x401000);
	CHECK(!e.pie);
	CHECK_EQ(e.phdr_vaddr, 0x400000 + sizeof(struct elf64_ehdr));
	CHECK_EQ(e.phnum, 3);
	CHECK_EQ(e.segs[2].memsz, 0x5000);
	CHECK_EQ(e.segs[2].filesz, 0x800);

	/* static-PIE: everything moves by the bias */
	make_elf(ET_DYN);
	for (int i = 0; i < 3; i++)
		ph(i)->vaddr -= 0x400000;
	eh()->entry = 0x1000;
	CHECK(elf_parse(img, len, BIAS, USER_TOP, &e) == NULL);
	CHECK(e.pie);
	CHECK_EQ(e.entry, BIAS + 0x1000);
	CHECK_EQ(e.segs[0].vaddr, BIAS);
}

#define REFUSED(mutation, reason) do { \
	struct elf_image e; \
	size_t len = make_elf(ET_EXEC); \
	mutation; \
	const char *why = elf_parse(img, len, BIAS, USER_TOP, &e); \
	CHECK(why != NULL && strstr(why, reason) != NULL); \
	if (why && !strstr(why, reason)) fprintf(stderr, "  got: %s\n", why); \
} while (0)

static void test_refused(void)
{
	REFUSED(img[0] = 'X', "not an ELF");
	REFUSED(len = 10, "not an ELF");
	REFUSED(img[4] = 1, "64-bit");
	REFUSED(eh()->machine = 3, "x86-64");
	REFUSED(eh()->type = 1, "not an executable");
	REFUSED(eh()->phentsize = 10, "program header size");
	REFUSED(eh()->phnum = 0, "program header count");
	REFUSED(eh()->phoff = 0x2ff0, "outside the file");
	REFUSED(eh()->phoff = UINT64_MAX - 8, "outside the file");
	REFUSED(ph(0)->type = PT_INTERP, "interpreter");
	REFUSED(ph(2)->filesz = 0x6000, "exceeds");
	REFUSED(ph(2)->offset = 0x2c00; ph(2)->vaddr = 0x402c00; ph(2)->filesz = 0x800, "outside the file");
	REFUSED(ph(2)->offset = UINT64_MAX - 0x10, "outside the file");
	REFUSED(ph(1)->vaddr = 0x401200, "modulo the page size");
	REFUSED(ph(2)->vaddr = 0x7ffffffff000; ph(2)->offset = 0x2000, "outside user space");
	REFUSED(ph(2)->memsz = UINT64_MAX - 0x1000, "outside user space");
	REFUSED(ph(0)->vaddr = 0; ph(0)->offset = 0, "outside user space");
	REFUSED(ph(2)->vaddr = 0x400000, "overlap");
	REFUSED(for (int i = 0; i < 3; i++) ph(i)->type = 4, "no loadable segment");
	REFUSED(eh()->entry = 0x402000, "entry point");
	REFUSED(eh()->entry = 0x10, "entry point");
}

/* Random damage: the parser must never read outside the buffer (ASan checks) and whatever
 * it accepts must be self-consistent. */
static void test_random_damage(void)
{
	srand(1);
	int accepted = 0;
	bool consistent = true;
	for (int round = 0; round < 20000; round++) {
		size_t len = make_elf(round & 1 ? ET_EXEC : ET_DYN);
		int flips = 1 + rand() % 4;
		for (int i = 0; i < flips; i++) /* damage the headers, where the numbers are */
			img[rand() % 0x200] = rand();
		if (rand() % 4 == 0)
			len = rand() % len;
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, img, len);
		struct elf_image e;
		if (!elf_parse(copy, len, BIAS, USER_TOP, &e)) {
			accepted++;
			for (unsigned s = 0; s < e.nsegs; s++)
				consistent &= e.segs[s].offset + e.segs[s].filesz <= len &&
					      e.segs[s].vaddr + e.segs[s].memsz <= USER_TOP;
		}
		free(copy);
	}
	CHECK(accepted > 0);
	CHECK(consistent);
}

int main(void)
{
	test_valid();
	test_refused();
	test_random_damage();
	return check_summary("elf");
}
