/* Linux's x86-64 signal frame. A handler is entered with rsp at an rt_sigframe whose first
 * word is the return address (sa_restorer, which calls rt_sigreturn), rdi = the signal,
 * rsi = &frame->info, rdx = &frame->uc; below the frame (at a lower address) nothing,
 * above it the FXSAVE image uc_mcontext.fpstate points to. rsp + 8 is 16-byte aligned, as
 * after a call. rt_sigreturn takes everything back from the frame, trusting nothing in
 * it: the segments are the user ones whatever it says, only the arithmetic, direction,
 * trap and alignment flags come from it, MXCSR's reserved bits are cleared (FXRSTOR would
 * fault on them), and a non-canonical rip is caught on the way out (isr.asm), so a forged
 * frame can only crash its own task. */
#include "arch-x86_64/signal.h"
#include "arch-x86_64/trap.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/fpu.h"
#include "arch-x86_64/processor.h"
#include "kernel/signal.h"
#include "kernel/syscall_table.h"
#include "mm/addrspace.h"
#include "lib/string.h"
#include "lib/errno.h"

struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;		/* user address of the FXSAVE image, or 0 */
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext) == 256, "struct sigcontext_64");

struct ucontext {
	uint64_t flags;
	uint64_t link;
	struct user_stack stack;
	struct sigcontext mcontext;
	uint64_t sigmask;
};
_Static_assert(sizeof(struct ucontext) == 304, "the kernel's struct ucontext");

/* siginfo_t: 128 bytes; which union member follows the header depends on si_code. */
struct user_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct { int32_t pid; uint32_t uid; uint64_t value; } kill;	/* and sigqueue */
		struct { int32_t tid, overrun; uint64_t value; } timer;
		struct { int32_t pid; uint32_t uid; int32_t status, pad; int64_t utime, stime; } child;
		struct { uint64_t addr; } fault;
		uint8_t bytes[112];
	};
};
_Static_assert(sizeof(struct user_siginfo) == 128, "siginfo_t");

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext uc;
	struct user_siginfo info;
};

#define UC_SIGCONTEXT_SS       0x2
#define UC_STRICT_RESTORE_SS   0x4
#define RED_ZONE    128		/* below rsp, the ABI's: a handler must not clobber it */
/* The flags a frame may set (Linux's FIX_EFLAGS): never IF, IOPL, NT or VM. */
#define FIX_RFLAGS (RFLAGS_AC | RFLAGS_OF | RFLAGS_DF | RFLAGS_TF | RFLAGS_SF | RFLAGS_ZF | \
		    RFLAGS_AF | RFLAGS_PF | RFLAGS_CF | RFLAGS_RF)
#define MXCSR_OFFSET 24		/* in the FXSAVE image */
#define MXCSR_VALID  0xffbf	/* the bits FXRSTOR accepts without a mask from the CPU */

static void fill_siginfo(struct user_siginfo *u, int sig, const struct ksiginfo *k)
{
	memset(u, 0, sizeof(*u));
	u->signo = sig;
	u->code = k->code;
	bool fault = k->code > 0 && k->code < SI_KERNEL &&
		     (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
	if (fault) {
		u->fault.addr = k->addr;
	} else if (sig == SIGCHLD && k->code > 0 && k->code < SI_KERNEL) {
		u->child.pid = k->pid;
		u->child.uid = k->uid;
		u->child.status = k->status;
		u->child.utime = k->utime;
		u->child.stime = k->stime;
	} else if (k->code == SI_TIMER) {
		u->timer.tid = k->timerid;
		u->timer.overrun = k->overrun;
		u->timer.value = k->value;
	} else {
		u->kill.pid = k->pid;
		u->kill.uid = k->uid;
		u->kill.value = k->value;
	}
}

int arch_copy_siginfo_to_user(void *u, int sig, const struct ksiginfo *info)
{
	struct user_siginfo si;
	fill_siginfo(&si, sig, info);
	return copy_to_user(u, &si, sizeof(si));
}

int arch_copy_siginfo_from_user(struct ksiginfo *info, const void *u)
{
	struct user_siginfo si;
	if (copy_from_user(&si, u, sizeof(si)))
		return -EFAULT;
	*info = (struct ksiginfo){ .code = si.code, .pid = si.kill.pid, .uid = si.kill.uid,
				   .value = si.kill.value };
	return 0;
}

static void save_registers(struct sigcontext *sc, const struct trap_frame *tf)
{
	*sc = (struct sigcontext){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
		.r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
		.rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
		.rsp = tf->rsp, .rip = tf->rip, .rflags = tf->rflags, .cs = USER_CS, .ss = USER_DS,
		.err = tf->vector < T_NUM_EXCEPTIONS ? tf->error : 0,
		.trapno = tf->vector < T_NUM_EXCEPTIONS ? tf->vector : 0,
	};
}

int arch_signal_frame(struct trap_frame *tf, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *act, uint64_t blocked)
{
	struct task *t = current();
	if (!(act->flags & SA_RESTORER))
		return -EFAULT; /* x86-64 has no kernel-provided return path (no vsyscall trampoline) */
	uint64_t sp = tf->rsp - RED_ZONE;
	bool onstack = on_signal_stack(tf->rsp);
	struct user_stack altstack = { t->sas_sp, t->sas_flags, 0, t->sas_size };
	bool entering = (act->flags & SA_ONSTACK) && t->sas_size && !onstack;
	if (entering)
		sp = t->sas_sp + t->sas_size;
	uint64_t fpstate = ALIGN_DOWN(sp - sizeof(struct fpu_state), 64);
	uint64_t frame = ALIGN_DOWN(fpstate - sizeof(struct rt_sigframe), 16) - 8;
	/* A frame meant for the alternate stack (the first there, or nested on it) that does
	 * not fit on it is written nowhere: the task dies of SIGSEGV, as Linux's get_sigframe
	 * decides ("overflowed sigaltstack"). Written below the stack's bottom instead, it left
	 * rsp off the stack, so the next signal's frame went back to the top: a handler that
	 * faults at once (or signals itself) cycled over the same frames forever. */
	if ((onstack || entering) && !on_signal_stack(frame))
		return -EFAULT;

	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = act->restorer;
	f.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.stack = altstack;
	save_registers(&f.uc.mcontext, tf);
	f.uc.mcontext.oldmask = blocked;
	f.uc.mcontext.cr2 = info->code > 0 && info->code < SI_KERNEL ? info->addr : 0;
	f.uc.mcontext.fpstate = fpstate;
	f.uc.sigmask = blocked;
	fill_siginfo(&f.info, sig, info);
	fpu_save(t->fpu); /* the live registers are the interrupted code's */
	if (copy_to_user((void *)fpstate, t->fpu, sizeof(*t->fpu)) ||
	    copy_to_user((void *)frame, &f, sizeof(f)))
		return -EFAULT;

	if (t->sas_flags & SS_AUTODISARM) {
		t->sas_size = t->sas_sp = 0; /* until sigreturn puts it back */
		t->sas_flags = SS_DISABLE;
	}
	tf->rsp = frame;
	tf->rip = act->handler;
	tf->rdi = sig;
	tf->rsi = frame + offsetof(struct rt_sigframe, info);
	tf->rdx = frame + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	fpu_init_state(t->fpu); /* the handler starts from the initial FPU state */
	fpu_restore(t->fpu);
	return 0;
}

long sys_rt_sigreturn(void)
{
	struct task *t = current();
	struct trap_frame *tf = task_user_frame(t);
	uint64_t frame = tf->rsp - 8; /* the handler's return popped pretcode */
	struct ucontext uc;
	if (copy_from_user(&uc, (void *)(frame + offsetof(struct rt_sigframe, uc)), sizeof(uc)))
		goto bad;
	const struct sigcontext *sc = &uc.mcontext;
	if (sc->fpstate) {
		if (copy_from_user(t->fpu, (void *)sc->fpstate, sizeof(*t->fpu)))
			goto bad;
		uint32_t *mxcsr = (uint32_t *)(t->fpu->bytes + MXCSR_OFFSET);
		*mxcsr &= MXCSR_VALID;
	} else {
		fpu_init_state(t->fpu);
	}
	fpu_restore(t->fpu);
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rax = sc->rax, tf->rcx = sc->rcx, tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~FIX_RFLAGS) | (sc->rflags & FIX_RFLAGS);
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->error = -1UL; /* no system call to restart: the frame's rax is a value */
	signal_set_blocked(uc.sigmask);
	signal_altstack_set(uc.stack.sp, uc.stack.flags, uc.stack.size, sc->rsp); /* errors: as was */
	return (long)sc->rax;
bad:
	task_fault_kill(SIGSEGV, "bad signal frame", frame, tf->rip);
}

void arch_syscall_restart(struct trap_frame *tf, const struct k_sigaction *act)
{
	if (tf->vector != T_SYSCALL || (int64_t)tf->error < 0)
		return;
	switch (-(int64_t)tf->rax) {
	case ERESTARTNOHAND:
		if (act)
			break;
		goto restart;
	case ERESTARTSYS:
		if (act && !(act->flags & SA_RESTART))
			break;
		goto restart;
	case ERESTARTNOINTR:
		goto restart;
	default:
		return;
	}
	tf->rax = -EINTR;
	return;
restart:
	tf->rax = tf->error; /* the system call number (the entry keeps it there) */
	tf->rip -= 2;	     /* back onto the 2-byte syscall instruction */
}

uint64_t arch_user_sp(const struct trap_frame *tf) { return tf->rsp; }
uint64_t arch_user_ip(const struct trap_frame *tf) { return tf->rip; }
