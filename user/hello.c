/* The smallest useful program: proves ELF loading, the initial stack and write(2). */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp)
{
	printf("hello from pid %d (argv[0]=%s, argc=%d)\n", getpid(), argv[0], argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	for (char **e = envp; *e; e++)
		printf("env %s\n", *e);
	printf("main at %p\n", (void *)main);
	return 0;
}
