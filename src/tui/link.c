/*
 * link.c: why the selected lane waits, drawn. At the cursor, a line runs
 * from the selected lane's state (at the timeline's right end) to the lane
 * of the task it waits for: the GIL's holder, a lock's owner, the task that
 * held the event loop, the child it joins. The why row under the lanes
 * gives the verdict (src/why.h), "ticker 1 waited 1.00 s because culprit
 * held the loop, line 12". On the cursor's column, a wake of the selected
 * task (a chevron on its lane) explains the wait it ended instead, and the
 * link runs to the task that woke it: "...; woken by main: cancelled".
 */
#include "tui_int.h"

#include "why.h"

#define TUI_LINK_DX 5 /* the link's columns start this far right of the state label */
#define TUI_WAKES_AT_MAX 4096 /* wakes of every task looked at in the cursor's column */

static const char *tui_why_label(void *arg, size_t task, char *buf, size_t n)
{
	return tui_task_label(arg, task, buf, n);
}

/* The visible row of the lane that shows task i (its own, or its group's), or -1. */
static int tui_lane_row_of(const struct tui *t, size_t i)
{
	int g = model_task(t->model, i)->group_index;
	for (int r = 0; r < t->lo.lane_rows && (size_t)(t->lane_top + r) < t->nlanes; r++) {
		const struct lane *l = &t->lanes[t->lane_top + r];
		if ((!l->is_group && l->index == i) || (l->is_group && g >= 0 && l->index == (size_t)g))
			return r;
	}
	return -1;
}

/* From the waiter's row to the target's, in the link columns:
 *   waiter  --+      (or --^ / --v when the target's lane is off screen)
 *             |
 *   target  <-+                                                        */
static void tui_link_draw(const struct tui *t, int from, int to)
{
	const struct tui_layout *lo = &t->lo;
	int x = lo->state_x + TUI_LINK_DX, a = t->ascii;
	int y1 = lo->lane_y + from * lo->lane_step;
	attr_t at = A_BOLD;
	if (to < 0) {
		tui_put(y1, x, 3, a ? "--^" : "\u2500\u2500\u2191", at);
		return;
	}
	int y2 = lo->lane_y + to * lo->lane_step, up = y2 < y1;
	tui_put(y1, x, 3, a ? "--+" : up ? "\u2500\u2500\u2518" : "\u2500\u2500\u2510", at);
	for (int y = (up ? y2 : y1) + 1; y < (up ? y1 : y2); y++)
		tui_put(y, x + 2, 1, a ? "|" : "\u2502", at);
	tui_put(y2, x, 3, a ? "<-+" : up ? "\u25c0\u2500\u2510" : "\u25c0\u2500\u2518", at);
}

/* The wake of task in the cursor's column that ended the longest wait,
 * when the lane marks it (a chevron: view_wake_shown), or -1. */
static long tui_wake_at_cursor(const struct tui *t, size_t task)
{
	uint64_t c0 = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt, c1 = c0 + t->vp.dt, longest = 0;
	long found = -1;
	size_t n = model_wake_count(t->model);
	for (size_t k = model_wake_first_at(t->model, c0), i = 0; k < n && i < TUI_WAKES_AT_MAX; k++, i++) {
		struct model_wake w;
		if (model_wake_get(t->model, k, &w) != 0 || w.t_ns >= c1)
			break;
		if ((size_t)w.task == task && view_wake_shown(&w, t->vp.dt) && (found < 0 || w.waited_ns > longest)) {
			found = (long)k;
			longest = w.waited_ns;
		}
	}
	return found;
}

void tui_draw_why(struct tui *t)
{
	int y = t->lo.why_y, w = t->lo.timeline.w;
	int selt = tui_selected_task(t);
	int x = tui_put(y, 0, w, "why: ", A_BOLD);
	if (t->model == NULL || model_task_count(t->model) == 0)
		return;
	if (selt < 0) {
		tui_put(y, x, w - x, "select a task's lane (Enter opens a group) to see why it waits", tui_dim(t));
		return;
	}
	struct why wy;
	long k = tui_wake_at_cursor(t, (size_t)selt);
	if (k >= 0)
		why_wake(t->model, (size_t)k, t->ascii, tui_why_label, t, &wy);
	else
		why_at(t->model, (size_t)selt, t->tcur, t->ascii, tui_why_label, t, &wy);
	tui_put(y, x, w - x, wy.verdict, A_NORMAL);
	if (wy.target < 0 || wy.target == selt)
		return;
	int from = t->sel - t->lane_top, to = tui_lane_row_of(t, (size_t)wy.target);
	if (from >= 0 && from < t->lo.lane_rows && to != from)
		tui_link_draw(t, from, to);
}
