/* spin [SECONDS]: burn CPU (forever without an argument), for preemption, Ctrl-C and kill. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	double limit = argc > 1 ? atof(argv[1]) : -1;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	printf("spin: running\n");
	fflush(stdout);
	volatile unsigned long n = 0;
	for (;;) {
		for (int i = 0; i < 100000; i++)
			n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (limit >= 0 && (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= limit)
			break;
	}
	printf("spin: done\n");
	return 0;
}
