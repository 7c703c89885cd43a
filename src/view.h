/*
 * view.h: a viewport over the model (time to columns) and the formatting
 * every renderer shares: durations with units, time-axis ticks, the state
 * that a cell shows, which tasks share a lane. No drawing here and no curses: the text renderer and
 * the TUI both use it.
 */
#ifndef SIMUL_VIEW_H
#define SIMUL_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct viewport {
	uint64_t t0;      /* absolute ns at the left edge of column 0 */
	uint64_t dt;      /* ns per column, at least 1 */
	int ncols;
	uint64_t origin;  /* run start: times are shown relative to it */
	double sim_scale; /* simulated s per real s; 0 shows real time */
};

/* The lanes of a timeline, the one grouping policy of the TUI and --plain:
 * in task order, one lane per task while there are at most max_tasks of
 * them; past that the tasks of a group share one lane, standing where its
 * first task would, and a task of no group keeps its own. open_group >= 0:
 * that group's tasks only, one lane each. Calls lane(arg, is_group, index)
 * for each lane in order, index being the task's or the group's; returns
 * how many lanes there are. */
size_t view_lanes(const struct model *m, size_t max_tasks, int open_group,
                  void (*lane)(void *arg, int is_group, size_t index), void *arg);

/* Show [start, end) in ncols columns, with a round ns-per-column. */
void view_fit(struct viewport *v, uint64_t start, uint64_t end, int ncols);
/* Zoom by factor (>1 zooms out) keeping the instant under column `col`. */
void view_zoom(struct viewport *v, double factor, int col);
/* Column of instant t (may be outside 0..ncols-1). */
long view_col(const struct viewport *v, uint64_t t);

/* "850 ns", "12.5 µs"/"12.5 us", "3.20 ms", "1.50 s", "2 m 05 s" (ascii: us). */
void view_format_duration(uint64_t ns, int ascii, char *buf, size_t n);
/* A result's number as a person writes it: whole numbers in full
 * ("10000", not "1e+04"), others to 4 significant digits without trailing
 * zeros ("870.4", "0.1494", "1.99"). */
void view_format_number(double v, char *buf, size_t n);
/* A time since the run's start: real ("1.50 s") or simulated ("1:05:00"). */
void view_format_time(const struct viewport *v, uint64_t abs_ns, int ascii, char *buf, size_t n);

/* Fill `labels` (ncols bytes + NUL) with tick labels and `ruler` with '|'
 * at ticks and '-' between. Label text is ASCII, except µ when !ascii,
 * which takes two bytes: buffers need 2*ncols+1 bytes. */
void view_axis(const struct viewport *v, int ascii, char *labels, char *ruler);

/* The state a one-glyph cell shows: the one that fills most of it, or
 * STATE_DONE when the task was absent from most of the cell. */
enum state view_cell_state(const struct model_cell *c, uint64_t dt);

/* What one cell of a TUI lane shows, so that a wait is never hidden behind
 * a block: the longest wait in the cell, unless running lasted at least
 * VIEW_RUN_OVER_WAIT times as long; then running, with its share of the
 * time the task was there in eighths (8: all of it). `brief` is set when a
 * state that must never be hidden (view_state_never_hidden) was in the
 * cell too but did not win it: the TUI then draws the small letter of its
 * glyph instead (g, l, b). */
#define VIEW_RUN_OVER_WAIT 2
struct view_cell_look {
	enum state state;  /* the glyph's state; STATE_DONE: blank */
	int eighths;       /* running: 1..8 */
	enum state brief;  /* a shorter never-hidden state, else STATE_DONE */
};
void view_cell_look(const struct model_cell *c, uint64_t dt, struct view_cell_look *out);
/* The states a cell never hides, however short: waiting for the GIL (the
 * emulated one, or CPython's as inferred) or a lock, and a blocking call
 * that holds its thread (the loop's culprit). Their ASCII glyphs are
 * letters; their brief form is the small letter (g, g, l, b). */
int view_state_never_hidden(enum state s);

/* The text of a mark without a leading "NAME: " that repeats its task's
 * name (a worker that prints "worker 0: ..." on the lane of worker 0). */
const char *view_mark_text(const char *task_name, const char *text);

/* A task woken by another (model_wake) is marked on its lane, at the
 * wake's column, only when the wait it ended filled at least one column
 * (waited >= dt): at a classroom zoom the GIL's 5 ms hand-overs stay out
 * of the way, and zooming in brings them. */
#define VIEW_WAKE_GLYPH "\u00bb"
#define VIEW_WAKE_ASCII ">"
int view_wake_shown(const struct model_wake *w, uint64_t dt);

/* The column of a task's end glyph (end_glyph), or -1: the column after
 * the one it ended in, where its lane is blank (that one itself when the
 * end is in the last column); only for an end that is not a plain finish
 * (a cancelled task), and only inside the view. */
long view_end_col(const struct viewport *v, const struct model_task *t);

#endif
