/*
 * model.h: the timeline model, what every view reads.
 *
 * The model is fed tasks (model_task_add) and events (model_ingest), the
 * recorder's (through feed.h) or a save file's, on the UI thread; it orders
 * events by time, and keeps per task a list of spans (start, state, reason,
 * line of the demo's Python, core) and the lines it printed (marks). It
 * knows nothing about which demo produced them, nor about the recorder: it
 * sees only the event format (event.h).
 *
 * Effective state: a task reports `running` when it wants the CPU; the OS
 * sampler says when its thread was runnable but waiting for a core, and the
 * model shows that time as `preempted`.
 *
 * Queries over a time range cost O(columns * (log spans + 32)): every 32
 * spans a checkpoint holds the time spent so far in each state, so the
 * time in each state before any instant is a checkpoint plus at most 32
 * spans. Memory: 16 bytes a span plus 80 bytes a checkpoint (2.5 bytes a
 * span), so about 19 bytes a span; spans past model_new's cap are not kept
 * (counted in model_spans_dropped) but per-task totals stay exact.
 *
 * Not thread-safe: one thread (the UI's) owns a model. Strings returned by
 * queries stay valid until the next model_ingest/model_apply.
 * Times are absolute CLOCK_MONOTONIC nanoseconds; model_origin is the run's
 * start.
 */
#ifndef SIMUL_MODEL_H
#define SIMUL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "event.h"

#define MODEL_DEFAULT_MAX_SPANS (32u * 1024 * 1024)
/* How long events wait before they are applied, so that events from
 * different threads about the same task can be put in order. */
#define MODEL_HOLDBACK_NS 60000000ull /* 60 ms */

struct model;

struct model_task {
	const char *name;
	const char *group;  /* "" when none */
	int group_index;    /* index for model_group_*, -1 when no group */
	enum task_kind kind;
	int parent;         /* task index, -1 when none */
	int pid, tid;       /* 0 until the task is bound to a thread */
	uint64_t start_ns;  /* first event; 0 when none yet */
	uint64_t end_ns;    /* when it finished; 0 while alive */
	enum task_end end_how; /* how it ended (once end_ns is set) */
	enum state state;   /* current effective state */
	int line;           /* current line of the demo's Python, 0 if none */
	int core;           /* last core it ran on, -1 when unknown */
	size_t nmarks;
};

struct model_span {
	uint64_t start_ns, end_ns;
	enum state state;
	int line;
	int core; /* -1 when unknown */
	const char *reason; /* "" when none */
};

/* Time spent in each state inside one column of a lane (or, for a group,
 * summed over its tasks); the rest of the column the task did not exist. */
struct model_cell {
	uint64_t ns[STATE_COUNT];
};

struct model_mark {
	uint64_t t_ns;
	int task; /* -1 for a milestone */
	const char *text;
};

struct model *model_new(size_t max_spans);
void model_free(struct model *m);

void model_set_origin(struct model *m, uint64_t t0_ns);
uint64_t model_origin(const struct model *m);
/* The model is complete up to this time. */
uint64_t model_now(const struct model *m);
/* Time of the last event applied (at most model_now). */
uint64_t model_last_event(const struct model *m);

/* Add the next task: its index is model_task_count() before the call, so
 * tasks are added in the order of their ids. Strings are copied. An event
 * naming a task that is not added by the time it is applied is ignored. */
size_t model_task_add(struct model *m, const struct trace_task_info *info);
/* Queue one event (the text is copied). */
void model_ingest(struct model *m, const struct trace_record *rec);
/* Apply queued events up to upto_ns; the model is then complete to there. */
void model_apply(struct model *m, uint64_t upto_ns);
/* The same, but stop after about budget_ns of work (a frame's worth; 0: no
 * limit), leaving the rest queued for the next call: the model is then
 * complete only to the last event applied. 1 when it applied all. */
int model_apply_some(struct model *m, uint64_t upto_ns, uint64_t budget_ns);
/* Apply every queued event: the model is complete to now_ns or to the last
 * event, whichever is later. */
void model_apply_all(struct model *m, uint64_t now_ns);


size_t model_task_count(const struct model *m);
const struct model_task *model_task(const struct model *m, size_t i);

/* Time in each state over the task's life so far (to its end, or to
 * model_now while it is alive); DONE is always 0. */
void model_task_totals(const struct model *m, size_t i, uint64_t out[STATE_COUNT]);

size_t model_group_count(const struct model *m);
const char *model_group_name(const struct model *m, size_t g);
size_t model_group_size(const struct model *m, size_t g);

/* Fill out[0..ncols) with the time in each state during
 * [t0 + c*dt, t0 + (c+1)*dt). */
void model_task_columns(const struct model *m, size_t task, uint64_t t0, uint64_t dt, int ncols,
                        struct model_cell *out);
void model_group_columns(const struct model *m, size_t group, uint64_t t0, uint64_t dt, int ncols,
                         struct model_cell *out);
/* The state that fills the task at instant t (STATE_DONE before its start). */
enum state model_task_state_at(const struct model *m, size_t task, uint64_t t);

size_t model_span_count(const struct model *m, size_t task);
int model_span_get(const struct model *m, size_t task, size_t k, struct model_span *out);
/* Index of the span holding instant t, or model_span_count when none. */
size_t model_span_find(const struct model *m, size_t task, uint64_t t);

/* A task that waited, woken by another (trace_wake): the instant, who
 * woke it and what that one did, and the wait it ended. */
struct model_wake {
	uint64_t t_ns;
	int task;           /* the woken task */
	int waker;          /* the task that woke it */
	enum state state;   /* the woken task's state then: what it waited in */
	uint64_t waited_ns; /* how long it had been in that state; 0 when it was not waiting */
	const char *cause;  /* what the waker did ("dropped the GIL") */
};

/* Wakes of every task in time order. */
size_t model_wake_count(const struct model *m);
int model_wake_get(const struct model *m, size_t k, struct model_wake *out);
/* Index of the first wake at or after t (model_wake_count when none). */
size_t model_wake_first_at(const struct model *m, uint64_t t);
/* The last wake of task in [t0, t1] (the one that ended a wait there),
 * or -1; looks at a bounded number of other tasks' wakes on the way. */
long model_wake_ending(const struct model *m, size_t task, uint64_t t0, uint64_t t1);

/* Marks of every task in time order. */
size_t model_mark_count(const struct model *m);
int model_mark_get(const struct model *m, size_t k, struct model_mark *out);
size_t model_milestone_count(const struct model *m);
int model_milestone_get(const struct model *m, size_t k, struct model_mark *out);

/* Health and cost. */
size_t model_span_total(const struct model *m);
uint64_t model_spans_dropped(const struct model *m);
uint64_t model_late_events(const struct model *m);
size_t model_memory_bytes(const struct model *m);

#endif
