#include "shell/shellparse.h"
#include "lib/string.h"

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Read one word starting at *pp, removing quotes in place; *pp moves past it. Returns the
 * word, or NULL with an error for an unterminated quote. `quoted` tells if any quote was seen. */
static char *next_word(char **pp, bool *quoted, const char **error)
{
	char *src = *pp, *dst = *pp, *word = *pp;
	*quoted = false;
	while (*src && !is_blank(*src)) {
		if (*src == '"' || *src == '\'') {
			char q = *src++;
			*quoted = true;
			while (*src && *src != q)
				*dst++ = *src++;
			if (!*src) {
				*error = "unterminated quote";
				return NULL;
			}
			src++;
		} else {
			*dst++ = *src++;
		}
	}
	if (*src)
		src++;
	*dst = 0;
	*pp = src;
	return word;
}

int shell_split(char *line, struct shell_cmdline *cl)
{
	char *p = line;
	bool want_redirect = false;

	memset(cl, 0, sizeof(*cl));
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		bool quoted;
		char *w = next_word(&p, &quoted, &cl->error);
		if (!w)
			return -1;
		if (cl->background) {
			cl->error = "'&' must end the line";
			return -1;
		}
		if (!quoted && !strcmp(w, ">")) {
			if (want_redirect || cl->redirect) {
				cl->error = "only one '>' redirection is allowed";
				return -1;
			}
			want_redirect = true;
		} else if (!quoted && !strcmp(w, "&")) {
			cl->background = true;
		} else if (want_redirect) {
			cl->redirect = w;
			want_redirect = false;
		} else if (cl->redirect) {
			cl->error = "words after the redirection target";
			return -1;
		} else if (cl->argc == SHELL_MAX_ARGS) {
			cl->error = "too many arguments";
			return -1;
		} else {
			cl->argv[cl->argc++] = w;
		}
	}
	if (want_redirect) {
		cl->error = "'>' needs a file name";
		return -1;
	}
	cl->argv[cl->argc] = NULL;
	return 0;
}
