; Interrupt and exception entry: one small stub per vector, then common code that builds
; a struct trap_frame (trap.h) and calls trap_dispatch(frame).
;
; On entry the CPU has pushed ss, rsp, rflags, cs, rip (and for some exceptions an error
; code) on the interrupted stack, the TSS rsp0 stack (from ring 3) or an IST stack, after
; aligning rsp down to 16 bytes. Each stub makes the layout uniform (dummy error code 0
; where the CPU pushes none) and pushes its vector number.

TF_RIP equ 17 * 8               ; keep in sync with struct trap_frame
TF_CS  equ 18 * 8

extern trap_dispatch

section .text
bits 64

; Vectors for which the CPU pushes an error code.
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

%assign v 0
%rep 256
isr_stub_%[v]:
%if !HAS_ERROR(v)
	push 0
%endif
	push v
	jmp isr_common
%assign v v + 1
%endrep

; rsp -> vector, error, rip, cs, ...
isr_common:
	; Entered from ring 3: switch to the kernel's GS base (see percpu.h). (A future syscall
	; entry must make NMI/#MC immune to interrupting it before its own swapgs.)
	test qword [rsp + TF_CS - 15 * 8], 3
	jz .saved_gs
	swapgs
.saved_gs:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld                             ; the C ABI wants DF clear; the interrupted code may not
	mov rdi, rsp                    ; struct trap_frame *
	; A frame record (saved rbp, return address = interrupted rip) so that a backtrace
	; taken inside the handler continues into the interrupted code. Keeps rsp 16-aligned.
	push qword [rsp + TF_RIP]
	push rbp
	mov rbp, rsp
	call trap_dispatch
	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	test qword [rsp + TF_CS - 15 * 8], 3
	jz .restored_gs
	swapgs
.restored_gs:
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
global isr_stub_table
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_%[v]
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
