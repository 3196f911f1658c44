; The syscall instruction's entry and the sysret exit.
;
; syscall (from 64-bit ring 3) loads CS/SS from STAR, rip from LSTAR, saves the user rip in
; rcx and rflags in r11, and clears the rflags bits in SFMASK (IF among them: no interrupt
; until the handler enables them). It changes neither rsp nor GS: for the first
; instructions below, ring-0 code runs on the user's stack with the user's GS base. An NMI
; or machine check landing there (or after the exit's swapgs) arrives from ring 0 with
; that GS (isr.asm); the NMI at least has a stack of its own (IST).
;
; The entry builds the same struct trap_frame an interrupt from ring 3 leaves, at the same
; place (the top of the running task's kernel stack, which the scheduler puts in
; %gs:CPU_KERNEL_RSP along with TSS rsp0): fork and execve find and patch it there.

%include "arch-x86_64/trap_frame.inc"

CPU_USER_RSP   equ 8                    ; percpu.h
CPU_KERNEL_RSP equ 16
USER_DS        equ 0x23                 ; gdt.h
USER_CS        equ 0x2b
T_SYSCALL      equ 0x100                ; trap.h
USER_END       equ 0x00007ffffffff000   ; memlayout.h (arch-x86_64)
RFLAGS_TF      equ 1 << 8
RFLAGS_RF      equ 1 << 16

extern syscall_handler, trap_return

section .text
bits 64

global syscall_entry
syscall_entry:
	swapgs
	mov [gs:CPU_USER_RSP], rsp
	mov rsp, [gs:CPU_KERNEL_RSP]
	push USER_DS                    ; ss
	push qword [gs:CPU_USER_RSP]    ; rsp
	push r11                        ; rflags
	push USER_CS                    ; cs
	push rcx                        ; rip
	push rax                        ; error code slot: the system call number, for a
					; restart after a signal (Linux's orig_ax)
	push T_SYSCALL                  ; vector
	PUSH_REGS
	mov rdi, rsp                    ; struct trap_frame *
	push qword [rsp + TF_RIP]       ; frame record, as in isr.asm
	push rbp
	mov rbp, rsp
	call syscall_handler            ; returns with interrupts off
	add rsp, 16

	; sysret puts rcx in rip and r11 in rflags, and cannot restore RF: it is exact only
	; when the frame still says rcx = rip and r11 = rflags (execve and fork may change any
	; register) and neither TF nor RF is set (with TF, sysret would trap before the first
	; user instruction rather than after it). Intel's sysret takes its #GP for a
	; non-canonical rip in ring 0 on the user's stack: the rip must be below USER_END,
	; which also keeps it clear of the canonical boundary. Anything else: iretq.
	mov rcx, [rsp + TF_RIP]
	cmp rcx, [rsp + TF_RCX]
	jne trap_return
	mov r11, [rsp + TF_RFLAGS]
	cmp r11, [rsp + TF_R11]
	jne trap_return
	test r11, RFLAGS_TF | RFLAGS_RF
	jnz trap_return
	mov rax, USER_END
	cmp rcx, rax
	jae trap_return
	cmp qword [rsp + TF_CS], USER_CS
	jne trap_return
	cmp qword [rsp + TF_SS], USER_DS
	jne trap_return
	POP_REGS                        ; rcx and r11 too: they equal rip and rflags
	add rsp, 16                     ; vector and error code: rsp -> rip, cs, rflags, rsp, ss
	swapgs
	mov rsp, [rsp + 3 * 8]          ; the user stack, last: nothing below uses the kernel's
	o64 sysret

section .note.GNU-stack noalloc noexec nowrite progbits
