/* spawntest: the ways libc starts programs, each checked: posix_spawn, system, popen, and
 * assert/abort ending a task with SIGABRT. Prints "spawntest: N checks, F failed". */
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

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "assert")) {
		assert(argc == 99 && "spawntest asserts on purpose");
		return 0;
	}
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

	return checks_report();
}
