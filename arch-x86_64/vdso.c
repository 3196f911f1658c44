/* The kernel's side of the vDSO: one copy of [vvar] + the image, built at boot; each exec
 * maps it as two read-only private file-like mappings, so the pages a program touches are
 * its own copies (made at fault time like any file page) and fork needs nothing special.
 * The contents never change after boot (vdso_data.h), so copies cannot go stale. */
#include "arch-x86_64/vdso.h"
#include "arch-x86_64/vdso/vdso_data.h"
#include "arch-x86_64/rtc.h"
#include "kernel/clock.h"
#include "kernel/printk.h"
#include "mm/addrspace.h"
#include "mm/page_alloc.h"
#include "mm/vma.h"
#include "lib/string.h"

/* The image vdso_image.S embeds: build/arch-x86_64/vdso/vdso.so. */
extern const char vdso_image_start[], vdso_image_end[];

/* Just above the stack, in the gap below USER_END (mm/addrspace.h). */
#define VVAR_BASE (STACK_TOP + PAGE_SIZE)
#define VDSO_BASE (VVAR_BASE + PAGE_SIZE)

static uint8_t *blob;		/* [vvar page][image, zero-padded to whole pages] */
static uint64_t image_pages;

void vdso_init(void)
{
	uint64_t image_size = (uint64_t)(vdso_image_end - vdso_image_start);
	image_pages = DIV_ROUND_UP(image_size, PAGE_SIZE);
	unsigned order = 0;
	while ((1ULL << order) < image_pages + 1)
		order++;
	struct page *p = alloc_kernel_pages(order);
	if (!p)
		panic("vdso: no memory for the vDSO");
	blob = page_address(p);
	BUG_ON(VDSO_BASE + image_pages * PAGE_SIZE > USER_END);

	struct vdso_data *d = (struct vdso_data *)blob;
	unsigned shift;
	clock_tsc_conversion(&d->tsc_base, &d->ns_mult, &shift);
	d->ns_shift = shift;
	d->realtime_offset_ns = (int64_t)rtc_boot_epoch_ns();
	d->ready = d->ns_mult != 0;
	memcpy(blob + PAGE_SIZE, vdso_image_start, image_size);
}

int vdso_map(struct mm *mm, uint64_t *ehdr)
{
	const struct vma_file vvar = { .data = blob, .size = PAGE_SIZE, .offset = 0, .name = "[vvar]" };
	const struct vma_file image = {
		.data = blob, .size = (image_pages + 1) * PAGE_SIZE, .offset = PAGE_SIZE, .name = "[vdso]",
	};
	int rc = mm_map_special(mm, VVAR_BASE, PAGE_SIZE, PROT_READ, &vvar);
	if (!rc)
		rc = mm_map_special(mm, VDSO_BASE, image_pages * PAGE_SIZE, PROT_READ | PROT_EXEC, &image);
	if (!rc)
		*ehdr = VDSO_BASE;
	return rc;
}
