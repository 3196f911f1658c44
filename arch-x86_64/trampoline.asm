; The application processors' first instructions. A started AP (INIT, then STARTUP with
; vector TRAMPOLINE_BASE >> 12) runs in real mode at TRAMPOLINE_BASE:0, so smp.c copies
; this blob there (the first MiB is never given to the frame allocator) and fills in its
; parameters at the end. It goes real mode -> protected mode -> long mode on the boot page
; tables (boot.asm's: the low 4 GiB identity-mapped, the kernel image at -2 GiB), jumps to
; ap_start64 in the kernel image, which loads the kernel's page tables (they do not map this
; page, nor do the boot tables map the stack) and calls the C entry on the stack it was
; given.
; Only this code uses addresses relative to TRAMPOLINE_BASE: every label below is reached
; as TRAMPOLINE_BASE + (label - trampoline_start).

%include "boot/long_mode.inc"

%define TRAMPOLINE_BASE 0x8000
%define REL(label) (TRAMPOLINE_BASE + (label) - trampoline_start)

section .rodata
global trampoline_start, trampoline_end
global trampoline_cr3, trampoline_efer, trampoline_stack, trampoline_entry
global trampoline_kernel_cr3, ap_start64

align 16
trampoline_start:
bits 16
	cli
	cld
	mov ax, cs                      ; TRAMPOLINE_BASE >> 4
	mov ds, ax
	lgdt [gdt_ptr - trampoline_start]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	jmp dword 0x08:REL(protected_mode)

bits 32
protected_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [REL(trampoline_cr3)]
	mov cr3, eax
	mov ecx, 0xC0000080             ; EFER: LME, and NXE as the boot CPU has it
	rdmsr
	or eax, [REL(trampoline_efer)]
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG, WP
	mov cr0, eax
	jmp 0x18:REL(long_mode)

bits 64
long_mode:
	LONG_MODE_DATA_SEGMENTS
	mov rbx, [REL(trampoline_kernel_cr3)]
	mov rsp, [REL(trampoline_stack)]  ; not touched until the kernel's tables are in
	mov r12, [REL(trampoline_entry)]
	mov rax, ap_start64
	jmp rax

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08: 32-bit code, flat
	dq 0x00cf92000000ffff           ; 0x10: data, flat
	dq 0x00209a0000000000           ; 0x18: 64-bit code
gdt_ptr:
	dw gdt_ptr - gdt - 1
	dd REL(gdt)

; Parameters, written by smp.c into the copy before each start.
align 8
trampoline_cr3:   dd 0              ; the boot page tables (physical, below 4 GiB)
trampoline_efer:  dd 0              ; EFER bits to set
trampoline_stack: dq 0              ; the AP's stack top (higher half)
trampoline_entry: dq 0              ; its C entry (higher half)
trampoline_kernel_cr3: dq 0         ; the kernel's page tables
trampoline_end:

section .text
; In the kernel image, reached on the boot tables: rbx = the kernel's CR3, rsp = the stack,
; r12 = the C entry.
ap_start64:
	mov cr3, rbx
	xor ebp, ebp                    ; the end of every backtrace
	call r12                        ; does not return
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
