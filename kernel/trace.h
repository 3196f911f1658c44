/* Trace events into a fixed-size ring buffer, as Linux's ftrace shows them: each event is
 * switched on through /sys/kernel/tracing/events/SYSTEM/NAME/enable (all of a system's
 * through events/SYSTEM/enable), recording is paused with tracing_on, and
 * /sys/kernel/tracing/trace (or the shell's `trace`) prints one line per event with the
 * task, CPU and a timestamp. Recording never allocates: when the buffer is full the oldest
 * events are dropped. Any context, any CPU (one spinlock). */
#ifndef TRACE_H
#define TRACE_H

#include "lib/compiler.h"
#include "lib/seqbuf.h"

enum trace_event {
#define TRACE_EVENT(name, system, fmt) TRACE_##name,
#include "kernel/trace_events.h"
#undef TRACE_EVENT
	NR_TRACE_EVENTS,
};

#define TRACE_BUFFER_ENTRIES 4096

extern bool trace_event_on[NR_TRACE_EVENTS];

/* Record event ev with its arguments (as its format in trace_events.h reads them) if it is
 * enabled. */
void trace_record(enum trace_event ev, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		  uint64_t a4);
#define trace_event(ev, ...) do { \
	if (unlikely(READ_ONCE(trace_event_on[TRACE_##ev]))) \
		trace_emit(TRACE_##ev, __VA_ARGS__); \
} while (0)
#define trace_emit(ev, ...) trace_emit_n(ev, __VA_ARGS__, 0, 0, 0, 0, 0)
#define trace_emit_n(ev, a0, a1, a2, a3, a4, ...) \
	trace_record(ev, (uint64_t)(a0), (uint64_t)(a1), (uint64_t)(a2), (uint64_t)(a3), (uint64_t)(a4))

/* Boot, after the file tree: /sys/kernel/tracing. */
void trace_init(void);
/* Render the buffer as /sys/kernel/tracing/trace shows it. */
void trace_render(struct seqbuf *s);
/* Empty the buffer. */
void trace_clear(void);
/* Switch an event ("ksm_merge_one_page") or a whole system ("ksm", "all") on or off:
 * the number of events changed, or -1 if the name matches nothing. */
int trace_set_enabled(const char *name, bool on);

#endif
