/* The vDSO image built from arch-x86_64/vdso/ (the Makefile passes its folder with -I),
 * page-aligned in the kernel's read-only data. */
	.section .rodata
	.balign 8
	.globl vdso_image_start, vdso_image_end
vdso_image_start:
	.incbin "vdso.so"
vdso_image_end:
	.section .note.GNU-stack, "", @progbits
