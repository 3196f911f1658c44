/* crash MODE: die on purpose, to check that the kernel kills only this task with a clear
 * line. MODE: segv (write to NULL), wild (read a kernel address), div (divide by zero),
 * ud2 (invalid opcode), gp (privileged instruction), stack (unbounded recursion). */
#include <stdio.h>
#include <string.h>

static volatile int zero;

static int recurse(int n)
{
	volatile char pad[4096];
	pad[0] = (char)n;
	return n < 0 ? 0 : recurse(n + 1) + pad[0]; /* n < 0 never: the stack runs out first */
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "segv";
	printf("crash: %s\n", mode);
	fflush(stdout);
	if (!strcmp(mode, "segv"))
		*(volatile int *)0 = 1;
	else if (!strcmp(mode, "wild"))
		return *(volatile int *)0xffff800000000000ul;
	else if (!strcmp(mode, "div"))
		return 10 / zero;
	else if (!strcmp(mode, "ud2"))
		__asm__ volatile("ud2");
	else if (!strcmp(mode, "gp"))
		__asm__ volatile("hlt");
	else if (!strcmp(mode, "stack"))
		return recurse(0);
	printf("crash: unknown mode %s\n", mode);
	return 2;
}
