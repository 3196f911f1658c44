/* limits MODE: run into one of the kernel's limits and back out, with nothing lost.
 *   tasks  fork children (which wait) until fork fails with EAGAIN; then end them all
 *   files  open /dev/null until open fails with EMFILE; then close them all
 *   vmas   with /proc/sys/vm/max_map_count lowered to 200 for a child, map pages apart
 *          until mmap fails with ENOMEM; then restore the limit
 * Prints "limits: MODE: N before ERRNO" and exits 0 when the expected error came. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 1024

static int tasks(void)
{
	static pid_t kids[MAX_CHILDREN];
	int n = 0, err = 0;
	while (n < MAX_CHILDREN) {
		pid_t c = fork();
		if (c == 0) {
			pause(); /* (no handler: until SIGKILL) */
			_exit(0);
		}
		if (c < 0) {
			err = errno;
			break;
		}
		kids[n++] = c;
	}
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	int reaped = 0, st;
	while (wait(&st) > 0)
		reaped++;
	printf("limits: tasks: %d before %s, %d reaped\n", n, err == EAGAIN ? "EAGAIN" : strerror(err), reaped);
	return err == EAGAIN && reaped == n ? 0 : 1;
}

static int files(void)
{
	int n = 0, fd, err;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	err = errno;
	for (int i = 3; i < 3 + n; i++)
		close(i);
	int again = open("/dev/null", O_RDONLY);
	printf("limits: files: %d before %s\n", n, err == EMFILE ? "EMFILE" : strerror(err));
	return err == EMFILE && again == 3 ? 0 : 1;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static int vmas(void)
{
	if (write_file("/proc/sys/vm/max_map_count", "200"))
		return 1;
	pid_t c = fork(); /* a new address space gets the lowered limit */
	if (c == 0) {
		int n = 0, err = 0;
		char *base = mmap(NULL, 1024 * 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(base, 1024 * 2 * 4096);
		for (; n < 1024; n++) /* one page every other page: no two merge */
			if (mmap(base + n * 2 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 -1, 0) == MAP_FAILED) {
				err = errno;
				break;
			}
		printf("limits: vmas: %d mappings before %s\n", n, err == ENOMEM ? "ENOMEM" : strerror(err));
		fflush(stdout);
		_exit(err == ENOMEM && n < 200 ? 0 : 1);
	}
	int st = 1;
	waitpid(c, &st, 0);
	write_file("/proc/sys/vm/max_map_count", "65530");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "tasks"))
		return tasks();
	if (!strcmp(mode, "files"))
		return files();
	if (!strcmp(mode, "vmas"))
		return vmas();
	fprintf(stderr, "usage: limits tasks|files|vmas\n");
	return 2;
}
