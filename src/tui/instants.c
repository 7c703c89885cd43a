/*
 * instants.c: what happened at an instant on a lane, drawn over its cells
 * at any zoom: the lines a task printed (a dot), several in one column
 * coalesced into their count; a task woken by another (a chevron) where
 * the wait it ended filled a column at least (view_wake_shown); a
 * cancelled task's end (a cross, after its last cell). They come from the
 * model's marks, wakes and tasks, found for the view's time range once per
 * frame and kept per visible lane and column; their cost follows the
 * instants in view, up to a bound. Wakes and ends are a task lane's only:
 * a group lane is opened (Enter) to see them.
 */
#include "tui_int.h"

/* Marks looked at in one frame at most: a view over a run that printed
 * millions of lines counts the first of them and says so in the legend. */
#define TUI_MARKS_WALK_MAX 200000
#define TUI_MARK_COUNT_MAX 255

/* First mark at or after t (marks are in time order). */
static size_t marks_first_at(const struct model *m, uint64_t t)
{
	size_t lo = 0, hi = model_mark_count(m);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct model_mark mk;
		if (model_mark_get(m, mid, &mk) != 0 || mk.t_ns >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int instants_alloc(struct tui *t, int rows, int ncols)
{
	size_t need = (size_t)rows * (size_t)ncols;
	size_t nt = model_task_count(t->model), ng = model_group_count(t->model);
	if (need > t->inst.cap) {
		free(t->inst.count);
		free(t->inst.flags);
		t->inst.count = malloc(need);
		t->inst.flags = malloc(need);
		t->inst.cap = t->inst.count && t->inst.flags ? need : 0;
	}
	if (nt + ng > t->inst.rowcap) {
		free(t->inst.row_of);
		t->inst.row_of = malloc((nt + ng) * sizeof(*t->inst.row_of));
		t->inst.rowcap = t->inst.row_of ? nt + ng : 0;
	}
	if (t->inst.cap == 0 || t->inst.row_of == NULL)
		return -1;
	memset(t->inst.count, 0, need);
	memset(t->inst.flags, 0, need);
	for (size_t i = 0; i < nt + ng; i++)
		t->inst.row_of[i] = -1;
	return 0;
}

/* Flag the wakes in [vp.t0, t1) that show on the task lanes on screen, and
 * the ends of those lanes' tasks. */
static void instants_wakes_ends(struct tui *t, uint64_t t1)
{
	const struct model *m = t->model;
	int ncols = t->inst.ncols;
	size_t walked = 0;
	for (size_t k = model_wake_first_at(m, t->vp.t0); k < model_wake_count(m); k++, walked++) {
		struct model_wake w;
		if (walked == TUI_MARKS_WALK_MAX) {
			t->inst.cut = 1;
			break;
		}
		if (model_wake_get(m, k, &w) != 0 || w.t_ns >= t1)
			break;
		if (w.t_ns < t->vp.t0) /* a late event's, applied out of order */
			continue;
		int r = (size_t)w.task < model_task_count(m) ? t->inst.row_of[w.task] : -1;
		if (r >= 0 && view_wake_shown(&w, t->vp.dt))
			t->inst.flags[(size_t)r * (size_t)ncols + (w.t_ns - t->vp.t0) / t->vp.dt] |= TUI_INST_WOKEN;
	}
	for (int r = 0; r < t->inst.rows && (size_t)(t->inst.top + r) < t->nlanes; r++) {
		const struct lane *l = &t->lanes[t->inst.top + r];
		const struct model_task *mt = l->is_group ? NULL : model_task(m, l->index);
		long c = mt != NULL && mt->end_ns < t1 ? view_end_col(&t->vp, mt) : -1;
		if (c >= 0)
			t->inst.flags[(size_t)r * (size_t)ncols + (size_t)c] |= TUI_INST_ENDED;
	}
}

/* Count the marks of the lanes top..top+rows-1 in each column of the view,
 * and flag their wakes and ends. */
void tui_instants_collect(struct tui *t, int top, int rows)
{
	int ncols = t->lo.ncols;
	size_t nt = model_task_count(t->model);
	t->inst.rows = 0;
	t->inst.cut = 0;
	if (rows <= 0 || instants_alloc(t, rows, ncols) != 0)
		return;
	t->inst.rows = rows;
	t->inst.ncols = ncols;
	t->inst.top = top;
	for (int r = 0; r < rows && (size_t)(top + r) < t->nlanes; r++) {
		const struct lane *l = &t->lanes[top + r];
		t->inst.row_of[l->is_group ? nt + l->index : l->index] = r;
	}
	uint64_t t1 = t->vp.t0 + (uint64_t)ncols * t->vp.dt;
	if (t->replay && t->head < t1)
		t1 = t->head;
	size_t n = model_mark_count(t->model);
	size_t k = marks_first_at(t->model, t->vp.t0), walked = 0;
	for (; k < n; k++, walked++) {
		struct model_mark mk;
		if (walked == TUI_MARKS_WALK_MAX) {
			t->inst.cut = 1;
			break;
		}
		if (model_mark_get(t->model, k, &mk) != 0 || mk.t_ns >= t1)
			break;
		if (mk.task < 0 || (size_t)mk.task >= nt || mk.t_ns < t->vp.t0)
			continue;
		int r = t->inst.row_of[mk.task];
		int g = model_task(t->model, (size_t)mk.task)->group_index;
		if (r < 0 && g >= 0)
			r = t->inst.row_of[nt + (size_t)g];
		if (r < 0)
			continue;
		unsigned char *c = &t->inst.count[(size_t)r * (size_t)ncols + (mk.t_ns - t->vp.t0) / t->vp.dt];
		if (*c < TUI_MARK_COUNT_MAX)
			(*c)++;
	}
	instants_wakes_ends(t, t1);
}

/* Marks in column col of the lane on visible row `row`. */
int tui_instants_at(const struct tui *t, int row, int col)
{
	if (row < 0 || row >= t->inst.rows || col < 0 || col >= t->inst.ncols)
		return 0;
	return t->inst.count[(size_t)row * (size_t)t->inst.ncols + (size_t)col];
}

/* Wakes and ends (TUI_INST_*) in column col of the lane on visible row `row`. */
int tui_instants_flags(const struct tui *t, int row, int col)
{
	if (row < 0 || row >= t->inst.rows || col < 0 || col >= t->inst.ncols)
		return 0;
	return t->inst.flags[(size_t)row * (size_t)t->inst.ncols + (size_t)col];
}

/* One mark: a dot, or the count of those that share the column (2..9, then +). */
void tui_instant_draw(const struct tui *t, int y, int x, int count, int highlight)
{
	char buf[2] = {0, 0};
	const char *g = buf;
	if (count == 1)
		g = t->ascii ? "*" : "\u2022";
	else
		buf[0] = count > 9 ? '+' : (char)('0' + count);
	tui_put(y, x, 1, g, A_BOLD | (highlight ? A_REVERSE : A_NORMAL));
}
