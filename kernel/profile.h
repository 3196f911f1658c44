/* A sampling profiler: while it runs, every timer tick (HZ per second, each CPU) records
 * where it interrupted the CPU, counted per kernel function (ksyms), or as user mode or
 * idle. It answers "where does the kernel's time go" under TCG, where timings are odd.
 * Samples go to a fixed table (no allocation in the tick); when the profiler is off a
 * tick costs one load. All state is under profile_lock, an IRQ-safe leaf spinlock. */
#ifndef PROFILE_H
#define PROFILE_H

#include "lib/compiler.h"

#define PROFILE_ALL_TASKS (-1)

/* Timer-interrupt hook (arch code, interrupts off, any CPU): the interrupted instruction
 * pointer, frame pointer (to name the caller; followed only inside the task's kernel
 * stack) and whether it was in ring 3. Takes profile_lock when the profiler runs. */
void profile_tick(uint64_t ip, uint64_t fp, bool user);

/* Start sampling (keeping earlier samples; profile_reset() drops them), every task or
 * only while task pid runs. Stop sampling (the samples stay). Drop every sample. Each
 * takes profile_lock. */
void profile_start(int pid);
void profile_stop(void);
void profile_reset(void);

/* A function (or a function called from another) and its samples. */
struct profile_func {
	const char *name;	/* from the kernel symbol table */
	const char *caller;	/* by caller: its caller, NULL if unknown; else NULL */
	uint64_t samples;
};

/* The totals. kernel counts samples in a known kernel function (idle's excluded); unknown
 * ones in ring 0 outside the symbol table; lost ones in a function the full table had no
 * room for. */
struct profile_totals {
	bool running;
	int pid;		/* PROFILE_ALL_TASKS or the task sampled */
	uint64_t samples, kernel, user, idle, unknown, lost;
	uint64_t ns;		/* time sampled, ns (up to now if running) */
};

/* Copy the totals and the (at most n) functions, or (by_caller) function and caller
 * pairs, with the most samples, most first, into out; returns how many there are in all.
 * The caller is the return address in the interrupted frame: in a function's first
 * instructions, or one without a frame, it is the caller's caller. Takes profile_lock. */
unsigned profile_report(struct profile_totals *totals, bool by_caller,
			struct profile_func *out, unsigned n);

#endif
