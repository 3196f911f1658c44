/* Shell-internal: the built-in commands (shell_cmds_*.c) and the output helper they print
 * through. Only the shell thread calls these. */
#ifndef SHELL_CMDS_H
#define SHELL_CMDS_H

#include "lib/compiler.h"

/* A command's result: 0 done, SH_USAGE prints its usage line, anything else is a failure
 * the command already reported. */
#define SH_USAGE (-1)
#define SH_FAILED 1

/* Print a command's output: to the console, or into the buffer of a "> FILE" redirection
 * that the shell writes to FILE once the command is done. After a Ctrl-C nothing more is
 * printed. */
void sh_printf(const char *fmt, ...) __printf(1, 2);
void sh_write(const char *s, size_t len);
/* Print what render writes into a buffer (a note if memory ran out half-way). */
struct seqbuf;
void sh_print_rendered(void (*render)(struct seqbuf *s));
/* Whether Ctrl-C was typed since the command began: a command that can run long (a loop
 * over a file, a directory, a buffer, or until Ctrl-C) checks it in its loop and returns,
 * releasing what it holds; the shell then prints "^C". */
bool sh_interrupted(void);
/* Sleep ms milliseconds, less if Ctrl-C comes (or came): whether it did. */
bool sh_sleep(unsigned ms);
/* Whether the command's output goes to a file (commands that cannot redirect refuse). */
bool sh_redirected(void);

/* shell_cmds_sys.c */
int cmd_help(int argc, char **argv);
int cmd_meminfo(int argc, char **argv);
int cmd_uptime(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_poweroff(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_fault(int argc, char **argv);
#ifdef LOCK_DEBUG
int cmd_lockcheck(int argc, char **argv);
#endif
/* shell_cmds_proc.c */
int cmd_run(int argc, char **argv);
int cmd_sh(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_fg(int argc, char **argv);
int cmd_bg(int argc, char **argv);
/* Report and reap every program of the shell that has ended (background ones, orphans). */
void shell_reap_finished(void);
/* shell_cmds_ksm.c */
int cmd_ksm(int argc, char **argv);
int cmd_trace(int argc, char **argv);
/* shell_cmds_swap.c */
int cmd_mkswap(int argc, char **argv);
int cmd_swapon(int argc, char **argv);
int cmd_swapoff(int argc, char **argv);
int cmd_swapinfo(int argc, char **argv);
/* shell_cmds_profile.c */
int cmd_profile(int argc, char **argv);
/* shell_cmds_fs.c */
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);

/* The command table (shell.c), for help. */
struct shell_command {
	const char *name;
	const char *args;	/* usage after the name, "" for none */
	const char *help;	/* one line */
	int min_args, max_args;	/* words after the name */
	int (*fn)(int argc, char **argv);
};
extern const struct shell_command shell_commands[];
extern const unsigned shell_ncommands;

/* Whether the line ended with "&" (cmd_run). */
bool sh_background(void);

#endif
