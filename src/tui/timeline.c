/*
 * timeline.c: the timeline: lanes (one per task, or per group when they do
 * not fit), the time axis with its milestones, one cell per column, the
 * state at the cursor and the legend.
 */
#include "tui_int.h"

#define TUI_LANES_FIRST_CAP 64
#define TUI_EIGHTHS 8 /* a cell's running share, in the eighths of the lower blocks */

/* ---- lanes ---- */

static void tui_lane_push(struct tui *t, int is_group, size_t index)
{
	if (t->nlanes == t->lanes_cap) {
		size_t cap = t->lanes_cap ? t->lanes_cap * 2 : TUI_LANES_FIRST_CAP;
		t->lanes = xreallocarray(t->lanes, cap, sizeof(*t->lanes));
		t->lanes_cap = cap;
	}
	t->lanes[t->nlanes].is_group = is_group;
	t->lanes[t->nlanes].index = index;
	t->nlanes++;
}

/* One lane per task when they fit in `rows` (or a group is open), else one
 * per group plus the tasks that have none. */
void tui_lanes_build(struct tui *t, int rows)
{
	size_t n = model_task_count(t->model);
	size_t ng = model_group_count(t->model);
	t->nlanes = 0;
	if (t->open_group >= 0) {
		for (size_t i = 0; i < n; i++)
			if (model_task(t->model, i)->group_index == t->open_group)
				tui_lane_push(t, 0, i);
		return;
	}
	if (n <= (size_t)rows || ng == 0) {
		for (size_t i = 0; i < n; i++)
			tui_lane_push(t, 0, i);
		return;
	}
	unsigned char *seen = xcalloc(ng, 1);
	for (size_t i = 0; i < n; i++) {
		const struct model_task *mt = model_task(t->model, i);
		if (mt->group_index < 0)
			tui_lane_push(t, 0, i);
		else if (!seen[mt->group_index]) {
			seen[mt->group_index] = 1;
			tui_lane_push(t, 1, (size_t)mt->group_index);
		}
	}
	free(seen);
}

static void tui_lane_name(const struct tui *t, const struct lane *l, char *buf, size_t n)
{
	if (l->is_group)
		snprintf(buf, n, "%s %s%zu", model_group_name(t->model, l->index), t->ascii ? "x" : "\u00d7",
		         model_group_size(t->model, l->index));
	else
		snprintf(buf, n, "%s", model_task(t->model, l->index)->name);
}

int tui_selected_task(const struct tui *t)
{
	if (t->sel < 0 || (size_t)t->sel >= t->nlanes || t->lanes[t->sel].is_group)
		return -1;
	return (int)t->lanes[t->sel].index;
}


/* ---- drawing: run screen ---- */

static void tui_cell(const struct tui *t, const struct model_cell *c, uint64_t dt, int highlight)
{
	enum state s = view_cell_state(c, dt);
	uint64_t present = 0, run = c->ns[STATE_RUNNING];
	int other = -1;
	for (int k = 0; k < STATE_COUNT; k++) {
		present += c->ns[k];
		if (k != STATE_RUNNING && k != STATE_DONE && c->ns[k] > 0 &&
		    (other < 0 || c->ns[k] > c->ns[other]))
			other = k;
	}
	attr_t hl = highlight ? A_REVERSE : A_NORMAL;
	/* A cell that was partly running shows the running share in eighths
	 * over the colour of the rest, rather than picking one state. */
	if (!t->ascii && s != STATE_DONE && run > 0 && other >= 0 && present > 0) {
		int e = (int)((run * TUI_EIGHTHS + present / 2) / present);
		if (e >= 1 && e < TUI_EIGHTHS) {
			static const char *const eighths[TUI_EIGHTHS] = {"", "\u2581", "\u2582", "\u2583",
			                                       "\u2584", "\u2585", "\u2586", "\u2587"};
			attr_t a = t->color ? COLOR_PAIR(PAIR_MIXED(other)) : A_NORMAL;
			attron(a | hl);
			addstr(eighths[e]);
			attroff(a | hl);
			return;
		}
	}
	attr_t a = tui_state_attr(t, s) | hl;
	attron(a);
	addstr(state_glyph(s, t->ascii));
	attroff(a);
}

/* The name column's width (the longest lane name), then the columns; in
 * follow mode, the view that ends at the present. */
static void tui_timeline_fit(struct tui *t, uint64_t end)
{
	struct tui_layout *lo = &t->lo;
	char name[128];
	int nw = TUI_NAME_MIN;
	tui_lanes_build(t, lo->lane_rows);
	for (size_t i = 0; i < t->nlanes; i++) {
		tui_lane_name(t, &t->lanes[i], name, sizeof(name));
		int l = (int)strlen(name);
		if (l > nw)
			nw = l;
	}
	tui_layout_columns(lo, nw);
	int ncols = lo->ncols;
	if (t->follow) {
		uint64_t span = end > t->vp.origin ? end - t->vp.origin : 0;
		if (span < TUI_FOLLOW_MIN_NS)
			span = TUI_FOLLOW_MIN_NS;
		view_fit(&t->vp, t->vp.origin, t->vp.origin + span, ncols);
		long c = view_col(&t->vp, end);
		t->cursor = c < 0 ? 0 : c >= ncols ? ncols - 1 : (int)c;
	}
	t->vp.ncols = ncols;
	t->vp.sim_scale = t->run->sim_scale;
	if (t->cursor < 0 || t->cursor >= ncols)
		t->cursor = ncols / 2;
}

/* Time labels, the ruler and the milestones (the demo's chapters) on it. */
static void tui_timeline_axis(struct tui *t, const char *labels, const char *ruler)
{
	const struct tui_layout *lo = &t->lo;
	int y0 = lo->timeline.y;
	tui_put(y0, 0, lo->name_w, t->vp.sim_scale > 0 ? "sim time" : "time", A_DIM);
	tui_put(y0, lo->cells_x, lo->ncols, labels, A_NORMAL);
	tui_put(y0 + 1, lo->cells_x, lo->ncols, ruler, A_DIM);
	tui_put(y0 + 1, lo->state_x, TUI_STATE_COL_W - 1, "@cur", A_DIM);
	for (size_t k = 0; k < model_milestone_count(t->model); k++) {
		struct model_mark mk;
		if (model_milestone_get(t->model, k, &mk) != 0)
			break;
		long c = view_col(&t->vp, mk.t_ns);
		if (c >= 0 && c < lo->ncols)
			tui_put(y0 + 1, lo->cells_x + (int)c, 1, t->ascii ? "v" : "\u25bc", A_BOLD);
	}
}

/* Lane li on row y: its name, its cells, its state at time tcur; marks the
 * states it shows in used[]. */
static void tui_timeline_lane(struct tui *t, int li, int y, uint64_t tcur, int used[STATE_COUNT])
{
	const struct tui_layout *lo = &t->lo;
	const struct lane *l = &t->lanes[li];
	int ncols = lo->ncols;
	uint64_t dt = t->vp.dt;
	enum state at;
	char name[128];
	tui_lane_name(t, l, name, sizeof(name));
	if (l->is_group) {
		model_group_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
		dt *= model_group_size(t->model, l->index);
		struct model_cell one;
		model_group_columns(t->model, l->index, tcur, 1, 1, &one);
		at = view_cell_state(&one, model_group_size(t->model, l->index));
	} else {
		model_task_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
		at = model_task_state_at(t->model, l->index, tcur);
	}
	if (t->replay)
		tui_replay_clip(t, ncols);
	attr_t na = li == t->sel ? (t->pane == PANE_TIMELINE ? A_REVERSE : A_BOLD) : A_NORMAL;
	if (!l->is_group && t->color)
		na |= COLOR_PAIR(PAIR_TASK(l->index));
	tui_fill(y, 0, lo->name_w, na);
	tui_put(y, 0, lo->name_w, name, na);
	move(y, lo->cells_x);
	for (int c = 0; c < ncols; c++) {
		for (int k = 0; k < STATE_COUNT; k++)
			used[k] |= t->cells[c].ns[k] > 0;
		tui_cell(t, &t->cells[c], dt, c == t->cursor);
	}
	tui_put(y, lo->state_x, TUI_STATE_COL_W - 1, state_label(at), tui_state_attr(t, at));
}

/* The legend of the states in use, on the timeline's last row. */
static void tui_timeline_legend(const struct tui *t, const int used[STATE_COUNT])
{
	int w = t->lo.timeline.w, x = 0, y = t->lo.timeline.y + t->lo.timeline.h - 1;
	x += tui_put(y, x, w - x, "legend: ", A_DIM);
	for (int s = 0; s < STATE_COUNT; s++) {
		if (!used[s] || s == STATE_DONE)
			continue;
		x += tui_put(y, x, w - x, state_glyph(s, t->ascii), tui_state_attr(t, s));
		x += tui_put(y, x, w - x, " ", A_NORMAL);
		x += tui_put(y, x, w - x, state_name(s), A_NORMAL);
		x += tui_put(y, x, w - x, "  ", A_NORMAL);
	}
	if (!t->ascii && x < w - 20)
		tui_put(y, x, w - x, "\u2581\u2584\u2587 share running", A_DIM);
}

/* The timeline in t->lo.timeline: axis, lanes, legend. */
void tui_draw_timeline(struct tui *t)
{
	uint64_t end = tui_run_end(t);
	tui_timeline_fit(t, end);
	int ncols = t->lo.ncols, rows = t->lo.lane_rows;
	char *labels = xmalloc((size_t)ncols * 2 + 1);
	char *ruler = xmalloc((size_t)ncols * 2 + 1);
	if (t->cells_cap < ncols) {
		free(t->cells);
		t->cells = xcalloc((size_t)ncols, sizeof(*t->cells));
		t->cells_cap = ncols;
	}
	view_axis(&t->vp, t->ascii, labels, ruler);
	tui_timeline_axis(t, labels, ruler);
	free(labels);
	free(ruler);

	if (t->sel >= (int)t->nlanes)
		t->sel = (int)t->nlanes - 1;
	if (t->sel < 0)
		t->sel = 0;
	if (t->sel < t->lane_top)
		t->lane_top = t->sel;
	if (t->sel >= t->lane_top + rows)
		t->lane_top = t->sel - rows + 1;
	uint64_t tcur = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt + t->vp.dt / 2;
	if (tcur >= end && end > t->vp.origin)
		tcur = end - 1; /* the model is complete only up to `end` */
	int used[STATE_COUNT] = {0};
	for (int r = 0; r < rows && (size_t)(t->lane_top + r) < t->nlanes; r++)
		tui_timeline_lane(t, t->lane_top + r, t->lo.lane_y + r, tcur, used);
	if ((size_t)(t->lane_top + rows) < t->nlanes)
		tui_putf(t->lo.lane_y + rows - 1, 0, t->lo.name_w, A_DIM, "+%zu more",
		         t->nlanes - (size_t)(t->lane_top + rows));
	tui_timeline_legend(t, used);
}
