/* Program loading. The executable's segments become file-backed private VMAs (nothing is
 * read until a page is touched: the fault handler copies file bytes, and a segment's bss
 * part reads as zeros), the stack is an anonymous VMA below STACK_TOP, and the initial
 * stack is written into it as Linux lays it out:
 *
 *   sp ->  argc | argv[0..argc-1] | NULL | envp[0..envc-1] | NULL | auxv pairs | AT_NULL
 *          ... padding ... | 16 random bytes | "x86_64" | argument and environment strings
 *          | the program's path | 8 zero bytes | STACK_TOP
 *
 * with sp 16-byte aligned, as the x86-64 ABI wants at process entry. */
#include "kernel/exec.h"
#include "kernel/elf.h"
#include "fs/vfs.h"
#include "kernel/random.h"
#include "mm/addrspace.h"
#include "mm/kmalloc.h"
#include "arch-x86_64/cpu.h"
#include "arch-x86_64/vdso.h"
#include "lib/string.h"
#include "lib/errno.h"

/* Auxiliary vector tags (Linux's <elf.h>). */
#define AT_NULL     0
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31
#define AT_SYSINFO_EHDR 33
#define NR_AUXV     19 /* pairs written, AT_NULL included */

int exec_args_init(struct exec_args *a)
{
	a->cap = PAGE_SIZE;
	a->buf = kmalloc(a->cap);
	a->len = 0;
	a->argc = a->envc = 0;
	return a->buf ? 0 : -ENOMEM;
}

void exec_args_free(struct exec_args *a)
{
	kfree(a->buf);
	a->buf = NULL;
}

/* Double the buffer: 0, -E2BIG at EXEC_ARGS_LIMIT, or -ENOMEM. */
static int grow(struct exec_args *a)
{
	if (a->cap >= EXEC_ARGS_LIMIT)
		return -E2BIG;
	size_t cap = MIN(a->cap * 2, (size_t)EXEC_ARGS_LIMIT);
	char *buf = kmalloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, a->buf, a->len);
	kfree(a->buf);
	a->buf = buf;
	a->cap = cap;
	return 0;
}

/* Count a string of len bytes (NUL included) just copied to the end of buf: -E2BIG if the
 * strings and their pointers would pass EXEC_ARGS_LIMIT (Linux counts at least one argv
 * pointer). */
static int add_string(struct exec_args *a, size_t len, bool env)
{
	int argc = a->argc + !env, envc = a->envc + env;
	size_t total = a->len + len + (size_t)(MAX(argc, 1) + envc) * sizeof(void *);
	if (len > EXEC_ARG_STRLEN || total > EXEC_ARGS_LIMIT)
		return -E2BIG;
	a->len += len;
	a->argc = argc;
	a->envc = envc;
	return 0;
}

int exec_args_push(struct exec_args *a, const char *s, bool env)
{
	size_t len = strlen(s) + 1;
	while (a->cap - a->len < len) {
		int rc = grow(a);
		if (rc)
			return rc;
	}
	memcpy(a->buf + a->len, s, len);
	return add_string(a, len, env);
}

int exec_args_push_user(struct exec_args *a, const char *ustr, bool env)
{
	for (;;) {
		size_t room = MIN(a->cap - a->len, (size_t)EXEC_ARG_STRLEN);
		long len = strncpy_from_user(a->buf + a->len, ustr, room);
		if (len >= 0)
			return add_string(a, (size_t)len + 1, env);
		if (len != -ENAMETOOLONG)
			return (int)len;
		if (room == EXEC_ARG_STRLEN)
			return -E2BIG; /* longer than MAX_ARG_STRLEN */
		int rc = grow(a);
		if (rc)
			return rc;
	}
}

static int elf_prot(uint32_t pflags)
{
	return (pflags & ELF_PF_R ? PROT_READ : 0) | (pflags & ELF_PF_W ? PROT_WRITE : 0) |
	       (pflags & ELF_PF_X ? PROT_EXEC : 0);
}

/* Map every loadable segment of elf (file bytes at data) and place the break after the
 * last one. 0 or -errno (-ENOEXEC with *why for segments that share a page). */
static int map_segments(struct mm *mm, const struct elf_image *elf, struct vnode *vn,
			const char **why)
{
	uint64_t mapped_end = 0;
	for (unsigned i = 0; i < elf->nsegs; i++) {
		const struct elf_segment *s = &elf->segs[i];
		uint64_t start = ALIGN_DOWN(s->vaddr, PAGE_SIZE);
		uint64_t end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
		if (start < mapped_end) {
			*why = "two loadable segments share a page";
			return -ENOEXEC;
		}
		/* The VMA's bytes are the file's from the page holding the segment's first byte
		 * up to its last file byte; the rest of the segment (bss) reads as zeros. */
		struct vma_file file = {
			.data = vn->data,
			.size = s->offset + s->filesz,
			.offset = ALIGN_DOWN(s->offset, PAGE_SIZE),
			.name = vfs_static_path(vn),
		};
		int rc = mm_map_fixed(mm, start, end - start, elf_prot(s->flags), &file);
		if (rc)
			return rc;
		mapped_end = end;
	}
	mm->brk_start = mm->brk = mapped_end;
	return 0;
}

static uint64_t cpu_hwcap(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

/* Build the initial stack described at the top of this file and write it below STACK_TOP.
 * Returns 0 and sets img->sp, or -errno. */
static int build_stack(struct mm *mm, const char *path, const struct exec_args *args,
		       const struct elf_image *elf, uint64_t vdso, struct exec_image *img)
{
	static const char platform[] = "x86_64";
	size_t path_len = strlen(path) + 1;
	uint64_t top = STACK_TOP - 8;
	uint64_t execfn = top - path_len;
	uint64_t strings = execfn - args->len;
	uint64_t plat = strings - sizeof(platform);
	uint64_t rnd = ALIGN_DOWN(plat - 16, 16);
	size_t words = 1 + (args->argc + 1) + (args->envc + 1) + 2 * NR_AUXV;
	uint64_t sp = ALIGN_DOWN(rnd - words * 8, 16);

	size_t size = STACK_TOP - sp;
	uint8_t *image = kzalloc(size);
	if (!image)
		return -ENOMEM;
#define AT(va) (image + ((va) - sp))
	memcpy(AT(execfn), path, path_len);
	memcpy(AT(strings), args->buf, args->len);
	memcpy(AT(plat), platform, sizeof(platform));
	random_bytes(AT(rnd), 16);

	uint64_t *w = (uint64_t *)AT(sp);
	*w++ = args->argc;
	uint64_t str = strings;
	for (int kind = 0; kind < 2; kind++) {
		int n = kind ? args->envc : args->argc;
		for (int i = 0; i < n; i++) {
			*w++ = str;
			str += strlen((const char *)AT(str)) + 1;
		}
		*w++ = 0;
	}
	const uint64_t auxv[NR_AUXV][2] = {
		{ AT_PHDR, elf->phdr_vaddr }, { AT_PHENT, elf->phentsize },
		{ AT_PHNUM, elf->phnum }, { AT_PAGESZ, PAGE_SIZE }, { AT_BASE, 0 },
		{ AT_FLAGS, 0 }, { AT_ENTRY, elf->entry }, { AT_UID, 0 }, { AT_EUID, 0 },
		{ AT_GID, 0 }, { AT_EGID, 0 }, { AT_PLATFORM, plat }, { AT_HWCAP, cpu_hwcap() },
		{ AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_RANDOM, rnd }, { AT_EXECFN, execfn },
		{ AT_SYSINFO_EHDR, vdso }, { AT_NULL, 0 },
	};
	memcpy(w, auxv, sizeof(auxv));
#undef AT
	int rc = mm_write(mm, sp, image, size);
	kfree(image);
	img->sp = sp;
	/* /proc/PID/cmdline reads the argument strings where they now are. */
	size_t arg_len = 0;
	for (int i = 0; i < args->argc; i++)
		arg_len += strlen(args->buf + arg_len) + 1;
	mm->arg_start = strings;
	mm->arg_end = strings + arg_len;
	return rc;
}

/* The file at path, if it may be executed: a regular file with an execute bit and bytes
 * in memory (pseudo files have none). */
static int open_executable(const char *cwd, const char *path, struct vnode **out)
{
	struct vnode *vn;
	int rc = vfs_lookup(cwd, path, true, &vn);
	if (rc)
		return rc;
	if ((vn->mode & S_IFMT) != S_IFREG || !(vn->mode & 0111) || vn->ops || !vn->data) {
		vnode_put(vn);
		return -EACCES;
	}
	*out = vn;
	return 0;
}

int exec_check(const char *cwd, const char *path)
{
	struct vnode *vn;
	int rc = open_executable(cwd, path, &vn);
	if (!rc)
		vnode_put(vn);
	return rc;
}

int exec_load(const char *cwd, const char *path, const struct exec_args *args,
	      struct exec_image *img, const char **why)
{
	struct vnode *vn;
	struct elf_image elf;
	int rc = open_executable(cwd, path, &vn);
	if (rc)
		return rc;
	*why = elf_parse(vn->data, vn->size, PIE_LOAD_BIAS, STACK_TOP - STACK_MAX, &elf);
	if (*why) {
		rc = -ENOEXEC;
		goto out_vnode;
	}
	struct mm *mm = mm_create();
	if (!mm) {
		rc = -ENOMEM;
		goto out_vnode;
	}
	uint64_t vdso = 0;
	rc = map_segments(mm, &elf, vn, why);
	if (!rc)
		rc = mm_map_fixed(mm, STACK_TOP - STACK_MAX, STACK_MAX, PROT_READ | PROT_WRITE, NULL);
	if (!rc)
		rc = vdso_map(mm, &vdso);
	if (!rc)
		rc = build_stack(mm, path, args, &elf, vdso, img);
	if (rc) {
		mm_put(mm);
		goto out_vnode;
	}
	strlcpy(mm->exe, vfs_static_path(vn), sizeof(mm->exe));
	img->mm = mm;
	img->entry = elf.entry;
	/* The name the caller used, as Linux: /bin/sh stays "sh" though it is busybox. */
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	strlcpy(img->comm, base, sizeof(img->comm));
out_vnode:
	vnode_put(vn);
	return rc;
}
