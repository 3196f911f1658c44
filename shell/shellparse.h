/* Splitting a shell line into words: pure code, unit-tested on the host. */
#ifndef SHELLPARSE_H
#define SHELLPARSE_H

#include "lib/compiler.h"

#define SHELL_MAX_ARGS 32

struct shell_cmdline {
	int argc;
	char *argv[SHELL_MAX_ARGS + 1];	/* NULL-terminated */
	char *redirect;			/* FILE of "... > FILE", or NULL */
	bool background;		/* the line ended with "&" */
	const char *error;		/* set when the split fails */
};

/* Split line in place on blanks; "..." and '...' quote, "> FILE" redirects output, a final
 * "&" asks for background. Returns 0, or -1 with cl->error describing the problem. */
int shell_split(char *line, struct shell_cmdline *cl);

#endif
