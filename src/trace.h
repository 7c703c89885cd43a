/*
 * trace.h: the recorder, the only API that workload code calls and the only
 * thread-safe one in simul.
 *
 * A workload registers each task once (name, kind, group), says which thread
 * runs it (trace_bind), then reports what the task is doing as it changes
 * (trace_state) and the lines it prints (trace_mark). Every call appends an
 * event (32 bytes, and more for a long text) to a ring owned by the calling thread: no lock, no
 * allocation, one clock read. The UI thread drains all rings (trace_drain)
 * and hands the events to the model; nothing else reads them.
 *
 * The clock read is the CPU's time stamp counter where it is invariant, else
 * CLOCK_MONOTONIC (tsc.h); either way the drain turns it into lesson time
 * (clock.h) by the mapping in force when the event was written, so a pause
 * or a slowed-down run reads as it would have with clock_now_ns.
 *
 * A full ring grows by another segment, so a burst the UI has not drained
 * yet (a hundred thousand tasks made at once) is kept whole; segments the
 * drain has emptied are given back. All rings together stay within a
 * budget (trace_set_ring_budget); past it an event is dropped and counted
 * (trace_dropped): nothing is lost silently. Child processes write into
 * rings in shared memory that the parent made before it started them
 * (trace_shm_*), so their events flow the same way; those do not grow.
 *
 * Ownership: task names, groups, reasons and mark texts are copied; callers
 * keep their strings. Task ids are small integers, valid until trace_reset.
 */
#ifndef SIMUL_TRACE_H
#define SIMUL_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "state.h"

#define TRACE_NO_LINE 0

/*
 * One slot of a ring: 32 bytes, a state change without text in one. Text
 * longer than fits in the slot continues in the following slots (all 32
 * bytes of text), which the producer publishes together with the first.
 * The top two bits of `type` say which clock t_ns is read from (the
 * recorder's business). Only trace.c and a test that forges a child's ring
 * (trace_shm_forge) write slots.
 */
struct trace_event {
	uint64_t t_ns;
	int32_t task;
	uint8_t type;
	uint8_t state;
	int16_t line;
	uint32_t a, b;
	uint16_t text_len; /* whole text length, over all slots */
	char text[6];
};

/* ---- lifecycle (UI thread, no workload running) ---- */

/* Forget every task and event; rings are kept for reuse. */
void trace_reset(void);
/* Recording on (default) or off. Off makes every call below return at once;
 * used to measure the recorder's own overhead. */
void trace_enable(int on);
/* At most `bytes` of ring segments beyond each thread's first (default: a
 * quarter of physical memory, at most 1 GiB); 0 restores the default. */
void trace_set_ring_budget(size_t bytes);
/* Called (from any thread) when the first event after a drain is written,
 * so the UI can wake up. Wakeups coalesce: one call per drain at most. */
void trace_set_notify(void (*fn)(void *arg), void *arg);

/* ---- workload API (any thread) ---- */

trace_task_t trace_task_new(const char *name, enum task_kind kind, const char *group);
/* Same, naming the task that made it (shown as its parent in details). */
trace_task_t trace_task_new_child(const char *name, enum task_kind kind, const char *group,
                                  trace_task_t parent);
/* The calling thread (this pid and tid) now runs the task. */
void trace_bind(trace_task_t task);
/* The task runs on thread tid of process pid (for a task that runs elsewhere,
 * e.g. a child process whose pid the parent learned from uv_spawn). */
void trace_bind_to(trace_task_t task, pid_t pid, pid_t tid);
/* The task is now in state s because of reason (may be NULL). */
void trace_state(trace_task_t task, enum state s, const char *reason);
/* Same, and the task is at line `line` (1-based) of its demo's Python. */
void trace_state_at(trace_task_t task, enum state s, int line, const char *reason);
/* Same with a printf-style reason. */
void trace_statef(trace_task_t task, enum state s, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The task printed a line (no newline). */
void trace_mark(trace_task_t task, const char *text);
void trace_markf(trace_task_t task, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The task is finished. */
void trace_end(trace_task_t task);
/* The same, saying how it ended (a cancelled asyncio task). */
void trace_end_as(trace_task_t task, enum task_end how);
/* Task `task`, which was waiting, is woken by task `waker`, which did
 * `cause` ("dropped the GIL", "put an item"): called at the instant of the
 * wake, before the woken task reports its next state, by whichever thread
 * knows both (the waker's, or the woken one's as it takes over). Only for a
 * wake another task caused: a timer or a socket is no task. */
void trace_wake(trace_task_t task, trace_task_t waker, const char *cause);
/* A chapter of the run worth a marker ("GIL turned on"). */
void trace_milestone(const char *text);
/* Append an already-filled event as the calling thread (the sampler uses
 * this for TRACE_EV_PREEMPT and TRACE_EV_CORE). */
void trace_raw(uint64_t t_ns, enum trace_ev_type type, int32_t task, int state, int line,
               uint32_t a, uint32_t b);

/* Append an event stamped t_ns (lesson time) with its text, as the calling
 * thread, for a source that stamps its own events: the Python agent's
 * records, read from its FIFO (src/pyrec.h). No pause gate: that source's
 * process is paused with SIGSTOP. */
void trace_put(uint64_t t_ns, enum trace_ev_type type, trace_task_t task, enum state s, int line,
               uint32_t a, uint32_t b, const char *text);

/* ---- reading (UI thread) ---- */

size_t trace_task_count(void);
/* Copies the task's info; strings stay valid until trace_reset. */
int trace_task_get(trace_task_t task, struct trace_task_info *out);
/* Calls fn for every event written since the last drain, ring by ring, in
 * order within a ring. Returns the number of events. */
size_t trace_drain(void (*fn)(const struct trace_record *rec, void *arg), void *arg);
/* Events dropped because a ring was full, since the last trace_reset. */
uint64_t trace_dropped(void);
/* Events written since the last trace_reset. */
uint64_t trace_written(void);
/* The clock events are stamped with: "tsc" or "monotonic". */
const char *trace_clock(void);
/* Bytes of ring segments mapped now, and the most there were since the
 * last trace_reset. */
size_t trace_ring_bytes(size_t *peak);

/* ---- child processes ---- */

/*
 * Parent: make a ring in shared memory for one child and drain it with the
 * others. Returns a file descriptor to hand to the child (e.g. with
 * UV_INHERIT_FD), or a negative errno. The parent closes its copy of the fd
 * once the child is started; the memory lives until trace_reset. Nothing is
 * left in the file system.
 */
int trace_shm_ring_new(void);
/* Child: every thread of this process now appends to the shared ring behind
 * fd (a lock serialises producers in the child). Returns 0 or -errno. */
int trace_shm_attach(int fd);
/* Parent: publish the lesson clock's mapping (clock.h) to every child's
 * ring; a child follows the one in its ring from trace_shm_attach on. */
struct clock_map;
void trace_shm_set_pace(const struct clock_map *m);
/* State changes and prints the children have written so far (a step of a
 * paused run ends at the next one). */
uint64_t trace_shm_work(void);
/* For tests: write n raw slots at the head of the child's ring behind fd
 * and publish head + n, or, when n is 0, set its head to `head`, as a
 * broken or hostile child could. Returns 0 or -errno. */
int trace_shm_forge(int fd, const struct trace_event *ev, size_t n, uint64_t head);

#endif
