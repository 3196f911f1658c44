/* sysfuzz [CALLS [SEED [JOBS]]]: random system calls with hostile arguments, in forked
 * children, until CALLS calls were made (default 100000). With JOBS > 1, that many fuzzers
 * run at once, job i pinned to CPU i modulo the CPUs online, with seeds SEED + i, sharing
 * the calls: every CPU in the kernel at once. Arguments come from a pool of trouble: 0,
 * -1, descriptors that may or may not be open, pointers into a valid buffer, at its very
 * end, into unmapped and kernel memory, past the end of user space, huge lengths, random
 * bits. Children may crash (they unmap their own stack, say) or block (a watchdog kills
 * them after 20 ms without progress): only the kernel has to survive. Each child
 * closes its standard descriptors onto /dev/null first, and never signals anyone but
 * itself (its own process group).
 *
 * One call in twelve drives the signal, thread and clone surfaces instead, with arguments
 * that mostly get past the checks: real handlers (SA_SIGINFO, SA_ONSTACK, SA_RESTART,
 * SA_NODEFER, SA_RESETHAND, random masks) for a few signals, alternate stacks of random
 * size and place, signals to itself (kill, tkill, tgkill, rt_sigqueueinfo with random
 * siginfo, timers, through sigsuspend and sigtimedwait) sent while the stack pointer is
 * good or bad (a frame that cannot be written must kill the child with SIGSEGV), handlers
 * that send more, or mangle their frame (rip, rsp, eflags, segments, the fpstate pointer,
 * MXCSR and the FXSAVE image, the mask, the saved alternate stack) and return or call
 * rt_sigreturn on it directly; and clone with random CLONE_* combinations (threads that
 * make a few random calls on their own stack and exit, fork and vfork forms, unknown bits,
 * bad exit signals, bad TLS and tid pointers) through a raw system call, so that a new
 * task never runs on its creator's C frame. Combinations Linux refuses (CLONE_THREAD
 * without CLONE_SIGHAND, CLONE_SIGHAND without CLONE_VM) must give EINVAL, and
 * CLONE_SETTLS with a TLS pointer past the end of user space must make no task (Linux:
 * EPERM): a child that sees otherwise says so, and sysfuzz fails.
 *
 * The children's choices follow from SEED alone (handlers and threads draw from their own
 * generators); when signals arrive from timers is up to the machine.
 * Prints "sysfuzz: N calls in C children (K ended by signals, W by the watchdog)" and a
 * line of what the signal and clone surfaces saw (all jobs together). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS_PER_CHILD 2000

static const long numbers[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25,
	28, 32, 33, 34, 35, 36, 37, 38, 39, 40, 56, 57, 58, 59, 60, 61, 62, 63, 72, 79, 80, 89, 95,
	96, 97, 98, 99, 100, 102, 104, 107, 108, 109, 110, 111, 112, 115, 121, 124, 127, 128, 129,
	130, 131, 157, 158, 160, 186, 200, 201, 202, 204, 217, 218, 222, 223, 224, 225, 226, 228,
	229, 230, 231, 234, 257, 262, 267, 269, 271, 273, 292, 293, 297, 302, 318, 332, 334,
	/* a few that do not exist, and nonsense */
	23, 41, 150, 250, 400, 511, 512, 1000, -1, 0x40000000,
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const paths[] = {
	"/bin/hello", "/dev/null", "/proc/self/maps", "/proc/meminfo", "/", "/proc/self/pagemap",
	"/no/such/file", "/bin/sh/x", "",
};

/* The kernel's clone flags (musl's sched.h has them only with _GNU_SOURCE and not all). */
#define F_CSIGNAL              0x000000ffUL
#define F_CLONE_VM             0x00000100UL
#define F_CLONE_FS             0x00000200UL
#define F_CLONE_FILES          0x00000400UL
#define F_CLONE_SIGHAND        0x00000800UL
#define F_CLONE_PIDFD          0x00001000UL
#define F_CLONE_PTRACE         0x00002000UL
#define F_CLONE_VFORK          0x00004000UL
#define F_CLONE_PARENT         0x00008000UL
#define F_CLONE_THREAD         0x00010000UL
#define F_CLONE_NEWNS          0x00020000UL
#define F_CLONE_SYSVSEM        0x00040000UL
#define F_CLONE_SETTLS         0x00080000UL
#define F_CLONE_PARENT_SETTID  0x00100000UL
#define F_CLONE_CHILD_CLEARTID 0x00200000UL
#define F_CLONE_DETACHED       0x00400000UL
#define F_CLONE_UNTRACED       0x00800000UL
#define F_CLONE_CHILD_SETTID   0x01000000UL
#define F_CLONE_NEWCGROUP      0x02000000UL
#define F_CLONE_NEWUTS         0x04000000UL
#define F_CLONE_NEWIPC         0x08000000UL
#define F_CLONE_NEWUSER        0x10000000UL
#define F_CLONE_NEWPID         0x20000000UL
#define F_CLONE_NEWNET         0x40000000UL
#define F_CLONE_IO             0x80000000UL
#define THREAD_FLAGS (F_CLONE_VM | F_CLONE_FS | F_CLONE_FILES | F_CLONE_SIGHAND | F_CLONE_THREAD)

#define K_SA_RESTORER 0x04000000UL
#define K_SS_AUTODISARM (1U << 31)

/* What the children count for the summary, in memory shared with sysfuzz (one per job). */
struct shared {
	volatile long calls;
	long handlers, mangled, threads, clones, created, wrong_clones;
	unsigned long wrong_flags, wrong_tls;
	long wrong_result;
	long children, signaled, watchdog; /* the job's own */
};

/* The kernel's struct k_sigaction, siginfo_t, sigevent and ucontext (x86-64). */
struct kact {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};
struct kucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t gregs[23]; /* r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs|gs|fs|ss, ... */
	uint64_t fpstate;
	uint64_t reserved[8];
	uint64_t sigmask;
};
enum { G_RSP = 15, G_RIP = 16, G_EFLAGS = 17, G_CSGSFS = 18 };
struct ksigevent {
	uint64_t value;
	int32_t signo, notify, tid, pad[11];
};

/* A thread's stack and what it needs; busy from its creation until it is done with it. */
struct slot {
	volatile int busy;
	int ptid, ctid;
	uint64_t seed;
	char stack[32768] __attribute__((aligned(64)));
};
#define SLOTS 4

struct gen {
	uint64_t s;
};

static char buffer[65536];
static char *playground;   /* 1 MiB the memory calls mostly aim at */
static char *altarea;      /* 64 KiB for alternate stacks, a PROT_NONE page below it */
static struct shared *sh;
static struct gen main_gen;
static uint64_t child_seed;
static struct slot slots[SLOTS], spare_slot; /* spare: for threads on a bad stack */
static char vfork_stack[16384] __attribute__((aligned(64)));
static uint64_t tls_block[64] __attribute__((aligned(64))); /* a TLS word that points to itself */
static volatile int last_tid;     /* the newest thread's */
static volatile int handler_depth;
static volatile uint32_t handler_serial;
static volatile unsigned char armed[65]; /* we believe sig has our handler */
static int watched_pid;           /* the fuzz child's: only it mangles its frames */
static volatile long saved_rsp __attribute__((used)); /* signal_on_stack's real stack pointer */
static int timers[4];
static unsigned timer_count;

static uint64_t next(struct gen *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return g->s;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x ? x : 1;
}

/* A system call without errno (no thread pointer needed: callers may have a wild FS
 * base) and usable from a handler. */
static inline long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}
#define raw(nr, a, b, c) raw6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* A counted call of the child's main line (handlers' and threads' are not counted: the
 * watchdog must see a stuck main line as stuck). */
static long call6(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = raw6(nr, a, b, c, d, e, f);
	__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
	return r;
}
#define call(nr, a, b, c) call6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* A call that may make a process (fork, vfork); the copy exits at once. */
static long fork_call(long nr, const long a[6])
{
	long r = raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r == 0 && (nr == SYS_fork || nr == SYS_vfork))
		raw(SYS_exit_group, 0, 0, 0); /* a child of ours: it must not fuzz on (nor linger) */
	return r;
}

/* The restorer every handler of ours returns through, and a place a mangled frame may send
 * rip to: it ends the process without touching the stack. */
__asm__(".text\n"
	"fuzz_restorer:\n\tmovl $15, %eax\n\tsyscall\n\thlt\n"
	"fuzz_landing:\n\tmovl $231, %eax\n\txorl %edi, %edi\n\tsyscall\n\thlt\n");
extern char fuzz_restorer[], fuzz_landing[];

/* One argument from the pool of trouble. */
static long trouble(struct gen *g)
{
	switch (next(g) % 16) {
	case 0: return 0;
	case 1: return -1;
	case 2: return next(g) % 64;
	case 3: return (long)(next(g) % 0x7ffffffff000ul) & ~0xfffl;
	case 4: return (long)(buffer + next(g) % (sizeof(buffer) - 64));
	case 5: return (long)(0xffff800000000000ul + (next(g) % (1ul << 30)));
	case 6: return (long)(0x7ffffffff000ul - next(g) % 8192);
	case 7: return (long)(~0ul >> (next(g) % 48));
	case 8: return (long)next(g);
	case 9: return (long)paths[next(g) % COUNT(paths)];
	case 10: return 0x1000;
	case 11: return (long)(buffer + sizeof(buffer) - 1 - next(g) % 8);
	case 12: return (long)(next(g) & 0xffff);
	case 13: return 8;
	case 14: return (long)(4096 * (next(g) % 256));
	default: return (long)(next(g) % 4096);
	}
}

/* futex's: mostly words of the playground (now and then misaligned), known operations with
 * their flags, small counts and short or invalid timeouts, so that calls get past the
 * checks and wait briefly at most; a quarter of the time the usual trouble. */
static long futex_argument(struct gen *g, int index)
{
	static const struct timespec brief[] = { { 0, 0 }, { 0, 200000 }, { 0, 2000000 }, { -1, 0 } };
	if (next(g) % 4 == 0)
		return trouble(g);
	switch (index) {
	case 0:
	case 4:
		return (long)(playground + (next(g) % 64) * 4 + (next(g) % 16 == 0));
	case 1:
		return (long)(next(g) % 13) | (next(g) % 2 ? 128 : 0) | (next(g) % 8 ? 0 : 256);
	case 2:
		return next(g) % 4 ? (long)(next(g) % 3) : 0x7fffffff;
	case 3:
		return next(g) % 2 ? (long)&brief[next(g) % 4] : (long)(next(g) % 3);
	default:
		return next(g) % 2 ? -1 : (long)(next(g) & 0xffffffff);
	}
}

static long argument(struct gen *g, int nr, int index)
{
	if (nr == SYS_futex)
		return futex_argument(g, index);
	bool memory = nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_mremap || nr == SYS_madvise ||
		      nr == SYS_brk || nr == SYS_mmap;
	if (memory && index == 0 && next(g) % 8) /* mostly the playground: our own code lives on */
		return (long)(playground + (next(g) % 256) * 4096);
	bool pidlike = nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill || nr == SYS_wait4 ||
		       nr == SYS_prlimit64 || nr == SYS_sched_getaffinity || nr == SYS_getpgid ||
		       nr == SYS_setpgid || nr == SYS_getsid || nr == SYS_rt_sigqueueinfo ||
		       nr == SYS_rt_tgsigqueueinfo;
	if (pidlike && (index == 0 || (index == 1 && (nr == SYS_tgkill || nr == SYS_rt_tgsigqueueinfo)))) {
		/* only ever ourselves (our own group), a thread of ours, nobody, or no one that exists */
		static const long pids[] = { 0, -1, -2, 0x7fffffff };
		long pid = next(g) % 8 ? pids[next(g) % 4] : next(g) % 2 ? raw(SYS_getpid, 0, 0, 0) : last_tid;
		return nr == SYS_kill && pid == -1 ? -raw(SYS_getpid, 0, 0, 0) : pid; /* kill(-1): everyone */
	}
	/* timers: mostly a real clock, timer id or which, so the calls get past their checks */
	bool timer = nr == SYS_timer_create || nr == SYS_timer_settime || nr == SYS_timer_gettime ||
		     nr == SYS_timer_getoverrun || nr == SYS_timer_delete || nr == SYS_setitimer ||
		     nr == SYS_getitimer || nr == SYS_alarm;
	if (timer && index == 0 && next(g) % 4) {
		static const long clocks[] = { 0, 1, 2, 3, 4, 7, 8, 9, 11, -7, -6, -2 };
		if (nr == SYS_timer_create)
			return clocks[next(g) % COUNT(clocks)];
		return next(g) % (nr == SYS_alarm ? 2 : 4); /* an alarm short enough to fire */
	}
	/* the signal calls: mostly a real size of sigset (8) */
	bool sigset = nr == SYS_rt_sigaction || nr == SYS_rt_sigprocmask || nr == SYS_rt_sigpending ||
		      nr == SYS_rt_sigtimedwait || nr == SYS_rt_sigsuspend;
	int size_index = nr == SYS_rt_sigpending || nr == SYS_rt_sigsuspend ? 1 : 3;
	if (sigset && index == size_index && next(g) % 4)
		return 8;
	return trouble(g);
}

/* ---- signals ---- */

static const int fuzz_signals[] = {
	SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGCHLD, SIGWINCH, SIGURG, SIGSEGV, SIGBUS,
	SIGTRAP, SIGFPE, SIGILL, 35, 40, 64,
};

static int pick_signal(struct gen *g)
{
	return fuzz_signals[next(g) % COUNT(fuzz_signals)];
}

/* One to send: mostly one with our handler, so that the child lives on. */
static int pick_armed(struct gen *g)
{
	int sig = pick_signal(g);
	for (int tries = 0; tries < 8 && !armed[sig]; tries++)
		sig = pick_signal(g);
	return sig;
}

static uint64_t sig_bit(int sig) { return 1ull << (sig - 1); }

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

/* An address for rip: nothing that lands inside our code but the landing pad, which
 * exits (the data pages are not executable). */
static uint64_t wild_rip(struct gen *g)
{
	switch (next(g) % 9) {
	case 0: return next(g);
	case 1: return 0;
	case 2: return 0x0000800000000000ull + next(g) % 4096; /* not canonical */
	case 3: return 0x00007ffffffff000ull - next(g) % 64;    /* the end of user space */
	case 4: return 0xffffffff80000000ull + next(g) % (1u << 24); /* the kernel */
	case 5: return 0xffff800000000000ull;
	case 6: return (uint64_t)fuzz_landing;
	case 7: return (uint64_t)(buffer + next(g) % sizeof(buffer));
	default: return ~0ull;
	}
}

/* A value for any other word of the frame. */
static uint64_t wild(struct gen *g, uint64_t was)
{
	switch (next(g) % 6) {
	case 0: return wild_rip(g);
	case 1: return was ^ (1ull << (next(g) % 64));
	case 2: return was + next(g) % 256 - 128;
	case 3: return next(g) & 0xffffffff;
	case 4: return (uint64_t)trouble(g);
	default: return next(g);
	}
}

static void words_copy(uint64_t *to, const uint64_t *from, int n)
{
	for (int i = 0; i < n; i++)
		to[i] = from[i];
}

/* Call rt_sigreturn with rsp at uc: the kernel takes the frame from rsp - 8 (where the
 * handler's return address, sa_restorer, was). Never returns here. */
static void __attribute__((noreturn)) sigreturn_at(uint64_t uc)
{
	__asm__ __volatile__("movq %0, %%rsp\n\tmovl $15, %%eax\n\tsyscall\n\thlt" :: "r"(uc) : "memory");
	__builtin_unreachable();
}

/* Spoil one to three things in the frame the kernel built for us; then return through it
 * or call rt_sigreturn on it (or on a copy, or anywhere) at once. */
static void mangle(struct gen *g, struct kucontext *uc)
{
	__atomic_add_fetch(&sh->mangled, 1, __ATOMIC_RELAXED);
	uint64_t *fp = (uint64_t *)uc->fpstate; /* the kernel's: inside our frame's stack */
	int n = 1 + next(g) % 3;
	for (int i = 0; i < n; i++) {
		switch (next(g) % 13) {
		case 0: uc->gregs[G_RIP] = wild_rip(g); break;
		case 1: uc->gregs[G_RSP] = wild(g, uc->gregs[G_RSP]); break;
		case 2: /* any flags, the trap flag now and then */
			uc->gregs[G_EFLAGS] = next(g) & (next(g) % 4 ? ~0x100ull : ~0ull);
			break;
		case 3: uc->gregs[G_CSGSFS] = next(g); break;
		case 4: uc->fpstate = wild(g, uc->fpstate); break;
		case 5: /* MXCSR: reserved bits, unmasked exceptions */
			if (fp)
				((uint32_t *)fp)[6] = (uint32_t)next(g);
			break;
		case 6: /* anywhere in the FXSAVE image: control and status words, tags, registers */
			if (fp)
				fp[next(g) % 64] = next(g);
			break;
		case 7: uc->sigmask = next(g); break;
		case 8: /* the alternate stack rt_sigreturn puts back */
			uc->ss_sp = wild(g, uc->ss_sp);
			uc->ss_flags = (int32_t)(next(g) % 4 ? next(g) % 3 : next(g));
			uc->ss_size = next(g) % 2 ? next(g) % 65536 : next(g);
			break;
		case 9: uc->flags = next(g); uc->link = next(g); break;
		case 10: { /* a general register */
			int r = next(g) % 15;
			r += r >= G_RSP;
			uc->gregs[r] = wild(g, uc->gregs[r]);
			break;
		}
		case 11: uc->gregs[19 + next(g) % 4] = next(g); break; /* err, trapno, oldmask, cr2 */
		default: /* any word of the frame: its return address, context, siginfo */
			((uint64_t *)uc)[next(g) % ((sizeof(*uc) + 128) / 8 + 1) - 1] = next(g);
			break;
		}
	}
	switch (next(g) % 8) {
	case 0: case 1: case 2: case 3:
		return; /* through sa_restorer */
	case 4: case 5:
		handler_depth--;
		sigreturn_at((uint64_t)uc);
	case 6: { /* a copy elsewhere: the stack of no one, the buffer */
		uint64_t *copy = (uint64_t *)(buffer + 4096 + (next(g) % 64) * 16);
		words_copy(copy, (uint64_t *)uc, sizeof(*uc) / 8);
		handler_depth--;
		sigreturn_at((uint64_t)copy);
	}
	default:
		handler_depth--;
		sigreturn_at((uint64_t)trouble(g));
	}
}

/* Every handler: async-signal-safe (raw system calls, no libc state), its choices from its
 * own generator. */
static void handler(int sig, siginfo_t *si, void *ucv)
{
	__atomic_add_fetch(&sh->handlers, 1, __ATOMIC_RELAXED);
	uint32_t serial = __atomic_add_fetch(&handler_serial, 1, __ATOMIC_RELAXED);
	struct gen g = { mix(child_seed ^ ((uint64_t)serial << 8) ^ (uint64_t)sig) };
	if (fault_signal(sig) && si->si_code > 0 && next(&g) % 2)
		raw(SYS_exit_group, 0, 0, 0); /* a real fault would come back at once */
	if (handler_depth > 3)
		return;
	handler_depth++;
	switch (next(&g) % 16) {
	case 0: case 1: case 2: case 3: case 4: case 5: case 6:
		break;
	case 7: case 8: { /* another signal, on top of this frame */
		int other = pick_armed(&g);
		if (next(&g) % 2)
			raw(SYS_kill, raw(SYS_getpid, 0, 0, 0), other, 0);
		else
			raw(SYS_tkill, raw(SYS_gettid, 0, 0, 0), other, 0);
		break;
	}
	case 9: { /* the alternate stack: asked about, changed (EPERM while on it) */
		stack_t ss = { .ss_sp = altarea + next(&g) % 32768, .ss_flags = next(&g) % 2 ? 0 : SS_DISABLE,
			       .ss_size = 2048 + next(&g) % 16384 };
		raw(SYS_sigaltstack, next(&g) % 2 ? &ss : NULL, buffer + 512, 0);
		break;
	}
	case 10: {
		uint64_t set = next(&g);
		raw6(SYS_rt_sigprocmask, next(&g) % 3, (long)&set, (long)(buffer + 256), 8, 0, 0);
		break;
	}
	default:
		/* Not in a process that fork or clone just made, before its first instruction
		 * (a signal to our group): a mangled rax there would send it on fuzzing as if it
		 * were its creator, where no watchdog sees it, outliving sysfuzz. */
		if (raw(SYS_getpid, 0, 0, 0) == watched_pid)
			mangle(&g, ucv);
		break;
	}
	handler_depth--;
}

/* rt_sigaction with our handler (or none, or a wild one) and random flags and mask. */
static void install(struct gen *g, int sig)
{
	static const unsigned long flagbits[] = {
		SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_NOCLDSTOP, SA_NOCLDWAIT,
	};
	struct kact act = { (void *)handler, K_SA_RESTORER, fuzz_restorer, 0 };
	for (unsigned i = 0; i < COUNT(flagbits); i++)
		if (next(g) % 3 == 0)
			act.flags |= flagbits[i];
	if (next(g) % 2)
		act.flags |= SA_SIGINFO;
	if (next(g) % 16 == 0)
		act.flags ^= 1ul << (next(g) % 64); /* unknown bits, or SA_RESTORER gone */
	switch (next(g) % 32) {
	case 0: case 1: case 2: act.handler = SIG_IGN; break;
	case 3: case 4: act.handler = SIG_DFL; break;
	case 5: act.handler = (void *)wild_rip(g); break;
	}
	if (next(g) % 32 == 0)
		act.restorer = (void *)wild_rip(g);
	if (next(g) % 2)
		act.mask = next(g) % 2 ? next(g) : sig_bit(pick_signal(g));
	void *old = next(g) % 4 ? NULL : next(g) % 2 ? (void *)(buffer + 1024) : (void *)trouble(g);
	long r = call6(SYS_rt_sigaction, sig, next(g) % 32 ? (long)&act : trouble(g), (long)old,
		       next(g) % 16 ? 8 : trouble(g), 0, 0);
	if (r == 0 && sig >= 1 && sig <= 64) /* one more delivery, at least, with SA_RESETHAND */
		armed[sig] = act.handler == (void *)handler && act.restorer == fuzz_restorer &&
			     (act.flags & K_SA_RESTORER);
}

static void random_siginfo(struct gen *g, int sig, uint64_t info[16])
{
	static const int codes[] = { -1, 0, -6, 0x80, -2, -3, -4, -5, 1, 2, 3, 4, -60 };
	for (int i = 0; i < 16; i++)
		info[i] = next(g);
	((int32_t *)info)[0] = next(g) % 8 ? sig : (int32_t)next(g);
	((int32_t *)info)[2] = next(g) % 8 ? codes[next(g) % COUNT(codes)] : (int32_t)next(g);
	((int32_t *)info)[4] = next(g) % 2 ? (int32_t)raw(SYS_getpid, 0, 0, 0) : (int32_t)next(g);
}

/* The arguments of one way to signal ourselves: *nr and a[0..3]. */
static void sender(struct gen *g, int sig, long *nr, long a[4])
{
	static uint64_t info[16];
	long pid = raw(SYS_getpid, 0, 0, 0);
	long tid = next(g) % 4 || !last_tid ? raw(SYS_gettid, 0, 0, 0) : last_tid;
	a[3] = 0;
	switch (next(g) % 7) {
	case 0: case 1: *nr = SYS_kill; a[0] = pid; a[1] = sig; a[2] = 0; break;
	case 2: *nr = SYS_kill; a[0] = 0; a[1] = sig; a[2] = 0; break; /* our process group */
	case 3: *nr = SYS_tkill; a[0] = tid; a[1] = sig; a[2] = 0; break;
	case 4: *nr = SYS_tgkill; a[0] = pid; a[1] = tid; a[2] = sig; break;
	case 5:
		random_siginfo(g, sig, info);
		*nr = SYS_rt_sigqueueinfo; a[0] = pid; a[1] = sig;
		a[2] = next(g) % 8 ? (long)info : trouble(g);
		break;
	default:
		random_siginfo(g, sig, info);
		*nr = SYS_rt_tgsigqueueinfo; a[0] = pid; a[1] = tid; a[2] = sig;
		a[3] = next(g) % 8 ? (long)info : trouble(g);
		break;
	}
}

static void send_self(struct gen *g)
{
	long nr, a[4];
	sender(g, pick_armed(g), &nr, a);
	call6(nr, a[0], a[1], a[2], a[3], 0, 0);
}

/* Signal ourselves with the stack pointer at sp, so that the kernel builds the frame
 * there (or on the alternate stack): on a good stack the handler runs and we go on; on a
 * bad one the child must die of SIGSEGV, and nothing else may happen. */
static void signal_on_stack(struct gen *g)
{
	uint64_t sp;
	switch (next(g) % 14) {
	case 0: sp = 0; break;
	case 1: sp = 8 + next(g) % 8192; break;
	case 2: sp = 0x0000800000000000ull + next(g) % 8192; break; /* not canonical */
	case 3: sp = 0xffffffff80000000ull + next(g) % (1u << 24); break;
	case 4: sp = (uint64_t)&numbers[next(g) % COUNT(numbers)]; break; /* read-only */
	case 5: sp = ((uint64_t)fuzz_restorer + next(g) % 4096) & ~15ull; break; /* our code */
	case 6: sp = (uint64_t)(playground + (next(g) % 256) * 4096 + next(g) % 4096); break;
	case 7: sp = (uint64_t)(playground + next(g) % 2048); break; /* the frame runs off its start */
	case 8: sp = 0x00007ffffffff000ull - next(g) % 256; break;
	case 9: sp = (uint64_t)(altarea + next(g) % 65536); break; /* maybe on the alternate stack */
	case 10: sp = (uint64_t)(buffer + 8192 + next(g) % (sizeof(buffer) - 8192)); break;
	case 11: sp = (uint64_t)(playground + (1 << 20) - next(g) % 64); break;
	case 12: sp = (uint64_t)(altarea - next(g) % 4096); break; /* the guard page */
	default: sp = (uint64_t)trouble(g); break;
	}
	long nr, a[4];
	sender(g, pick_armed(g), &nr, a);
	register long r10 __asm__("r10") = a[3];
	long ret;
	__asm__ __volatile__("movq %%rsp, saved_rsp(%%rip)\n\t"
			     "movq %[sp], %%rsp\n\t"
			     "syscall\n\t"
			     "movq saved_rsp(%%rip), %%rsp"
			     : "=a"(ret)
			     : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]), "r"(r10), [sp] "r"(sp)
			     : "rcx", "r11", "memory");
	__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
}

/* sigaltstack with a random place, size and flags. */
static void alt_stack(struct gen *g)
{
	static const uint64_t sizes[] = { 2048, 2047, 8192, 16384, 65536, 0, ~0ull, 1ull << 47 };
	stack_t ss;
	switch (next(g) % 6) {
	case 0: case 1: case 2: ss.ss_sp = altarea + next(g) % 32768; break;
	case 3: ss.ss_sp = playground + next(g) % (1 << 20); break;
	case 4: ss.ss_sp = buffer + next(g) % sizeof(buffer); break;
	default: ss.ss_sp = (void *)trouble(g); break;
	}
	ss.ss_size = next(g) % 2 ? 2048 + next(g) % 30000 : sizes[next(g) % COUNT(sizes)];
	switch (next(g) % 8) {
	case 0: ss.ss_flags = SS_DISABLE; break;
	case 1: ss.ss_flags = K_SS_AUTODISARM; break;
	case 2: ss.ss_flags = SS_ONSTACK; break;
	case 3: ss.ss_flags = (int)next(g); break;
	default: ss.ss_flags = 0; break;
	}
	call(SYS_sigaltstack, next(g) % 16 ? (long)&ss : trouble(g),
	     next(g) % 2 ? 0 : next(g) % 4 ? (long)(buffer + 2048) : trouble(g), 0);
}

/* A timer that signals us soon (or periodically): setitimer or a POSIX timer. */
static void arm_timer(struct gen *g)
{
	long ns = 50000 + next(g) % 3000000, period = next(g) % 4 ? 0 : 1000000 + next(g) % 3000000;
	if (next(g) % 3 == 0) {
		struct { struct timeval interval, value; } it = {
			{ 0, period / 1000 }, { 0, ns / 1000 } };
		call(SYS_setitimer, next(g) % 3, &it, next(g) % 2 ? buffer + 3072 : NULL);
		return;
	}
	if (timer_count == COUNT(timers) || (timer_count && next(g) % 4 == 0)) {
		unsigned i = next(g) % timer_count;
		call(SYS_timer_delete, timers[i], 0, 0);
		timers[i] = timers[--timer_count];
		return;
	}
	static const int clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID,
				      CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME };
	static const int notify[] = { 0, 0, 0, 1, 4, 4, 2, -1 }; /* SIGNAL, NONE, THREAD_ID, THREAD */
	struct ksigevent ev = { .value = next(g), .signo = next(g) % 16 ? pick_armed(g) : (int)(next(g) % 70),
				.notify = notify[next(g) % COUNT(notify)] };
	ev.tid = next(g) % 2 || !last_tid ? (int)raw(SYS_gettid, 0, 0, 0) : last_tid;
	int id = -1;
	if (call(SYS_timer_create, clocks[next(g) % COUNT(clocks)], next(g) % 16 ? (long)&ev : 0, &id) != 0)
		return;
	timers[timer_count++] = id;
	struct itimerspec its = { { 0, period }, { 0, ns } };
	call(SYS_timer_settime, id, 0, &its);
}

/* A signal blocked, sent, then taken by rt_sigsuspend (its handler runs) or by
 * rt_sigtimedwait (no handler), then unblocked. rt_sigsuspend only when the signal is
 * pending on this thread (a process-directed one may have gone to another thread, a
 * sender may have failed): it would wait for nothing. Everything is drawn first: what
 * the kernel answers does not change what comes next. */
static void wait_for_signal(struct gen *g)
{
	int sig = pick_armed(g);
	bool suspend = next(g) % 2;
	uint64_t random_mask = next(g), extra = next(g) % 4 ? 0 : next(g);
	struct timespec ts = { 0, next(g) % 4 ? 0 : (long)(next(g) % 1000000) };
	long info = next(g) % 8 ? (long)(buffer + 4096) : trouble(g);
	long timeout = next(g) % 16 ? (long)&ts : trouble(g);
	long nr, a[4];
	sender(g, sig, &nr, a);
	if (!armed[sig])
		return; /* the child would die of it, or rt_sigsuspend wait for nothing */
	uint64_t bit = sig_bit(sig), old = 0, pending = 0;
	call6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&bit, (long)&old, 8, 0, 0);
	call6(nr, a[0], a[1], a[2], a[3], 0, 0);
	call(SYS_rt_sigpending, &pending, 8, 0);
	if (suspend && (pending & bit)) {
		uint64_t mask = (random_mask & 1 ? old : random_mask) & ~bit;
		call(SYS_rt_sigsuspend, &mask, 8, 0);
	} else {
		uint64_t set = bit | extra;
		call6(SYS_rt_sigtimedwait, (long)&set, info, pending & bit ? timeout : (long)&ts, 8, 0, 0);
	}
	call6(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&bit, 0, 8, 0, 0);
}

/* x87 and SSE arithmetic that raises exceptions: harmless while they are masked, a SIGFPE
 * (#MF, #XM) once a mangled frame unmasked them. */
static void fpu_probe(void)
{
	double one = 1.0, zero = 0.0;
	__asm__ __volatile__("divsd %1, %0" : "+x"(one) : "x"(zero));
	__asm__ __volatile__("fld1\n\tfldz\n\tfdivrp\n\tfstp %%st(0)\n\tfwait" ::: "st", "memory");
}

/* ---- clone ---- */

/* clone as a raw system call: the new task starts here, never on its creator's C frame.
 * With body (and a stack of its own), it runs body(slot), marks the slot free and exits
 * (itself only: SYS_exit); without, it exits at once, touching no memory. */
static long raw_clone(unsigned long flags, uint64_t newsp, long ptid, long ctid, long tls,
		      void (*body)(struct slot *), struct slot *slot)
{
	register long r10 __asm__("r10") = ctid;
	register long r8 __asm__("r8") = tls;
	register long r12 __asm__("r12") = (long)body;
	register long r13 __asm__("r13") = (long)slot;
	long ret;
	__asm__ __volatile__("syscall\n\t"
			     "testq %%rax, %%rax\n\t"
			     "jnz 1f\n\t"
			     "testq %%r12, %%r12\n\t"
			     "jz 2f\n\t"
			     "andq $-16, %%rsp\n\t"
			     "movq %%r13, %%rdi\n\t"
			     "callq *%%r12\n\t"
			     "movl $0, (%%r13)\n\t" /* slot->busy: the stack is not used from here */
			     "2:\n\t"
			     "movl $60, %%eax\n\t"
			     "xorl %%edi, %%edi\n\t"
			     "syscall\n\t"
			     "hlt\n"
			     "1:"
			     : "=a"(ret)
			     : "a"((long)SYS_clone), "D"(flags), "S"(newsp), "d"(ptid), "r"(r10), "r"(r8),
			       "r"(r12), "r"(r13)
			     : "rcx", "r11", "memory");
	return ret;
}

/* A thread: a few random calls (not exit or clone: it ends through raw_clone), then every
 * signal blocked so that no frame lands on its stack once it is marked free. */
static void thread_body(struct slot *slot)
{
	__atomic_add_fetch(&sh->threads, 1, __ATOMIC_RELAXED);
	struct gen g = { slot->seed };
	int n = 1 + next(&g) % 8;
	for (int i = 0; i < n; i++) {
		long nr = numbers[next(&g) % COUNT(numbers)];
		if (nr == SYS_exit || nr == SYS_clone || nr == SYS_rt_sigreturn || nr == SYS_pause ||
		    nr == SYS_rt_sigsuspend)
			continue;
		if ((nr == SYS_exit_group || nr == SYS_execve) && next(&g) % 16)
			continue;
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = argument(&g, (int)nr, k);
		if (nr == SYS_fork || nr == SYS_vfork)
			fork_call(nr, a);
		else
			raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	uint64_t all = ~0ull;
	raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
}

static const unsigned long clone_bits[] = {
	F_CLONE_VM, F_CLONE_FS, F_CLONE_FILES, F_CLONE_SIGHAND, F_CLONE_PIDFD, F_CLONE_PTRACE,
	F_CLONE_VFORK, F_CLONE_PARENT, F_CLONE_THREAD, F_CLONE_NEWNS, F_CLONE_SYSVSEM,
	F_CLONE_SETTLS, F_CLONE_PARENT_SETTID, F_CLONE_CHILD_CLEARTID, F_CLONE_DETACHED,
	F_CLONE_UNTRACED, F_CLONE_CHILD_SETTID, F_CLONE_NEWCGROUP, F_CLONE_NEWUTS,
	F_CLONE_NEWIPC, F_CLONE_NEWUSER, F_CLONE_NEWPID, F_CLONE_NEWNET, F_CLONE_IO,
	1ul << 32, 1ul << 40, 1ul << 63,
};

static void clone_op(struct gen *g)
{
	static const unsigned long options[] = {
		F_CLONE_SYSVSEM, F_CLONE_SETTLS, F_CLONE_PARENT_SETTID, F_CLONE_CHILD_CLEARTID,
		F_CLONE_CHILD_SETTID, F_CLONE_DETACHED,
	};
	static const unsigned long tids = F_CLONE_PARENT_SETTID | F_CLONE_CHILD_CLEARTID | F_CLONE_CHILD_SETTID;
	unsigned long flags = 0;
	switch (next(g) % 8) {
	case 0: case 1: /* fork's forms */
		flags = SIGCHLD | (next(g) & tids);
		break;
	case 2: /* vfork's */
		flags = F_CLONE_VM | F_CLONE_VFORK | SIGCHLD;
		break;
	case 3: case 4: case 5: /* pthread_create's */
		flags = THREAD_FLAGS;
		for (unsigned i = 0; i < COUNT(options); i++)
			if (next(g) % 2)
				flags |= options[i];
		break;
	default: /* anything */
		for (unsigned i = 0; i < COUNT(clone_bits); i++)
			if (next(g) % 3 == 0)
				flags |= clone_bits[i];
		flags |= next(g) % 2 ? SIGCHLD : next(g) % 256;
		break;
	}
	if (next(g) % 4 == 0)
		flags ^= clone_bits[next(g) % COUNT(clone_bits)];
	if (next(g) % 8 == 0)
		flags = (flags & ~F_CSIGNAL) | next(g) % 256; /* an exit signal, good or bad */

	/* Everything drawn first (whether a slot is free depends on our threads' timing). */
	uint64_t sp = next(g) % 2 ? 0 : (uint64_t)trouble(g), bad_sp = (uint64_t)trouble(g);
	bool vfork_stack_ok = next(g) % 8, bad_stack = next(g) % 32 == 0;
	uint64_t seed = next(g);
	long tls;
	switch (next(g) % 6) {
	case 0: case 1: tls = (long)tls_block; break;
	case 2: tls = 0; break;
	case 3: tls = (long)0x0000800000000000ull; break; /* not canonical */
	case 4: tls = (long)0xffff800000000000ull; break;
	default: tls = trouble(g); break;
	}
	long ptid = next(g) % 8 ? 0 : trouble(g), ctid = next(g) % 8 ? 0 : trouble(g);

	/* A stack of its own when it shares our memory: a free slot for a thread, which runs
	 * thread_body there, the vfork stack otherwise (the child exits at once, and we wait);
	 * now and then a bad one, where a thread runs thread_body all the same (it faults and
	 * the child dies, or it runs on whatever memory that is). Without shared memory the
	 * new task exits at once, touching nothing, on any stack. */
	struct slot *slot = NULL;
	if (flags & F_CLONE_VM) {
		if (bad_stack) {
			sp = bad_sp;
			slot = flags & F_CLONE_THREAD ? &spare_slot : NULL;
		} else if (flags & F_CLONE_THREAD) {
			for (int i = 0; i < SLOTS && !slot; i++)
				if (!slots[i].busy)
					slot = &slots[i];
			if (!slot)
				return; /* all our threads are still at work */
			slot->busy = 1;
			sp = (uint64_t)(slot->stack + sizeof(slot->stack));
		} else {
			sp = vfork_stack_ok ? (uint64_t)(vfork_stack + sizeof(vfork_stack)) : 0;
		}
		if (slot)
			slot->seed = seed;
	}
	if (!ptid)
		ptid = slot ? (long)&slot->ptid : (long)(buffer + 64);
	if (!ctid)
		ctid = slot ? (long)&slot->ctid : (long)(buffer + 68);
	long mangled = sh->mangled;
	long r = raw_clone(flags, sp, ptid, ctid, tls, slot ? thread_body : NULL, slot);
	/* a handler that ran on the way back may have mangled rax: then r says nothing */
	bool trusted = __atomic_load_n(&sh->mangled, __ATOMIC_RELAXED) == mangled;
	__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sh->clones, 1, __ATOMIC_RELAXED);
	if (r > 0) {
		__atomic_add_fetch(&sh->created, 1, __ATOMIC_RELAXED);
		if (flags & F_CLONE_THREAD)
			last_tid = (int)r;
	} else if (slot) {
		slot->busy = 0;
	}
	/* Linux's rules for the combinations it refuses (EINVAL), whatever else is asked; and
	 * then a TLS pointer past the end of user space (EPERM: no task may run with it) */
	bool einval = ((flags & F_CLONE_THREAD) && !(flags & F_CLONE_SIGHAND)) ||
		      ((flags & F_CLONE_SIGHAND) && !(flags & F_CLONE_VM));
	bool bad_tls = (flags & F_CLONE_SETTLS) && (uint64_t)tls >= 0x7ffffffff000ull;
	bool wrong = trusted && (einval ? r != -22 : bad_tls && r >= 0);
	if (wrong && !__atomic_fetch_add(&sh->wrong_clones, 1, __ATOMIC_RELAXED)) {
		sh->wrong_flags = flags;
		sh->wrong_tls = (unsigned long)tls;
		sh->wrong_result = r;
	}
}

/* ---- the child ---- */

/* One operation on the signal, thread and clone surfaces. */
static void new_surface(struct gen *g)
{
	switch (next(g) % 32) {
	case 0: case 1: case 2: case 3: case 4:
		install(g, next(g) % 16 ? pick_signal(g) : (int)(next(g) % 70));
		break;
	case 5: case 6: case 7: case 8: case 9:
		send_self(g);
		break;
	case 10: case 11: case 12:
		alt_stack(g);
		break;
	case 13: case 14:
		signal_on_stack(g);
		break;
	case 15: case 16: case 17:
		arm_timer(g);
		break;
	case 18: case 19: case 20:
		wait_for_signal(g);
		break;
	case 21:
		fpu_probe();
		break;
	default:
		clone_op(g);
		break;
	}
}

static void fuzz(uint64_t seed)
{
	child_seed = seed;
	main_gen.s = mix(seed * 0x9e3779b97f4a7c15ull ^ 0x2545f4914f6cdd1dull);
	struct gen *g = &main_gen;
	setpgid(0, 0); /* a group of its own: kill(0) signals nobody else */
	watched_pid = getpid();
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	playground = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *alt = mmap(NULL, 65536 + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt != MAP_FAILED) {
		mprotect(alt, 4096, PROT_NONE);
		altarea = alt + 4096;
	}
	tls_block[0] = (uint64_t)tls_block;
	for (unsigned i = 0; i < 6; i++) /* handlers for a few signals from the start */
		install(g, fuzz_signals[next(g) % 6]);
	for (int i = 0; i < CALLS_PER_CHILD; i++) {
		if (next(g) % 12 == 0) { /* (one in eight: 1.3-1.5 times as long a run) */
			new_surface(g);
			continue;
		}
		long nr = numbers[next(g) % COUNT(numbers)];
		if (nr == SYS_exit || nr == SYS_exit_group || nr == SYS_execve || nr == SYS_pause ||
		    nr == SYS_rt_sigreturn || nr == SYS_rt_sigsuspend)
			if (next(g) % 16) /* rarely: they end (or stop) the child's run */
				continue;
		if (nr == SYS_clone) {
			clone_op(g);
			continue;
		}
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = argument(g, (int)nr, k);
		if (nr == SYS_fork || nr == SYS_vfork) {
			fork_call(nr, a);
			__atomic_add_fetch(&sh->calls, 1, __ATOMIC_RELAXED);
		} else {
			call6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		}
	}
	raw(SYS_exit_group, 0, 0, 0);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A fuzz child may fork and then die, leaving a process nobody watches: one that stopped
 * itself stays stopped for good (on Linux too, unless its exit orphans a process group),
 * one running fuzzes on. Every other process named sysfuzz gets SIGKILL (a SIGCONT first
 * would only let a stopped one run): how many. */
static long kill_leftovers(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	long killed = 0;
	while (proc && (e = readdir(proc))) {
		pid_t pid = atoi(e->d_name);
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *f = pid > 0 && pid != getpid() ? fopen(path, "r") : NULL;
		if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "sysfuzz\n"))
			killed += kill(pid, SIGKILL) == 0;
		if (f)
			fclose(f);
	}
	if (proc)
		closedir(proc);
	return killed;
}

/* One job's shared page, between two PROT_NONE guard pages: a fuzzed call that fills a
 * long buffer (getrandom, read) across the mappings next to it legitimately writes every
 * page it can, and must stop at a guard instead of running into the counters. */
static struct shared *guarded_page(void)
{
	char *guarded = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return guarded == MAP_FAILED ? MAP_FAILED
		: mmap(guarded + 4096, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* One job: fuzz children one after another, each watched, until target calls were made;
 * its counts go to sh. Returns 1 if forking failed, else 0. */
static int run_job(long target, uint64_t seed)
{
	while (sh->calls < target) {
		pid_t c = fork();
		if (c == 0)
			fuzz(seed + (uint64_t)sh->children * 0x10001);
		if (c < 0) {
			perror("sysfuzz: fork");
			return 1;
		}
		sh->children++;
		long last = sh->calls;
		double progress = now();
		int st;
		for (;;) {
			pid_t w = waitpid(-1, &st, WNOHANG); /* any child: a clone may have made it one */
			if (w == c)
				break;
			if (w > 0)
				continue;
			if (sh->calls != last) {
				last = sh->calls;
				progress = now();
			} else if (now() - progress > 0.02) {
				kill(c, SIGKILL);
				sh->watchdog++;
			}
			struct timespec nap = { 0, 1000 * 1000 };
			nanosleep(&nap, NULL);
		}
		if (WIFSIGNALED(st) && WTERMSIG(st) != SIGKILL)
			sh->signaled++;
	}
	return 0;
}

/* JOBS > 1: each job a process of its own on its CPU, with its own page; their counts
 * summed into total. Returns 1 if one could not run. */
static int run_jobs(long target, uint64_t seed, int jobs, struct shared *total)
{
	struct shared *pages[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int failed = 0;
	for (int j = 0; j < jobs; j++) {
		pages[j] = guarded_page();
		if (pages[j] == MAP_FAILED)
			return 1;
	}
	for (int j = 0; j < jobs; j++) {
		pid_t c = fork();
		if (c == 0) {
			cpu_set_t cpu;
			CPU_ZERO(&cpu);
			CPU_SET(j % ncpu, &cpu);
			for (int k = 0; k < jobs; k++) /* out of its fuzzers' reach */
				if (k != j)
					munmap(pages[k], 4096);
			sh = pages[j];
			_exit(sched_setaffinity(0, sizeof(cpu), &cpu) || run_job(target / jobs, seed + j));
		}
		failed |= c < 0;
	}
	int st;
	while (wait(&st) > 0 || errno == EINTR)
		failed |= WIFEXITED(st) && WEXITSTATUS(st);
	memset(total, 0, sizeof(*total)); /* the jobs' fuzzers could reach it */
	for (int j = 0; j < jobs; j++) {
		struct shared *p = pages[j];
		total->calls += p->calls;
		total->handlers += p->handlers;
		total->mangled += p->mangled;
		total->threads += p->threads;
		total->clones += p->clones;
		total->created += p->created;
		total->children += p->children;
		total->signaled += p->signaled;
		total->watchdog += p->watchdog;
		if (p->wrong_clones && !total->wrong_clones) {
			total->wrong_flags = p->wrong_flags;
			total->wrong_tls = p->wrong_tls;
			total->wrong_result = p->wrong_result;
		}
		total->wrong_clones += p->wrong_clones;
	}
	return failed;
}

int main(int argc, char **argv)
{
	long target = argc > 1 ? atol(argv[1]) : 100000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	int jobs = argc > 3 ? atoi(argv[3]) : 1;
	if (jobs < 1 || jobs > 64) {
		fprintf(stderr, "usage: sysfuzz [CALLS [SEED [JOBS (1-64)]]]\n");
		return 2;
	}
	sh = guarded_page();
	if (sh == MAP_FAILED) {
		perror("sysfuzz: mmap");
		return 1;
	}
	if (jobs > 1 ? run_jobs(target, seed, jobs, sh) : run_job(target, seed))
		return 1;
	long leftovers = kill_leftovers();
	printf("sysfuzz: %ld calls in %ld children (%ld ended by signals, %ld by the watchdog)\n",
	       sh->calls, sh->children, sh->signaled, sh->watchdog);
	printf("sysfuzz: %ld leftover processes killed\n", leftovers);
	printf("sysfuzz: %ld handler runs, %ld frames mangled, %ld clones (%ld made a task), %ld threads ran\n",
	       sh->handlers, sh->mangled, sh->clones, sh->created, sh->threads);
	if (sh->wrong_clones) {
		printf("sysfuzz: %ld clones Linux refuses did not fail (first: flags %#lx, tls %#lx, gave %ld)\n",
		       sh->wrong_clones, sh->wrong_flags, sh->wrong_tls, sh->wrong_result);
		return 1;
	}
	return 0;
}
