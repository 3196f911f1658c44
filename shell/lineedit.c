/* Line editing with a VT100 terminal on the other end: the editor keeps its own copy of the
 * line and redraws the part right of the cursor after each change (backspace, insert), so it
 * needs nothing from the terminal but cursor-left ("\b") and erase-to-end ("ESC [ K"). */
#include "shell/lineedit.h"
#include "lib/string.h"

#define KEY_CTRL_C 0x03
#define KEY_BS     0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC    0x1b
#define KEY_DEL    0x7f

static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (n)
		le->echo(s, n, le->echo_ctx);
}

static void echo_str(struct lineedit *le, const char *s) { echo(le, s, strlen(s)); }

static void cursor_left(struct lineedit *le, size_t n)
{
	while (n--)
		echo(le, "\b", 1);
}

/* Redraw from the cursor to the end of the line, then put the cursor back. */
static void redraw_tail(struct lineedit *le)
{
	echo(le, le->buf + le->cursor, le->len - le->cursor);
	echo_str(le, "\x1b[K");
	cursor_left(le, le->len - le->cursor);
}

/* Replace the whole line on screen and in the buffer. */
static void replace_line(struct lineedit *le, const char *text)
{
	cursor_left(le, le->cursor);
	le->len = MIN(strlcpy(le->buf, text, sizeof(le->buf)), sizeof(le->buf) - 1);
	le->cursor = le->len;
	echo(le, le->buf, le->len);
	echo_str(le, "\x1b[K");
}

void lineedit_reset(struct lineedit *le)
{
	le->buf[0] = 0;
	le->len = le->cursor = 0;
	le->esc = 0;
	le->hist_back = 0;
}

void lineedit_init(struct lineedit *le, lineedit_echo_fn fn, void *ctx)
{
	memset(le, 0, sizeof(*le));
	le->echo = fn;
	le->echo_ctx = ctx;
}

void lineedit_add_history(struct lineedit *le, const char *line)
{
	if (!line[0])
		return;
	if (le->hist_count &&
	    !strcmp(le->history[(le->hist_count - 1) % HISTORY_SIZE], line))
		return;
	strlcpy(le->history[le->hist_count % HISTORY_SIZE], line, LINE_MAX);
	le->hist_count++;
}

static void history_move(struct lineedit *le, int dir)
{
	unsigned avail = MIN(le->hist_count, HISTORY_SIZE);
	unsigned back = le->hist_back;
	if (dir > 0 && back < avail)
		back++;
	else if (dir < 0 && back > 0)
		back--;
	else
		return;
	le->hist_back = back;
	replace_line(le, back ? le->history[(le->hist_count - back) % HISTORY_SIZE] : "");
}

static void handle_escape(struct lineedit *le, char c)
{
	if (le->esc == 1) {
		le->esc = c == '[' ? 2 : 0;
		return;
	}
	le->esc = 0;
	switch (c) {
	case 'A': history_move(le, +1); break;
	case 'B': history_move(le, -1); break;
	case 'C':
		if (le->cursor < le->len)
			echo(le, &le->buf[le->cursor++], 1);
		break;
	case 'D':
		if (le->cursor > 0) {
			le->cursor--;
			cursor_left(le, 1);
		}
		break;
	default:
		if (c >= '0' && c <= '9')
			le->esc = 2; /* parameter bytes of a longer sequence: keep skipping */
		break;
	}
}

static void insert_char(struct lineedit *le, char c)
{
	if (le->len >= LINE_MAX - 1)
		return;
	memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor);
	le->buf[le->cursor] = c;
	le->buf[++le->len] = 0;
	echo(le, &c, 1);
	le->cursor++;
	if (le->cursor < le->len)
		redraw_tail(le);
}

static void backspace(struct lineedit *le)
{
	if (!le->cursor)
		return;
	memmove(le->buf + le->cursor - 1, le->buf + le->cursor, le->len - le->cursor + 1);
	le->len--;
	le->cursor--;
	cursor_left(le, 1);
	redraw_tail(le);
}

enum lineedit_result lineedit_feed(struct lineedit *le, char c)
{
	bool after_cr = le->after_cr;
	le->after_cr = false;

	if (le->esc) {
		handle_escape(le, c);
		return LINEEDIT_MORE;
	}
	switch (c) {
	case '\n':
		if (after_cr)
			return LINEEDIT_MORE; /* the LF of a CRLF */
		/* fall through */
	case '\r':
		le->after_cr = c == '\r';
		echo_str(le, "\n"); /* the console adds the CR */
		return LINEEDIT_DONE;
	case KEY_CTRL_C:
		echo_str(le, "^C\n");
		lineedit_reset(le);
		return LINEEDIT_CANCEL;
	case KEY_CTRL_U:
		cursor_left(le, le->cursor);
		le->buf[0] = 0;
		le->len = le->cursor = 0;
		echo_str(le, "\x1b[K");
		return LINEEDIT_MORE;
	case KEY_BS:
	case KEY_DEL:
		backspace(le);
		return LINEEDIT_MORE;
	case KEY_ESC:
		le->esc = 1;
		return LINEEDIT_MORE;
	default:
		if (c >= 0x20 && c < 0x7f)
			insert_char(le, c);
		return LINEEDIT_MORE;
	}
}
