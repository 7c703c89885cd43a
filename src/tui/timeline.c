/*
 * timeline.c: the timeline: lanes (one per task, or per group when they do
 * not fit), the time axis with its milestones, one cell per column, the
 * state at the cursor and the legend.
 */
#include "tui_int.h"

#include <ctype.h>

#define TUI_LANES_FIRST_CAP 64
#define TUI_EIGHTHS 8 /* a cell's running share, in the eighths of the lower blocks */

/* What the lanes on screen show, for the legend. */
struct tui_used {
	int state[STATE_COUNT];
	int brief[STATE_COUNT];
	int eighths, marks, marks_hidden, woken, ended;
};

/* A group lane shows its prints only when they mark at most 1/4 of its columns. */
#define TUI_GROUP_MARKS_MAX_SHARE 4

/* ---- lanes ---- */

static void tui_lane_push(void *arg, int is_group, size_t index)
{
	struct tui *t = arg;
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
 * per group plus the tasks that have none: view_lanes, as --plain. */
void tui_lanes_build(struct tui *t, int rows)
{
	t->nlanes = 0;
	view_lanes(t->model, (size_t)rows, t->open_group, tui_lane_push, t);
}

/* Mark in t->names.dup the tasks whose name another task has too (loop
 * demos run the same coroutines twice), once per new task count: names
 * hashed into a table of task indexes. */
static void tui_names_update(struct tui *t)
{
	size_t n = model_task_count(t->model);
	if (n == t->names.n && t->names.dup != NULL)
		return;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	int *slot = malloc(cap * sizeof(*slot));
	if (n > t->names.cap) {
		free(t->names.dup);
		t->names.dup = calloc(n, 1);
		t->names.cap = t->names.dup ? n : 0;
	}
	if (slot == NULL || t->names.dup == NULL) {
		free(slot);
		t->names.n = 0;
		return;
	}
	memset(t->names.dup, 0, n);
	for (size_t i = 0; i < cap; i++)
		slot[i] = -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = model_task(t->model, i)->name;
		uint64_t h = 1469598103934665603ull;
		for (const char *c = name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		size_t k = (size_t)h & (cap - 1);
		while (slot[k] >= 0 && strcmp(model_task(t->model, (size_t)slot[k])->name, name) != 0)
			k = (k + 1) & (cap - 1);
		if (slot[k] >= 0)
			t->names.dup[i] = t->names.dup[slot[k]] = 1;
		else
			slot[k] = (int)i;
	}
	free(slot);
	t->names.n = n;
}

const char *tui_task_label(struct tui *t, size_t i, char *buf, size_t n)
{
	const struct model_task *mt = model_task(t->model, i);
	tui_names_update(t);
	if (i < t->names.n && t->names.dup[i] && mt->group[0])
		snprintf(buf, n, "%s (%s)", mt->name, mt->group);
	else if (i < t->names.n && t->names.dup[i])
		snprintf(buf, n, "%s #%zu", mt->name, i);
	else
		snprintf(buf, n, "%s", mt->name);
	return buf;
}

static void tui_lane_name(struct tui *t, const struct lane *l, char *buf, size_t n)
{
	if (l->is_group)
		snprintf(buf, n, "%s %s%zu", model_group_name(t->model, l->index), t->ascii ? "x" : "\u00d7",
		         model_group_size(t->model, l->index));
	else
		tui_task_label(t, l->index, buf, n);
}

int tui_selected_task(const struct tui *t)
{
	if (t->cv.on)
		return tui_cores_selected_task(t);
	if (t->sel < 0 || (size_t)t->sel >= t->nlanes || t->lanes[t->sel].is_group)
		return -1;
	return (int)t->lanes[t->sel].index;
}


/* ---- drawing: run screen ---- */

/* The glyph of look `look` (as in t->looks) of state s, reversed under the
 * cursor, as curses stores it: made at its first use in the frame, with
 * the rendition waddch would give it (tui_rendition). */
static const cchar_t *tui_look(struct tui *t, int look, enum state s, int highlight)
{
	static const char *const eighths[TUI_EIGHTHS + 1] = {
	    " ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
	cchar_t *cc = &t->looks.cc[look][s][highlight];
	if (t->looks.made[look][s][highlight])
		return cc;
	char small[2] = {(char)tolower((unsigned char)state_glyph(s, 1)[0]), 0};
	const char *g = look == TUI_LOOK_SMALL ? small : look > 0 ? eighths[look] : state_glyph(s, t->ascii);
	wchar_t wc[2] = {L'?', 0};
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	if ((int)mbrtowc(&wc[0], g, strlen(g), &st) <= 0)
		wc[0] = L'?';
	chtype r = tui_rendition(tui_state_attr(t, s) | (highlight ? A_REVERSE : A_NORMAL));
	setcchar(cc, wc, r & A_ATTRIBUTES & ~A_COLOR, (short)PAIR_NUMBER(r), NULL);
	t->looks.made[look][s][highlight] = 1;
	return cc;
}

/* One cell: the glyph of the state it shows (view_cell_look), a running
 * share in eighths of a block, or the small letter of a GIL or lock wait
 * that a longer state hid; reversed under the cursor. */
static const cchar_t *tui_cell(struct tui *t, const struct model_cell *c, uint64_t dt, int highlight,
                               struct tui_used *used)
{
	struct view_cell_look lk;
	view_cell_look(c, dt, &lk);
	enum state s = lk.state;
	int look = 0;
	used->state[s] = 1;
	used->eighths |= s == STATE_RUNNING && lk.eighths < TUI_EIGHTHS;
	if (lk.brief != STATE_DONE) {
		s = lk.brief;
		used->brief[s] = 1;
		look = TUI_LOOK_SMALL;
	} else if (s == STATE_RUNNING && !t->ascii) {
		look = lk.eighths;
	}
	return tui_look(t, look, s, highlight);
}

/* The name column's width (the longest lane name), then the columns; in
 * follow mode, the view that ends at the present. */
static void tui_timeline_fit(struct tui *t, uint64_t end)
{
	struct tui_layout *lo = &t->lo;
	char name[128];
	int nw = t->cv.on ? (int)strlen("other programs") : TUI_NAME_MIN;
	for (size_t i = 0; i < t->nlanes && !t->cv.on; i++) {
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
	tui_put(y0, 0, lo->name_w, t->vp.sim_scale > 0 ? "sim time" : "time", tui_dim(t));
	tui_put(y0, lo->cells_x, lo->ncols, labels, A_NORMAL);
	tui_put(y0 + 1, lo->cells_x, lo->ncols, ruler, tui_dim(t));
	tui_put(y0 + 1, lo->state_x, TUI_STATE_COL_W - 1, "@cur", tui_dim(t));
	for (size_t k = 0; k < model_milestone_count(t->model); k++) {
		struct model_mark mk;
		if (model_milestone_get(t->model, k, &mk) != 0)
			break;
		long c = view_col(&t->vp, mk.t_ns);
		if (c >= 0 && c < lo->ncols)
			tui_put(y0 + 1, lo->cells_x + (int)c, 1, t->ascii ? "v" : "\u25bc", A_BOLD);
	}
}

/* Lane l's cells for the view into t->cells: from the cache of visible row
 * r when neither the view nor the model changed, else from the model. */
static void tui_lane_cells(struct tui *t, const struct lane *l, int r, int ncols)
{
	if (r >= t->ncache) {
		struct tui_cells_cached *c = realloc(t->cache, (size_t)(r + 1) * sizeof(*c));
		if (c == NULL)
			goto direct;
		memset(c + t->ncache, 0, (size_t)(r + 1 - t->ncache) * sizeof(*c));
		t->cache = c;
		t->ncache = r + 1;
	}
	struct tui_cells_cached *c = &t->cache[r];
	uint64_t now = model_now(t->model), origin = model_origin(t->model);
	size_t spans = model_span_total(t->model);
	if (c->ncols == ncols && c->is_group == l->is_group && c->index == l->index && c->t0 == t->vp.t0 &&
	    c->dt == t->vp.dt && c->now == now && c->spans == spans && c->model == t->model && c->origin == origin) {
		memcpy(t->cells, c->cells, (size_t)ncols * sizeof(*t->cells));
		return;
	}
	if (c->cap < ncols) {
		free(c->cells);
		c->cells = malloc((size_t)ncols * sizeof(*c->cells));
		c->cap = c->cells ? ncols : 0;
	}
	c->ncols = 0;
	if (l->is_group)
		model_group_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
	else
		model_task_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
	if (c->cells == NULL)
		return;
	memcpy(c->cells, t->cells, (size_t)ncols * sizeof(*t->cells));
	*c = (struct tui_cells_cached){l->is_group, l->index, t->vp.t0, t->vp.dt, now, origin, spans, t->model,
	                               ncols, c->cells, c->cap};
	return;
direct:
	if (l->is_group)
		model_group_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
	else
		model_task_columns(t->model, l->index, t->vp.t0, t->vp.dt, ncols, t->cells);
}

/* Drop the cached cells (the bench's cold frames). */
void tui_cells_forget(struct tui *t)
{
	for (int i = 0; i < t->ncache; i++)
		t->cache[i].ncols = 0;
}

/* The instants of the lane on visible row r over its cells (instants.c): a
 * print (its count), else a wake; a task's end glyph over either. On the
 * lane, or under it when lanes are spaced out. */
static void tui_lane_instants(const struct tui *t, const struct lane *l, int r, int marks, struct tui_used *used)
{
	const struct tui_layout *lo = &t->lo;
	int y = lo->lane_y + r * lo->lane_step + (lo->lane_step > 1);
	for (int c = 0; c < lo->ncols; c++) {
		int n = marks ? tui_instants_at(t, r, c) : 0, f = tui_instants_flags(t, r, c);
		attr_t hl = c == t->cursor ? A_REVERSE : A_NORMAL;
		if (f & TUI_INST_ENDED) {
			enum task_end e = model_task(t->model, l->index)->end_how;
			tui_put(y, lo->cells_x + c, 1, end_glyph(e, t->ascii), tui_end_attr(t, e) | hl);
			used->ended = 1;
		} else if (n > 0) {
			tui_instant_draw(t, y, lo->cells_x + c, n, c == t->cursor);
			used->marks = 1;
		} else if (f & TUI_INST_WOKEN) {
			tui_put(y, lo->cells_x + c, 1, t->ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH, A_BOLD | hl);
			used->woken = 1;
		}
	}
}

/* The task of lane `task` ended, not as a plain finish, by instant tcur. */
static int tui_lane_ended(const struct tui *t, size_t task, uint64_t tcur)
{
	const struct model_task *mt = model_task(t->model, task);
	return mt->end_ns != 0 && tcur >= mt->end_ns && mt->end_how != TASK_END_FINISHED;
}

/* Lane li on visible row r: its name, its cells and marks, its state at
 * time tcur; notes what it shows in *used. */
static void tui_timeline_lane(struct tui *t, int li, int r, uint64_t tcur, struct tui_used *used)
{
	const struct tui_layout *lo = &t->lo;
	const struct lane *l = &t->lanes[li];
	int ncols = lo->ncols, y = lo->lane_y + r * lo->lane_step;
	uint64_t dt = t->vp.dt;
	enum state at;
	char name[128];
	tui_lane_name(t, l, name, sizeof(name));
	tui_lane_cells(t, l, r, ncols);
	if (l->is_group) {
		dt *= model_group_size(t->model, l->index);
		struct model_cell one;
		model_group_columns(t->model, l->index, tcur, 1, 1, &one);
		at = view_cell_state(&one, model_group_size(t->model, l->index));
	} else {
		at = model_task_state_at(t->model, l->index, tcur);
	}
	if (t->replay)
		tui_replay_clip(t, ncols);
	attr_t na = li == t->sel ? (t->pane == PANE_TIMELINE ? A_REVERSE : A_BOLD) : A_NORMAL;
	if (!l->is_group && t->color)
		na |= COLOR_PAIR(PAIR_TASK(l->index));
	tui_fill(y, 0, lo->name_w, na);
	tui_put(y, 0, lo->name_w, name, na);
	/* the lane's cells go to curses in one call, as they are stored */
	if (t->looks.row_cap < ncols) {
		t->looks.row = xreallocarray(t->looks.row, (size_t)ncols, sizeof(*t->looks.row));
		t->looks.row_cap = ncols;
	}
	for (int c = 0; c < ncols; c++)
		t->looks.row[c] = *tui_cell(t, &t->cells[c], dt, c == t->cursor, used);
	mvadd_wchnstr(y, lo->cells_x, t->looks.row, ncols);
	/* A group's prints would cover its states when its tasks print all the
	 * time (chess boards): then they wait for the group to be opened. */
	int marked = 0;
	for (int c = 0; c < ncols; c++)
		marked += tui_instants_at(t, r, c) > 0;
	if (l->is_group && marked * TUI_GROUP_MARKS_MAX_SHARE > ncols) {
		used->marks_hidden = 1;
		marked = 0;
	}
	tui_lane_instants(t, l, r, marked > 0, used);
	if (!l->is_group && at == STATE_DONE && tui_lane_ended(t, l->index, tcur))
		tui_put(y, lo->state_x, TUI_STATE_COL_W - 1, end_label(model_task(t->model, l->index)->end_how),
		        tui_end_attr(t, model_task(t->model, l->index)->end_how));
	else
		tui_put(y, lo->state_x, TUI_STATE_COL_W - 1, state_label(at), tui_state_attr(t, at));
}

/* The legend of what the lanes show, on the timeline's last row. */
static void tui_timeline_legend(const struct tui *t, const struct tui_used *used)
{
	int w = t->lo.timeline.w, x = 0, y = t->lo.legend_y;
	x += tui_put(y, x, w - x, "legend: ", tui_dim(t));
	for (int s = 0; s < STATE_COUNT; s++) {
		if (!used->state[s] || s == STATE_DONE)
			continue;
		x += tui_put(y, x, w - x, state_glyph(s, t->ascii), tui_state_attr(t, s));
		x += tui_putf(y, x, w - x, A_NORMAL, " %s  ", state_name(s));
	}
	for (int s = 0; s < STATE_COUNT; s++) {
		if (!used->brief[s])
			continue;
		char small[2] = {(char)tolower((unsigned char)state_glyph(s, 1)[0]), 0};
		x += tui_put(y, x, w - x, small, tui_state_attr(t, s));
		x += tui_putf(y, x, w - x, A_NORMAL, " some %s  ", state_name(s));
	}
	if (used->eighths && !t->ascii)
		x += tui_put(y, x, w - x, "\u2581\u2584\u2587 share running  ", A_NORMAL);
	if (used->marks) {
		x += tui_put(y, x, w - x, t->ascii ? "*" : "\u2022", A_BOLD);
		x += tui_put(y, x, w - x, " printed (2-9, +: that many)  ", A_NORMAL);
	}
	if (used->woken) {
		x += tui_put(y, x, w - x, t->ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH, A_BOLD);
		x += tui_put(y, x, w - x, " woken by another task  ", A_NORMAL);
	}
	if (used->ended) {
		x += tui_put(y, x, w - x, end_glyph(TASK_END_CANCELLED, t->ascii), tui_end_attr(t, TASK_END_CANCELLED));
		x += tui_putf(y, x, w - x, A_NORMAL, " %s  ", end_name(TASK_END_CANCELLED));
	}
	if (used->marks_hidden)
		x += tui_put(y, x, w - x, "a busy group's prints: Enter opens it  ", A_NORMAL);
	if (t->inst.cut)
		tui_put(y, x, w - x, "(too many prints in view: zoom in)", A_BOLD);
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
	t->tcur = tcur;
	if (t->present)
		tui_draw_callout(t);
	if (t->cv.on) {
		tui_draw_cores(t);
		return;
	}
	struct tui_used used;
	memset(&used, 0, sizeof(used));
	memset(t->looks.made, 0, sizeof(t->looks.made)); /* the theme or the colours may have changed */
	tui_instants_collect(t, t->lane_top, rows);
	for (int r = 0; r < rows && (size_t)(t->lane_top + r) < t->nlanes; r++)
		tui_timeline_lane(t, t->lane_top + r, r, tcur, &used);
	if ((size_t)(t->lane_top + rows) < t->nlanes)
		tui_putf(t->lo.lane_y + (rows - 1) * t->lo.lane_step, 0, t->lo.name_w, tui_dim(t), "+%zu more",
		         t->nlanes - (size_t)(t->lane_top + rows));
	tui_timeline_legend(t, &used);
	tui_draw_why(t);
}
