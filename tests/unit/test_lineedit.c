/* The shell's line editor and word splitter, fed byte by byte as from a terminal. */
#include <string.h>
#include "check.h"
#include "stubs/host_kernel.h"
#include "shell/lineedit.c"
#include "shell/shellparse.c"

static char screen[4096];
static size_t screen_len;

static void capture(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	memcpy(screen + screen_len, s, n);
	screen_len += n;
	screen[screen_len] = 0;
}

/* Feed a string; return the result of the last byte. */
static enum lineedit_result feed(struct lineedit *le, const char *s)
{
	enum lineedit_result r = LINEEDIT_MORE;
	for (; *s; s++)
		r = lineedit_feed(le, *s);
	return r;
}

static void test_editing(void)
{
	struct lineedit le;
	lineedit_init(&le, capture, NULL);

	CHECK_EQ(feed(&le, "helo"), LINEEDIT_MORE);
	CHECK_EQ(feed(&le, "\x7f" "lo"), LINEEDIT_MORE);
	CHECK_EQ(feed(&le, "\r"), LINEEDIT_DONE);
	CHECK_STR(le.buf, "hello");

	/* CRLF is one Enter: the LF must not end an empty second line */
	lineedit_reset(&le);
	CHECK_EQ(feed(&le, "a\r"), LINEEDIT_DONE);
	lineedit_reset(&le);
	CHECK_EQ(lineedit_feed(&le, '\n'), LINEEDIT_MORE);
	CHECK_EQ(feed(&le, "b\n"), LINEEDIT_DONE);
	CHECK_STR(le.buf, "b");
	lineedit_reset(&le);
	CHECK_EQ(feed(&le, "\n"), LINEEDIT_DONE); /* LF alone: an (empty) Enter */
	CHECK_STR(le.buf, "");

	/* Ctrl-C cancels, Ctrl-U kills the line */
	lineedit_reset(&le);
	CHECK_EQ(feed(&le, "junk\x03"), LINEEDIT_CANCEL);
	CHECK_STR(le.buf, "");
	CHECK_EQ(feed(&le, "more junk\x15ok\r"), LINEEDIT_DONE);
	CHECK_STR(le.buf, "ok");

	/* backspace on an empty line and control garbage are ignored */
	lineedit_reset(&le);
	CHECK_EQ(feed(&le, "\x08\x7f\x01\x02\x07x\x80\xff\r"), LINEEDIT_DONE);
	CHECK_STR(le.buf, "x");

	/* cursor movement: insert in the middle */
	lineedit_reset(&le);
	feed(&le, "ac\x1b[Db\r");
	CHECK_STR(le.buf, "abc");
	/* cursor right past the end stays at the end */
	lineedit_reset(&le);
	feed(&le, "ab\x1b[C\x1b[Cc\r");
	CHECK_STR(le.buf, "abc");
	/* unknown escape sequences (e.g. Delete = ESC [ 3 ~) are swallowed */
	lineedit_reset(&le);
	feed(&le, "a\x1b[3~b\r");
	CHECK_STR(le.buf, "ab");

	/* a line longer than the buffer is cut, never overflowed */
	lineedit_reset(&le);
	for (int i = 0; i < 1000; i++)
		lineedit_feed(&le, 'z');
	CHECK_EQ(le.len, LINE_MAX - 1);
	CHECK_EQ(strlen(le.buf), LINE_MAX - 1);
}

static void test_history(void)
{
	struct lineedit le;
	lineedit_init(&le, capture, NULL);
	lineedit_add_history(&le, "first");
	lineedit_add_history(&le, "second");
	lineedit_add_history(&le, "second"); /* repeat skipped */
	lineedit_add_history(&le, "");	     /* empty skipped */

	feed(&le, "\x1b[A\r");
	CHECK_STR(le.buf, "second");
	lineedit_reset(&le);
	feed(&le, "\x1b[A\x1b[A\x1b[A\r"); /* stops at the oldest */
	CHECK_STR(le.buf, "first");
	lineedit_reset(&le);
	feed(&le, "\x1b[A\x1b[A\x1b[B\r");
	CHECK_STR(le.buf, "second");
	lineedit_reset(&le);
	feed(&le, "typed\x1b[A\x1b[B\r"); /* down past the newest gives an empty line */
	CHECK_STR(le.buf, "");

	for (int i = 0; i < 40; i++) {
		char line[16];
		snprintf(line, sizeof(line), "cmd%d", i);
		lineedit_add_history(&le, line);
	}
	lineedit_reset(&le);
	feed(&le, "\x1b[A\r");
	CHECK_STR(le.buf, "cmd39");
	lineedit_reset(&le);
	for (int i = 0; i < 100; i++)
		feed(&le, "\x1b[A");
	feed(&le, "\r");
	CHECK_STR(le.buf, "cmd24"); /* HISTORY_SIZE = 16 kept */
}

static void test_split(void)
{
	struct shell_cmdline cl;
	char l1[] = "  echo   hello  world ";
	CHECK_EQ(shell_split(l1, &cl), 0);
	CHECK_EQ(cl.argc, 3);
	CHECK_STR(cl.argv[0], "echo");
	CHECK_STR(cl.argv[2], "world");
	CHECK(cl.argv[3] == NULL);
	CHECK(cl.redirect == NULL && !cl.background);

	char l2[] = "echo 1 > /sys/kernel/mm/ksm/run";
	CHECK_EQ(shell_split(l2, &cl), 0);
	CHECK_EQ(cl.argc, 2);
	CHECK_STR(cl.redirect, "/sys/kernel/mm/ksm/run");

	char l3[] = "echo \"a b\" 'c>d' \">\"";
	CHECK_EQ(shell_split(l3, &cl), 0);
	CHECK_EQ(cl.argc, 4);
	CHECK_STR(cl.argv[1], "a b");
	CHECK_STR(cl.argv[2], "c>d");
	CHECK_STR(cl.argv[3], ">");

	char l4[] = "run memtouch 64 &";
	CHECK_EQ(shell_split(l4, &cl), 0);
	CHECK(cl.background);
	CHECK_EQ(cl.argc, 3);

	char l5[] = "echo \"open";
	CHECK_EQ(shell_split(l5, &cl), -1);
	CHECK_STR(cl.error, "unterminated quote");
	char l6[] = "echo x >";
	CHECK_EQ(shell_split(l6, &cl), -1);
	char l7[] = "echo x > a b";
	CHECK_EQ(shell_split(l7, &cl), -1);
	char l8[] = "run a & b";
	CHECK_EQ(shell_split(l8, &cl), -1);
	char l9[] = "";
	CHECK_EQ(shell_split(l9, &cl), 0);
	CHECK_EQ(cl.argc, 0);

	char many[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(many, "a ");
	CHECK_EQ(shell_split(many, &cl), -1);
	CHECK_STR(cl.error, "too many arguments");
}

int main(void)
{
	test_editing();
	test_history();
	test_split();
	return check_summary("lineedit");
}
