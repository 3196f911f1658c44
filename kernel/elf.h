/* Validating ELF64 executables before anything is mapped: pure code (tests/unit/test_elf.c). */
#ifndef ELF_H
#define ELF_H

#include "lib/compiler.h"

#define ELF_MAX_SEGMENTS 16

/* Segment permission bits (p_flags). */
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	uint64_t vaddr;		/* after the load bias */
	uint64_t memsz, filesz, offset;
	uint32_t flags;		/* ELF_PF_* */
};

struct elf_image {
	uint64_t entry;		/* after the load bias */
	uint64_t phdr_vaddr;	/* where the program headers are mapped (AT_PHDR), 0 if not */
	uint16_t phnum, phentsize;
	bool pie;		/* ET_DYN: loaded at the bias */
	uint64_t bias;
	unsigned nsegs;
	struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/* Check that data[0..len) is a static x86-64 ELF64 executable (ET_EXEC, or ET_DYN without an
 * interpreter, i.e. static-PIE, placed at pie_bias) whose loadable segments are consistent
 * and fit below user_end. Returns NULL and fills *img, or a one-line reason for refusing. */
const char *elf_parse(const void *data, size_t len, uint64_t pie_bias, uint64_t user_end,
		      struct elf_image *img);

#endif
