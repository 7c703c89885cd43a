/*
 * event.h: what the recorder hands on, and all that its consumers see of it.
 *
 * The recorder (trace.h) turns workload calls into events; the app shell
 * drains them (feed.h) into the model, and the save-file loader makes the
 * same events from a file. Both sides share only this: a task's
 * registration (trace_task_info, in task id order) and one event with its
 * text joined (trace_record). The model and the views include this header,
 * never trace.h.
 */
#ifndef SIMUL_EVENT_H
#define SIMUL_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* A task's id: small integers from 0, in the order tasks were registered. */
typedef int32_t trace_task_t;

#define TRACE_NO_TASK ((trace_task_t)-1)
/* Longest reason or mark text the recorder keeps; longer ones are cut
 * (never inside a UTF-8 character). */
#define TRACE_TEXT_MAX 200

enum trace_ev_type {
	TRACE_EV_STATE = 1, /* task changes state; state, line, text = reason */
	TRACE_EV_MARK,      /* task printed a line; text */
	TRACE_EV_BIND,      /* task runs on thread a = pid, b = tid */
	TRACE_EV_END,       /* task finished (state done); a = how (enum task_end) */
	TRACE_EV_MILESTONE, /* a chapter of the run; task = -1, text */
	TRACE_EV_PREEMPT,   /* sampler: thread b of pid a runnable-waiting from t_ns for state=1, until next with state=0 */
	TRACE_EV_CORE,      /* sampler: thread b of pid a last ran on core line */
	TRACE_EV_TEXT,      /* continuation of the previous event's text (inside a ring only) */
	TRACE_EV_KWAIT,     /* sampler: thread b of pid a blocked on a futex from t_ns for state=1, until next with state=0 */
	TRACE_EV_WAKE,      /* task, waiting, was woken by task a; text = what a did ("released the lock") */
};

/* One event with its text joined. The text belongs to whoever made the
 * record (valid until the recorder's next drain). */
struct trace_record {
	uint64_t t_ns;
	int32_t task;
	enum trace_ev_type type;
	enum state state;
	int line;
	uint32_t a, b;
	const char *text; /* NUL-terminated, "" when none */
	size_t text_len;
};

/* A task as registered. */
struct trace_task_info {
	const char *name;
	const char *group; /* "" when none */
	enum task_kind kind;
	trace_task_t parent; /* TRACE_NO_TASK when none */
};

#endif
