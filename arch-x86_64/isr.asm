; Interrupt and exception entry: one small stub per vector, then common code that builds
; a struct trap_frame (trap.h) and calls trap_dispatch(frame); and trap_return, the way
; back to the interrupted context that every trap frame leaves through.
;
; On entry the CPU has pushed ss, rsp, rflags, cs, rip (and for some exceptions an error
; code) on the interrupted stack, the TSS rsp0 stack (from ring 3) or an IST stack, after
; aligning rsp down to 16 bytes. Each stub makes the layout uniform (dummy error code 0
; where the CPU pushes none) and pushes its vector number.

%include "arch-x86_64/trap_frame.inc"

extern trap_dispatch, trap_bad_user_rip

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
	; Entered from ring 3: switch to the kernel's GS base (see percpu.h). The CPU does not
	; do it: an NMI or machine check that hits the syscall entry before its swapgs (or an
	; exit after its swapgs) arrives from ring 0 with the user's GS base, and its handler
	; must not trust this_cpu(). Neither is handled beyond the panic report yet.
	test qword [rsp + TF_CS - 15 * 8], 3
	jz .kernel_gs
	swapgs
.kernel_gs:
	PUSH_REGS
	cld                             ; the C ABI wants DF clear; the interrupted code may not
	mov rdi, rsp                    ; struct trap_frame *
	; A frame record (saved rbp, return address = interrupted rip) so that a backtrace
	; taken inside the handler continues into the interrupted code. Keeps rsp 16-aligned.
	push qword [rsp + TF_RIP]
	push rbp
	mov rbp, rsp
	call trap_dispatch
	add rsp, 16

; Resume the context a struct trap_frame describes: rsp points at the frame, interrupts
; are off (from swapgs to iretq this CPU runs ring-0 code with the user's GS base). Used
; by isr_common, the syscall exit when sysret cannot be used, and new user tasks.
global trap_return
trap_return:
	test qword [rsp + TF_CS], 3
	jz .to_kernel
	; iretq to a non-canonical rip faults in ring 0, after the swapgs: a frame the kernel
	; built or patched with such a rip (anything at or above 2^47) kills the task instead,
	; as the #GP user code gets for jumping there.
	mov rax, [rsp + TF_RIP]
	shr rax, 47
	jnz .bad_user_rip
	POP_REGS
	add rsp, 16                     ; vector and error code
	swapgs
	iretq
.to_kernel:
	POP_REGS
	add rsp, 16
	iretq
.bad_user_rip:
	mov rdi, rsp
	call trap_bad_user_rip          ; does not return

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
