/*
 * instants.c: what happened at an instant on a lane, drawn over its cells
 * at any zoom: the lines a task printed (a dot), several in one column
 * coalesced into their count. They come from the model's marks, found for
 * the view's time range once per frame and counted per visible lane and
 * column; their cost follows the marks in view, up to a bound.
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
		t->inst.count = malloc(need);
		t->inst.cap = t->inst.count ? need : 0;
	}
	if (nt + ng > t->inst.rowcap) {
		free(t->inst.row_of);
		t->inst.row_of = malloc((nt + ng) * sizeof(*t->inst.row_of));
		t->inst.rowcap = t->inst.row_of ? nt + ng : 0;
	}
	if (t->inst.count == NULL || t->inst.row_of == NULL)
		return -1;
	memset(t->inst.count, 0, need);
	for (size_t i = 0; i < nt + ng; i++)
		t->inst.row_of[i] = -1;
	return 0;
}

/* Count the marks of the lanes top..top+rows-1 in each column of the view. */
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
		if (mk.task < 0 || (size_t)mk.task >= nt)
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
}

/* Marks in column col of the lane on visible row `row`. */
int tui_instants_at(const struct tui *t, int row, int col)
{
	if (row < 0 || row >= t->inst.rows || col < 0 || col >= t->inst.ncols)
		return 0;
	return t->inst.count[(size_t)row * (size_t)t->inst.ncols + (size_t)col];
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
