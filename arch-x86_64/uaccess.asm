; The kernel's direct accesses to user memory, for system calls (mm/uaccess.c checks that
; the range lies below USER_END; the MMU checks the rest). Every instruction here that may
; touch user memory has an entry in the exception table (.ex_table: its address, then the
; address to resume at): a page fault on it is resolved as the user's own access would be,
; or, when that fails, execution resumes at the fixup, which reports the failure
; (arch-x86_64/fault.c). So no page is looked up in software on the way, and no lock is
; taken unless a fault must be resolved.

section .ex_table progbits alloc noexec nowrite align=8
section .text
bits 64

; UACCESS fixup, instruction: the instruction, listed in the exception table.
%macro UACCESS 2+
%%insn:	%2
	section .ex_table
	dq %%insn, %1
	section .text
%endmacro

; size_t uaccess_copy(void *dst, const void *src, size_t n): copy n bytes where either
; side may be user memory. Returns 0, or after a fault that could not be resolved a
; non-zero count of bytes that may not have been copied.
global uaccess_copy
uaccess_copy:
	mov rax, rdx
	cmp rax, 32
	jb .words
.block:				; four words loaded, then stored: TCG's fastest plain copy
	UACCESS .fault, mov r8, [rsi]
	UACCESS .fault, mov r9, [rsi + 8]
	UACCESS .fault, mov r10, [rsi + 16]
	UACCESS .fault, mov r11, [rsi + 24]
	UACCESS .fault, mov [rdi], r8
	UACCESS .fault, mov [rdi + 8], r9
	UACCESS .fault, mov [rdi + 16], r10
	UACCESS .fault, mov [rdi + 24], r11
	add rsi, 32
	add rdi, 32
	sub rax, 32
	cmp rax, 32
	jae .block
.words:
	cmp rax, 8
	jb .bytes
	UACCESS .fault, mov r8, [rsi]
	UACCESS .fault, mov [rdi], r8
	add rsi, 8
	add rdi, 8
	sub rax, 8
	jmp .words
.bytes:
	test rax, rax
	jz .done
	UACCESS .fault, mov cl, [rsi]
	UACCESS .fault, mov [rdi], cl
	inc rsi
	inc rdi
	dec rax
	jmp .bytes
.done:
	ret
.fault:				; rax: the bytes left, the interrupted piece included
	ret

; long uaccess_strncpy(char *dst, const char *usrc, size_t n): copy bytes from usrc until
; a NUL (copied too) or n bytes. Returns the bytes copied before the NUL, n when none was
; within n bytes, or -1 after a fault that could not be resolved. Only the bytes up to the
; NUL are read: the string may end just below an unmapped page.
global uaccess_strncpy
uaccess_strncpy:
	xor eax, eax
.next:
	cmp rax, rdx
	je .done
	UACCESS .fault, movzx ecx, byte [rsi + rax]
	mov [rdi + rax], cl
	test cl, cl
	jz .done
	inc rax
	jmp .next
.done:
	ret
.fault:
	mov rax, -1
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
