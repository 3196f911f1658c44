/* The console as a terminal for user tasks (/dev/console, /dev/tty, their fds 0-2), with
 * the termios modes programs switch between:
 *  - canonical (ICANON, the default): read returns at most one line, assembled here with
 *    echo (ECHO) and erase; Ctrl-D on an empty line is end of file;
 *  - raw (ICANON off, as line editors such as busybox sh's set): read returns what has
 *    arrived, at least one byte (VMIN > 0) or none (VMIN = VTIME = 0), echoed only with
 *    ECHO.
 * With ISIG, Ctrl-C sends SIGINT, and Ctrl-Z SIGTSTP, to the foreground task and
 * everything it started (descendants stand in for its process group); a task that catches
 * or ignores SIGINT, like an interactive shell, stays. One termios for the one console.
 * With no foreground task, Ctrl-C can be caught for the kernel's shell instead: while a
 * built-in command runs (tty_catch_interrupt), a Ctrl-C is recorded, not queued as input,
 * and the command sees it through tty_interrupted() or tty_wait_interrupt(). */
#include "drivers/tty.h"
#include "drivers/console.h"
#include "fs/file.h"
#include "kernel/signal.h"
#include "fs/poll.h"
#include "kernel/process.h"
#include "mm/addrspace.h"
#include "arch-x86_64/spinlock.h"
#include "lib/string.h"
#include "lib/errno.h"
#include "kernel/printk.h"
#include "kernel/wait.h"
#include "kernel/clock.h"
#include "kernel/sched.h"

#define ISIG   0000001
#define ICANON 0000002
#define ECHO   0000010
#define VMIN   6
#define VTIME  5
#define VINTR_CHAR 0x03
#define VSUSP_CHAR 0x1a

/* struct termios as the kernel passes it (TCGETS/TCSETS). */
struct kernel_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[19];
};

/* [tty_lock] the mode, the foreground task */
static spinlock_t tty_lock = SPINLOCK_INIT("tty");
static const struct kernel_termios default_termios = {
	.iflag = 0x500,		/* ICRNL | IXON */
	.oflag = 0x5,		/* OPOST | ONLCR */
	.cflag = 0xbf,		/* B38400 | CS8 | CREAD */
	.lflag = 0x8a3b,	/* ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN */
	.cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
};
static struct kernel_termios termios;
static struct task *foreground;
/* Ctrl-C for the shell's built-ins: caught while catching is on, and whether one came. */
static bool catching, interrupted;
static struct wait_queue interrupt_wait = WAIT_QUEUE_INIT(interrupt_wait);
static struct vnode *console_vn;

/* The line being typed and what is left of the last one (one reader at a time). */
static char line[1024];
static size_t line_len, line_pos;
static bool line_partial;	/* line holds the start of a line a signal interrupted */

static uint32_t lflag(void) { return READ_ONCE(termios.lflag); }

void tty_set_foreground(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&tty_lock);
	foreground = t;
	if (!t) /* the shell has the console back: whatever mode a program left goes */
		termios = default_termios;
	spin_unlock_irqrestore(&tty_lock, f);
}

static bool descends_from(struct task *t, struct task *ancestor)
{
	for (; t; t = t->parent)
		if (t == ancestor)
			return true;
	return false;
}

struct fg_signal {
	struct task *fg;
	int sig;
};

/* [task_lock] A process (through its leader) of the foreground job gets the signal. */
static void signal_if_foreground(struct task *t, void *ctx)
{
	struct fg_signal *s = ctx;
	struct ksiginfo info = { .code = SI_KERNEL };
	if (t->mm && t->group_leader == t && t->state != TASK_ZOMBIE && descends_from(t, s->fg))
		signal_send_process_locked(t, s->sig, &info);
}

void tty_catch_interrupt(bool on)
{
	uint64_t f = spin_lock_irqsave(&tty_lock);
	catching = on;
	interrupted = false; /* a Ctrl-C from before belongs to nobody now */
	spin_unlock_irqrestore(&tty_lock, f);
}

bool tty_interrupted(void)
{
	return READ_ONCE(interrupted);
}

bool tty_wait_interrupt(uint64_t ms)
{
	return !wait_event_timeout(interrupt_wait, READ_ONCE(interrupted), clock_ns() + ms * 1000000);
}

bool tty_intercept(char c)
{
	int sig = c == VINTR_CHAR ? SIGINT : c == VSUSP_CHAR ? SIGTSTP : 0;
	if (!sig)
		return false;
	uint64_t f = spin_lock_irqsave(&tty_lock);
	struct fg_signal s = { foreground, sig };
	bool signalled = s.fg && (termios.lflag & ISIG);
	bool caught = !s.fg && catching && sig == SIGINT;
	if (signalled)
		task_for_each(signal_if_foreground, &s);
	if (caught)
		interrupted = true;
	spin_unlock_irqrestore(&tty_lock, f);
	if (signalled)
		console_write(sig == SIGINT ? "^C\n" : "^Z\n", 3);
	if (caught)
		wake_up_all(&interrupt_wait);
	return signalled || caught;
}

bool tty_is_console(const struct vnode *vn)
{
	return vn->ops == &tty_vnode_ops;
}

/* Assemble one line: 0, or -ERESTARTSYS if a signal came first (what was typed stays,
 * and the next read goes on with the line, as Linux's line discipline keeps it). */
static int read_line(bool echo)
{
	if (!line_partial)
		line_len = line_pos = 0;
	line_partial = true;
	for (;;) {
		int c = console_getc_interruptible();
		if (c < 0)
			return c;
		if (c == '\r' || c == '\n') {
			line[line_len++] = '\n';
			if (echo)
				console_write("\n", 1);
			line_partial = false;
			return 0;
		}
		if (c == 0x04) { /* Ctrl-D: send the line as it is; on an empty line, end of file */
			line_partial = false;
			return 0;
		}
		if (c == 0x7f || c == 0x08) {
			if (line_len) {
				line_len--;
				if (echo)
					console_write("\b \b", 3);
			}
			continue;
		}
		if ((unsigned char)c >= 0x20 && c != 0x7f && line_len < sizeof(line) - 1) {
			char ch = (char)c;
			line[line_len++] = ch;
			if (echo)
				console_write(&ch, 1);
		}
	}
}

static long read_canonical(void *buf, size_t len)
{
	int rc = line_pos >= line_len || line_partial ? read_line(lflag() & ECHO) : 0;
	if (rc)
		return rc;
	size_t n = MIN(len, line_len - line_pos);
	memcpy(buf, line + line_pos, n);
	line_pos += n;
	return n;
}

/* Raw mode: the rest of a line assembled before the switch first, then bytes as they come. */
static long read_raw(struct file *f, char *buf, size_t len)
{
	size_t n = 0;
	while (n < len && line_pos < line_len)
		buf[n++] = line[line_pos++];
	bool nonblock = (f->flags & O_NONBLOCK) || (!termios.cc[VMIN] && !termios.cc[VTIME]);
	if (!n && !nonblock) {
		int c = console_getc_interruptible();
		if (c < 0)
			return c;
		buf[n++] = (char)c;
	}
	int c;
	while (n < len && (c = console_trygetc()) >= 0)
		buf[n++] = (char)c;
	if (!n)
		return -EAGAIN;
	if (lflag() & ECHO)
		console_write(buf, n);
	return n;
}

static long tty_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (!len)
		return 0;
	return lflag() & ICANON ? read_canonical(buf, len) : read_raw(f, buf, len);
}

static long tty_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	console_write(buf, len);
	return len;
}

static unsigned tty_poll(struct file *f)
{
	bool ready = line_pos < line_len ||
		     (lflag() & ICANON ? console_has_line() : console_has_input());
	return POLLOUT | (ready ? POLLIN : 0);
}

#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414

struct winsize {
	uint16_t rows, cols, xpixel, ypixel;
};

static long tty_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	void *uarg = (void *)arg;
	switch (req) {
	case TIOCGWINSZ: {
		struct winsize ws = { 24, 80, 0, 0 };
		return copy_to_user(uarg, &ws, sizeof(ws));
	}
	case TCGETS: {
		struct kernel_termios t;
		uint64_t fl = spin_lock_irqsave(&tty_lock);
		t = termios;
		spin_unlock_irqrestore(&tty_lock, fl);
		return copy_to_user(uarg, &t, sizeof(t));
	}
	case TCSETS: case TCSETSW: case TCSETSF: {
		struct kernel_termios t;
		if (copy_from_user(&t, uarg, sizeof(t)))
			return -EFAULT;
		uint64_t fl = spin_lock_irqsave(&tty_lock);
		termios = t;
		spin_unlock_irqrestore(&tty_lock, fl);
		return 0;
	}
	case TIOCGPGRP: { /* each process is its own group: the foreground is the caller's */
		int pid = current()->pid;
		return copy_to_user(uarg, &pid, sizeof(pid));
	}
	case FIONREAD: {
		int n = line_len - line_pos + console_has_input();
		return copy_to_user(uarg, &n, sizeof(n));
	}
	case TIOCSPGRP: case TIOCSWINSZ:
		return 0; /* accepted: no process groups, one fixed size */
	default:
		return -EINVAL;
	}
}

const struct vnode_ops tty_vnode_ops = {
	.read = tty_read,
	.write = tty_write,
	.poll = tty_poll,
	.ioctl = tty_ioctl,
};

static long null_read(struct file *f, void *buf, size_t len, uint64_t *pos) { return 0; }
static long null_write(struct file *f, const void *buf, size_t len, uint64_t *pos) { return len; }
/* Seekable, as on Linux (noop_llseek): every seek leaves the position at 0. */
static int64_t null_lseek(struct file *f, int64_t off, int whence) { return f->pos; }
static const struct vnode_ops null_ops = {
	.read = null_read, .write = null_write, .lseek = null_lseek, .sink = true,
};

void tty_init(void)
{
	struct vnode *dev = vfs_mkdir_p("/dev");
	BUG_ON(!dev);
	console_vn = vfs_create(dev, "console", S_IFCHR | 0620, &tty_vnode_ops, NULL);
	vfs_create(dev, "tty", S_IFCHR | 0666, &tty_vnode_ops, NULL);
	vfs_create(dev, "null", S_IFCHR | 0666, &null_ops, NULL);
	termios = default_termios;
	BUG_ON(!console_vn);
}

struct vnode *tty_console(void)
{
	return console_vn;
}
