/* ELF64 validation. Every number in the file is checked against the file size and the user
 * address range before the loader trusts it, so a corrupt binary is refused, not mapped. */
#include "kernel/elf.h"
#include "lib/string.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define ET_EXEC 2
#define ET_DYN  3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define ELF_PAGE 4096UL

/* a + b without wrapping, or false. */
static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	*sum = a + b;
	return *sum >= a;
}

const char *elf_parse(const void *data, size_t len, uint64_t pie_bias, uint64_t user_end,
		      struct elf_image *img)
{
	struct elf64_ehdr ehdr, *eh = &ehdr;
	uint64_t end;

	/* Headers are copied out: a file inside the initramfs is only 4-byte aligned. */
	memset(img, 0, sizeof(*img));
	if (len < sizeof(ehdr))
		return "not an ELF file";
	memcpy(&ehdr, data, sizeof(ehdr));
	if (memcmp(eh->ident, "\x7f" "ELF", 4))
		return "not an ELF file";
	if (eh->ident[4] != 2 || eh->ident[5] != 1)
		return "not a little-endian 64-bit ELF";
	if (eh->machine != EM_X86_64)
		return "not an x86-64 program";
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return "not an executable";
	if (eh->phentsize != sizeof(struct elf64_phdr))
		return "bad program header size";
	if (eh->phnum == 0 || eh->phnum > 64)
		return "bad program header count";
	if (!add_ok(eh->phoff, (uint64_t)eh->phnum * eh->phentsize, &end) || end > len)
		return "program headers outside the file";

	img->pie = eh->type == ET_DYN;
	img->bias = img->pie ? pie_bias : 0;
	img->phnum = eh->phnum;
	img->phentsize = eh->phentsize;

	for (unsigned i = 0; i < eh->phnum; i++) {
		struct elf64_phdr phdr, *p = &phdr;
		memcpy(&phdr, (const char *)data + eh->phoff + i * sizeof(phdr), sizeof(phdr));
		if (p->type == PT_INTERP)
			return "dynamically linked (needs an interpreter); build with -static";
		if (p->type == PT_PHDR)
			img->phdr_vaddr = p->vaddr + img->bias;
		if (p->type != PT_LOAD || p->memsz == 0)
			continue;
		uint64_t vaddr, vend;
		if (img->nsegs == ELF_MAX_SEGMENTS)
			return "too many loadable segments";
		if (p->filesz > p->memsz)
			return "segment file size exceeds its memory size";
		if (!add_ok(p->offset, p->filesz, &end) || end > len)
			return "segment data outside the file";
		if ((p->vaddr % ELF_PAGE) != (p->offset % ELF_PAGE))
			return "segment address and file offset disagree modulo the page size";
		if (!add_ok(p->vaddr, img->bias, &vaddr) || !add_ok(vaddr, p->memsz, &vend) ||
		    vaddr < ELF_PAGE || vend > user_end)
			return "segment outside user space";
		if (img->nsegs && vaddr < img->segs[img->nsegs - 1].vaddr + img->segs[img->nsegs - 1].memsz)
			return "loadable segments overlap or are not in address order";
		img->segs[img->nsegs++] = (struct elf_segment){
			.vaddr = vaddr, .memsz = p->memsz, .filesz = p->filesz,
			.offset = p->offset, .flags = p->flags,
		};
		/* Without PT_PHDR, the headers are visible if a segment maps their file bytes. */
		if (!img->phdr_vaddr && eh->phoff >= p->offset &&
		    eh->phoff + (uint64_t)eh->phnum * eh->phentsize <= p->offset + p->filesz)
			img->phdr_vaddr = vaddr + (eh->phoff - p->offset);
	}
	if (!img->nsegs)
		return "no loadable segment";
	img->entry = eh->entry + img->bias;
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		if (img->entry >= s->vaddr && img->entry < s->vaddr + s->memsz && (s->flags & ELF_PF_X))
			return NULL;
	}
	return "entry point is not in an executable segment";
}
