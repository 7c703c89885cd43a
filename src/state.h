/*
 * state.h: the one list of task states and task kinds, shared by every layer.
 *
 * A state says what a task is doing (or waiting for) during a span of time.
 * Each has a stable name (used in the JSON report and on the command line),
 * a short label for narrow columns, a Unicode glyph and an ASCII fallback
 * glyph, so that no state is ever told apart by colour alone.
 *
 * This file is data only: no functions that need a library, so the recorder,
 * the model and every view can include it.
 */
#ifndef SIMUL_STATE_H
#define SIMUL_STATE_H

/*   id          name         label   utf-8 glyph  ascii  meaning */
#define SIMUL_STATES(X)                                                        \
	X(RUNNING,   "running",   "run",  "\u2588", '#', "on a core, doing work")                       \
	X(PREEMPTED, "preempted", "pre",  "\u2593", '%', "runnable, waiting for a core (from the kernel)") \
	X(READY,     "ready",     "rdy",  "\u2591", '-', "runnable, waiting for its scheduler (loop, pool, GIL turn)") \
	X(IO,        "io",        "io",   "\u2248", '~', "blocked on I/O")                              \
	X(SLEEP,     "sleep",     "slp",  "\u00b7", '.', "sleeping on a timer")                         \
	X(BLOCKED,   "blocked",   "blk",  "B",      'B', "stuck in a blocking call that holds its thread (time.sleep on a loop)") \
	X(LOCK,      "lock",      "lck",  "L",      'L', "waiting for a lock")                          \
	X(GIL,       "gil",       "gil",  "G",      'G', "waiting for the (emulated) GIL")              \
	X(GIL_INFERRED, "gil-inferred", "gil?", "g", 'g', "CPython: blocked on a futex outside any call the agent wraps; taken for a GIL wait (inferred)") \
	X(JOIN,      "join",      "join", "\u2500", '=', "waiting for a thread, child or task")         \
	X(IDLE,      "idle",      "idle", "_",      '_', "an event loop waiting for events")            \
	X(DONE,      "done",      "done", " ",      ' ', "finished")

enum state {
#define X(id, name, label, glyph, ascii, help) STATE_##id,
	SIMUL_STATES(X)
#undef X
	STATE_COUNT
};

/* What kind of thing a task is; shown in the lane and in the report. */
#define SIMUL_KINDS(X)        \
	X(THREAD, "thread")       \
	X(PROCESS, "process")     \
	X(COROUTINE, "coroutine") \
	X(LOOP, "loop")           \
	X(WORKER, "worker")       \
	X(BOARD, "board")         \
	X(MAIN, "main")

enum task_kind {
#define X(id, name) KIND_##id,
	SIMUL_KINDS(X)
#undef X
	KIND_COUNT
};

/* How a task ended: its lane's end, the report's end_state. A task
 * cancelled (asyncio's Task.cancel, wait_for's timeout, a TaskGroup whose
 * other task failed) ends by the CancelledError raised in it.
 *   id         name         label   utf-8 glyph  ascii  meaning */
#define SIMUL_ENDS(X)                                                          \
	X(FINISHED,  "finished",  "done", " ",      ' ', "returned, or its thread or process exited")  \
	X(CANCELLED, "cancelled", "cncl", "\u00d7", 'x', "cancelled: a CancelledError raised in it ended it")

enum task_end {
#define X(id, name, label, glyph, ascii, help) TASK_END_##id,
	SIMUL_ENDS(X)
#undef X
	TASK_END_COUNT
};

const char *state_name(enum state s);
const char *state_label(enum state s);
const char *state_glyph(enum state s, int ascii);
const char *state_help(enum state s);
/* Returns the state with that name, or -1. */
int state_from_name(const char *name);

const char *kind_name(enum task_kind k);

const char *end_name(enum task_end e);
const char *end_label(enum task_end e);
const char *end_glyph(enum task_end e, int ascii);
const char *end_help(enum task_end e);
/* Returns the end with that name, or -1. */
int end_from_name(const char *name);

#endif
