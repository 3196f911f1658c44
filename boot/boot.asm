; Boot entry for both hand-offs the kernel accepts, then the switch to 64-bit long mode.
;
; * GRUB (multiboot2) jumps to _start32 in 32-bit protected mode, paging off,
;   eax = 0x36d76289 and ebx = physical address of the multiboot2 information.
; * QEMU's PVH direct boot jumps to pvh_start32 (named by the XEN_ELFNOTE_PHYS32_ENTRY
;   note below) in the same mode with ebx = physical address of struct hvm_start_info.
;
; Both paths record which loader it was, check that the CPU has long mode, build early
; page tables (the first 4 GiB identity-mapped, at the direct-map base and, for the first
; 1 GiB, at the kernel's link address), enable PAE + long mode + paging and jump to the
; higher-half 64-bit code, which calls kmain(loader_magic, info_phys). mm/ replaces these
; tables with the final ones early in kmain.
;
; Everything here is linked at its physical address (the .boot sections sit below
; KERNEL_VMA in linker.ld) because it runs before paging maps the higher half.

%include "boot/long_mode.inc"

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
BOOT_MAGIC_PVH  equ 0x336ec578          ; hvm_start_info magic, used as our "loader is PVH" mark
KERNEL_VMA      equ 0xffffffff80000000
COM1            equ 0x3f8

section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request tag (type 1): command line, modules, memory map, ACPI RSDPs
	align 8
	dw 1, 0
	dd 8 + 4 * 5
	dd 1, 3, 6, 14, 15
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .note.pvh note alloc noexec nowrite align=4
	dd 4                    ; name size ("Xen\0")
	dd 4                    ; descriptor size
	dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dd pvh_start32

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start32
_start32:
	cli
	cld
	mov esp, boot_stack_top
	mov [boot_loader_magic], eax
	mov [boot_info_phys], ebx
	jmp common32

pvh_start32:
	cli
	cld
	mov esp, boot_stack_top
	mov dword [boot_loader_magic], BOOT_MAGIC_PVH
	mov [boot_info_phys], ebx

common32:
	rdtsc                           ; the boot-time clock starts here
	mov [boot_tsc], eax
	mov [boot_tsc + 4], edx

	; CPUID present? (EFLAGS.ID must be toggleable)
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	cmp eax, ecx
	je .no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29               ; LM
	jz .no_long_mode
	mov [boot_ext_features], edx    ; bit 20 = NX, kept for the 64-bit code

	; PML4[0] and PML4[256] -> pdpt_low (identity and direct map), PML4[511] -> pdpt_high
	mov eax, pdpt_low
	or eax, 3
	mov [pml4], eax
	mov [pml4 + 256 * 8], eax
	mov eax, pdpt_high
	or eax, 3
	mov [pml4 + 511 * 8], eax
	; pdpt_low[0..3] -> the four page directories (4 GiB); pdpt_high[510] -> pd0 (-2 GiB -> 0)
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, pd0
	or eax, 3
	mov [pdpt_low + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jne .fill_pdpt
	mov eax, pd0
	or eax, 3
	mov [pdpt_high + 510 * 8], eax
	; 2048 2-MiB pages, present + writable + large
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83
	mov [pd0 + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jne .fill_pd

	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, 0xC0000080             ; EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	test dword [boot_ext_features], 1 << 20
	jz .no_nx
	or eax, 1 << 11                 ; NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG, WP
	mov cr0, eax
	lgdt [gdt64_ptr]
	jmp 0x08:long_mode_entry

.no_long_mode:
	mov esi, msg_no_long_mode
.print:
	lodsb
	test al, al
	jz .stop
	mov ah, al
	mov dx, COM1 + 5
.wait_tx:
	in al, dx
	test al, 0x20
	jz .wait_tx
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp .print
.stop:
	cli
	hlt
	jmp .stop

bits 64
long_mode_entry:
	LONG_MODE_DATA_SEGMENTS
	mov rax, higher_half_entry
	jmp rax

section .boot.data progbits alloc noexec write align=4096
pml4:      times 4096 db 0
pdpt_low:  times 4096 db 0
pdpt_high: times 4096 db 0
pd0:       times 4096 * 4 db 0
boot_stack:
	times 4096 db 0
boot_stack_top:

gdt64:
	dq 0
	dq 0x00209a0000000000           ; 0x08: 64-bit code, ring 0
	dq 0x0000920000000000           ; 0x10: data
gdt64_ptr:
	dw gdt64_ptr - gdt64 - 1
	dd gdt64

global boot_loader_magic, boot_info_phys, boot_tsc, boot_ext_features, boot_pml4
boot_loader_magic: dd 0
boot_info_phys:    dd 0
boot_ext_features: dd 0
align 8
boot_tsc:          dq 0
boot_pml4 equ pml4

msg_no_long_mode:
	db "boot: this CPU has no 64-bit long mode (x86-64); cannot start the kernel", 13, 10, 0

; ---- 64-bit, higher half ----
section .text
extern kmain, __bss_start, __bss_end
higher_half_entry:
	; zero .bss (the loaders do it too, but the kernel does not rely on it)
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	mov rsp, init_stack_top
	xor rbp, rbp                    ; ends the frame-pointer backtrace chain
	mov rax, boot_loader_magic_hi
	mov edi, [rax]
	mov rax, boot_info_phys_hi
	mov esi, [rax]
	call kmain
.hang:
	cli
	hlt
	jmp .hang

; higher-half aliases of the boot variables (the .boot section is mapped there too)
boot_loader_magic_hi equ boot_loader_magic + KERNEL_VMA
boot_info_phys_hi    equ boot_info_phys + KERNEL_VMA

section .bss
align 16
global init_stack, init_stack_top
init_stack:
	resb 16384
init_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
