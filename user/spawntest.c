/* spawntest: the ways libc starts programs, each checked: posix_spawn, system, popen,
 * assert/abort ending a task with SIGABRT, and execve's argument limits as Linux has them
 * (strings and pointers up to a quarter of the 8 MiB stack limit, one string up to 128 KiB,
 * a missing file reported before any of that). Prints "spawntest: N checks, F failed". */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#define SELFCHECK_NAME "spawntest"
#include "selfcheck.h"

extern char **environ;

#define ARG_STRLEN (128 * 1024)	/* Linux's MAX_ARG_STRLEN, the NUL included */

/* execve(path, args) in a child; the child exits with 0 if the program ran and said so,
 * else with the errno execve gave. */
static int exec_result(const char *path, char **args)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *env[] = { NULL };
		execve(path, args, env);
		_exit(errno);
	}
	int st = 0;
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* n strings of len bytes each (NUL included) after argv[0] = self, "count": the program
 * checks what it received (see main). The caller frees. */
static char **many_args(const char *self, size_t n, size_t len)
{
	char **args = calloc(n + 4, sizeof(char *));
	char *s = malloc(len);
	memset(s, 'x', len - 1);
	s[len - 1] = 0;
	static char count[32];
	snprintf(count, sizeof(count), "%zu", n);
	args[0] = (char *)self;
	args[1] = "count";
	args[2] = count;
	for (size_t i = 0; i < n; i++)
		args[3 + i] = s;
	return args;
}

static void free_args(char **args)
{
	free(args[3]);
	free(args);
}

static void test_exec_limits(const char *self)
{
	/* 5000 arguments (this kernel once stopped at 4096) and 1.5 MiB of strings run */
	char **a = many_args(self, 5000, 8);
	CHECK(exec_result(self, a) == 0);
	free_args(a);
	a = many_args(self, 12, ARG_STRLEN);	/* 12 strings of exactly MAX_ARG_STRLEN */
	CHECK(exec_result(self, a) == 0);
	free_args(a);
	a = many_args(self, 1, ARG_STRLEN + 1);	/* one byte too long */
	CHECK(exec_result(self, a) == E2BIG);
	free_args(a);
	a = many_args(self, 17, ARG_STRLEN);	/* 2 MiB + 128 KiB: over a quarter of the stack */
	CHECK(exec_result(self, a) == E2BIG);
	/* no such file: ENOENT, whatever the arguments */
	CHECK(exec_result("/bin/no-such-program", a) == ENOENT);
	free_args(a);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "assert")) {
		assert(argc == 99 && "spawntest asserts on purpose");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "count")) /* the exec'd half of test_exec_limits */
		return argc == 3 + atoi(argv[2]) ? 0 : 99;
	/* posix_spawn: the child runs on its own stack in our address space until it execs */
	pid_t pid;
	char *hello[] = { "/bin/hello", "spawned", NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	int rc = posix_spawn(&pid, "/bin/hello", &fa, NULL, hello, environ);
	int st = 0;
	CHECK(rc == 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char *missing[] = { "/bin/no-such-program", NULL };
	CHECK(posix_spawn(&pid, "/bin/no-such-program", NULL, NULL, missing, environ) == ENOENT);

	/* system: /bin/sh -c, the exit status comes back */
	st = system("exit 3");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CHECK(system("test -x /bin/hello") == 0);

	/* popen: a pipeline through busybox, read back */
	FILE *p = popen("echo one two three | wc -w", "r");
	char line[64] = "";
	CHECK(p && fgets(line, sizeof(line), p) && atoi(line) == 3);
	CHECK(p && pclose(p) == 0);
	p = popen("cat > /dev/null", "w");
	CHECK(p && fputs("to the child\n", p) >= 0 && pclose(p) == 0);

	/* assert in a child ends it with SIGABRT, and so does abort() */
	pid = fork();
	if (pid == 0) {
		char *args[] = { argv[0], "assert", NULL };
		execv(argv[0], args);
		_exit(98);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	pid = fork();
	if (pid == 0)
		abort();
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);

	test_exec_limits(argv[0]);
	return checks_report();
}
