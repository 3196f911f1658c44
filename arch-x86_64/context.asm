; Kernel context switch and the first instructions of a new task.
;
; switch_context(uint64_t *save_rsp, uint64_t new_rsp) saves the callee-saved registers
; (the only ones a C caller expects to survive a call) on the current stack, stores rsp
; in *save_rsp, loads new_rsp and pops the same registers of the other task: returning
; from it lands wherever that task called switch_context, or, for a task that never ran,
; in one of the entry stubs below (kernel/task.c builds that first frame).

extern sched_new_task_entry, kthread_entry, return_to_user_work, trap_return

section .text
bits 64

global switch_context
switch_context:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new kernel thread: release the scheduler, then run kthread_entry() (never returns).
global kthread_start
kthread_start:
	call sched_new_task_entry
	xor rbp, rbp                    ; end of the backtrace chain
	call kthread_entry
	ud2

; A new user task (exec'd or forked): rsp points at the struct trap_frame that takes it
; to ring 3 (16-byte aligned, at the top of its kernel stack). Release the scheduler, then
; leave as every return to ring 3 does: return_to_user_work() (a kill that came first, CPU
; time accounting) with interrupts off, and trap_return (isr.asm).
global user_task_start
user_task_start:
	call sched_new_task_entry
	cli
	mov rdi, rsp                    ; struct trap_frame *
	call return_to_user_work
	jmp trap_return

section .note.GNU-stack noalloc noexec nowrite progbits
