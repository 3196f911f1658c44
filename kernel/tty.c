/* Console file. Reads are canonical: a read returns at most one line, assembled here with
 * echo and backspace; Ctrl-D on an empty line is end of file. One foreground task at a
 * time receives Ctrl-C as SIGINT. */
#include "tty.h"
#include "console.h"
#include "file.h"
#include "process.h"
#include "spinlock.h"
#include "string.h"
#include "errno.h"
#include "printk.h"

static struct vnode *console_vn;
static struct task *foreground; /* [fg_lock] */
static spinlock_t fg_lock = SPINLOCK_INIT("tty-fg");

/* The line being typed and what is left of the last one (one reader at a time). */
static char line[1024];
static size_t line_len, line_pos;

void tty_set_foreground(struct task *t)
{
	uint64_t f = spin_lock_irqsave(&fg_lock);
	foreground = t;
	spin_unlock_irqrestore(&fg_lock, f);
}

bool tty_intercept(char c)
{
	if (c != 0x03)
		return false;
	uint64_t f = spin_lock_irqsave(&fg_lock);
	struct task *t = foreground;
	if (t)
		task_kill(t, SIGINT);
	spin_unlock_irqrestore(&fg_lock, f);
	if (t)
		console_write("^C\n", 3);
	return t != NULL;
}

bool tty_is_console(const struct vnode *vn)
{
	return vn->ops == &tty_vnode_ops;
}

/* Assemble one line; false if the task is being killed meanwhile. */
static bool read_line(void)
{
	line_len = line_pos = 0;
	for (;;) {
		int c = console_getc_killable();
		if (c < 0)
			return false;
		if (c == '\r' || c == '\n') {
			line[line_len++] = '\n';
			console_write("\n", 1);
			return true;
		}
		if (c == 0x04) /* Ctrl-D: send the line as it is; on an empty line, end of file */
			return true;
		if (c == 0x7f || c == 0x08) {
			if (line_len) {
				line_len--;
				console_write("\b \b", 3);
			}
			continue;
		}
		if ((unsigned char)c >= 0x20 && c != 0x7f && line_len < sizeof(line) - 1) {
			char ch = (char)c;
			line[line_len++] = ch;
			console_write(&ch, 1);
		}
	}
}

static long tty_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (line_pos >= line_len && !read_line())
		return -EINTR;
	size_t n = MIN(len, line_len - line_pos);
	memcpy(buf, line + line_pos, n);
	line_pos += n;
	return n;
}

static long tty_write(struct file *f, const void *buf, size_t len)
{
	console_write(buf, len);
	return len;
}

const struct vnode_ops tty_vnode_ops = {
	.read = tty_read,
	.write = tty_write,
};

static long null_read(struct file *f, void *buf, size_t len, uint64_t *pos) { return 0; }
static long null_write(struct file *f, const void *buf, size_t len) { return len; }
static const struct vnode_ops null_ops = { .read = null_read, .write = null_write };

void tty_init(void)
{
	struct vnode *dev = vfs_mkdir_p("/dev");
	BUG_ON(!dev);
	console_vn = vfs_create(dev, "console", S_IFCHR | 0620, &tty_vnode_ops, NULL);
	vfs_create(dev, "tty", S_IFCHR | 0666, &tty_vnode_ops, NULL);
	vfs_create(dev, "null", S_IFCHR | 0666, &null_ops, NULL);
	BUG_ON(!console_vn);
}

struct vnode *tty_console(void)
{
	return console_vn;
}
