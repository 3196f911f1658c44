/* Terminal line editing for the shell: pure code (tests/unit/test_lineedit.c) that turns
 * received bytes into an edited line plus the bytes to echo back to the terminal. */
#ifndef LINEEDIT_H
#define LINEEDIT_H

#include "lib/compiler.h"

#define LINE_MAX     256
#define HISTORY_SIZE 16

typedef void (*lineedit_echo_fn)(const char *s, size_t len, void *ctx);

struct lineedit {
	char buf[LINE_MAX];	/* the line being edited, NUL-terminated */
	size_t len, cursor;
	int esc;		/* escape-sequence state: 0 none, 1 after ESC, 2 after ESC [ */
	bool after_cr;		/* last byte was CR: a following LF belongs to the same Enter */
	char history[HISTORY_SIZE][LINE_MAX];
	unsigned hist_count;	/* lines ever added; the newest is history[(hist_count-1) % SIZE] */
	unsigned hist_back;	/* 0 = editing a new line, k = showing the k-th newest entry */
	lineedit_echo_fn echo;
	void *echo_ctx;
};

enum lineedit_result {
	LINEEDIT_MORE,	 /* keep feeding */
	LINEEDIT_DONE,	 /* Enter: the line is in le->buf */
	LINEEDIT_CANCEL, /* Ctrl-C: the line was discarded */
};

void lineedit_init(struct lineedit *le, lineedit_echo_fn echo, void *ctx);
/* Start a new, empty line (after DONE or CANCEL). */
void lineedit_reset(struct lineedit *le);
/* Feed one received byte. Understands printable ASCII, Backspace/DEL, Ctrl-C, Ctrl-U,
 * CR / LF / CRLF, and the arrow keys (ESC [ A/B/C/D: history and cursor); other control
 * bytes and non-ASCII bytes are ignored, and a full line ignores further characters. */
enum lineedit_result lineedit_feed(struct lineedit *le, char c);
/* Remember a finished line for the up/down arrows (empty lines and repeats are skipped). */
void lineedit_add_history(struct lineedit *le, const char *line);

#endif
