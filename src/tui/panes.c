/*
 * panes.c: the panes under the timeline: what the tasks printed (output),
 * statistics, a demo's live panel and the lesson with its Python. Text
 * wraps to the pane's width; a demo's table does not, and scrolls sideways
 * instead when the pane is narrower.
 */
#include "tui_int.h"

#include <math.h>

#include "procstat.h"

#define TUI_PY_MAX_LINES 512 /* of a lesson's Python shown */
#define TUI_WRAP_INDENT 2    /* continuation lines of a wrapped line */
#define TUI_LINE_BACK_MAX 64 /* spans looked back for the line a task was on */

static const char *const pane_names[PANE_COUNT] = {"timeline", "output", "stats", "lesson"};

/* ---- per-core utilisation ---- */

/* Each core's busy share since the last reading, from the shared reader of
 * /proc/stat; every reading after the first is kept for the per-core view. */
void tui_cores_read(struct tui *t)
{
	struct procstat ps;
	uint64_t now = clock_now_ns();
	if (procstat_read(&ps) != 0)
		return;
	int n = ps.ncores < TUI_MAX_CORES ? ps.ncores : TUI_MAX_CORES;
	for (int c = 0; c < n; c++) {
		if (t->cores_read_ns != 0 && ps.core_total[c] > t->core_total0[c])
			t->core_busy[c] = (double)(ps.core_busy[c] - t->core_busy0[c]) /
			                  (double)(ps.core_total[c] - t->core_total0[c]);
		t->core_busy0[c] = ps.core_busy[c];
		t->core_total0[c] = ps.core_total[c];
	}
	t->ncores = n;
	tui_machine_push(t, now);
	t->cores_read_ns = now;
}

/* A pane's title row: its name, a note, and on a narrow screen which key
 * shows the pane it shares its place with. */
static void tui_pane_title(struct tui *t, enum pane p, int y, int x, int w, const char *extra)
{
	attr_t a = t->pane == p ? A_REVERSE | A_BOLD : A_BOLD | A_UNDERLINE;
	tui_fill(y, x, w, t->pane == p ? A_REVERSE : A_NORMAL);
	int used = tui_putf(y, x, w, a, " %s", pane_names[p]);
	if (t->lo.sep[0] < 0 && (p == PANE_OUTPUT || p == PANE_STATS))
		used += tui_putf(y, x + used, w - used, a, " [Tab: %s]", p == PANE_OUTPUT ? "stats" : "lesson");
	if (extra != NULL)
		tui_put(y, x + used, w - used, extra, t->pane == p ? A_REVERSE : A_NORMAL);
}

/* Clamp a pane's scroll so that its last line can still reach the bottom. */
int tui_clamp_scroll(int *scroll, int total, int h)
{
	if (*scroll > total - h)
		*scroll = total - h;
	if (*scroll < 0)
		*scroll = 0;
	return *scroll;
}

/* ---- output ---- */

/* Mark k wrapped to w columns, continuation lines indented; returns the
 * number of lines (at most max) and the length of its "who: " prefix. */
static int output_wrap(struct tui *t, size_t k, int w, char (*lines)[TUI_LINE_MAX], int max, int *who_len,
                       int *task)
{
	struct model_mark mk;
	char who[128], text[TUI_LINE_MAX * 2];
	if (model_mark_get(t->model, k, &mk) != 0)
		return 0;
	*task = mk.task;
	if (mk.task >= 0)
		tui_task_label(t, (size_t)mk.task, who, sizeof(who));
	else
		snprintf(who, sizeof(who), "*");
	const char *body = mk.task >= 0 ? view_mark_text(model_task(t->model, (size_t)mk.task)->name, mk.text)
	                                : mk.text;
	*who_len = snprintf(text, sizeof(text), "%s: ", who);
	snprintf(text + *who_len, sizeof(text) - (size_t)*who_len, "%s", body);
	struct wrap_out o = {lines, 0, max};
	tui_wrap_indent(text, w, TUI_WRAP_INDENT, &o);
	return o.n;
}

/* Lay out the wrapped marks bottom up: the pane's rows, when the newest
 * `scroll` lines are below it. Returns the lines there were, up to rows +
 * scroll; sets *first, the first row with a line. */
static int output_layout(struct tui *t, int rows, int scroll, int w, int *first)
{
	enum { MAXW = 8 };
	char wrapped[MAXW][TUI_LINE_MAX];
	int want = rows + scroll, got = 0;
	size_t k = model_mark_count(t->model);
	while (k > 0 && got < want) {
		int wl, task;
		int nl = output_wrap(t, --k, w, wrapped, MAXW, &wl, &task);
		for (int i = nl - 1; i >= 0 && got < want; i--, got++) {
			int slot = want - 1 - got;
			if (slot < rows) {
				memcpy(t->out.lines[slot], wrapped[i], TUI_LINE_MAX);
				t->out.who_len[slot] = i == 0 ? wl : 0;
				t->out.task[slot] = task;
			}
		}
	}
	*first = got < want ? want - got : 0;
	return got;
}

/* What the tasks printed, wrapped, in order; the newest at the bottom
 * unless the pane was scrolled back (scroll counts lines back from it). */
void tui_draw_output(struct tui *t, int y0, int x0, int h, int w)
{
	tui_pane_title(t, PANE_OUTPUT, y0, x0, w, " what the tasks printed, in order");
	int rows = h - 1 < TUI_OUTPUT_MAX_ROWS ? h - 1 : TUI_OUTPUT_MAX_ROWS, first;
	int got = output_layout(t, rows, t->scroll[PANE_OUTPUT], w, &first);
	if (got < rows + t->scroll[PANE_OUTPUT] && t->scroll[PANE_OUTPUT] > 0) {
		/* scrolled back past the first line: stop there */
		t->scroll[PANE_OUTPUT] = got > rows ? got - rows : 0;
		output_layout(t, rows, t->scroll[PANE_OUTPUT], w, &first);
	}
	int selt = tui_selected_task(t);
	for (int r = 0; r + first < rows; r++) {
		int slot = r + first, tk = t->out.task[slot];
		attr_t a = t->color && tk >= 0 ? COLOR_PAIR(PAIR_TASK(tk)) : A_NORMAL;
		if (tk >= 0 && tk == selt)
			a |= A_BOLD;
		const char *line = t->out.lines[slot];
		int wl = t->out.who_len[slot] < (int)strlen(line) ? t->out.who_len[slot] : (int)strlen(line);
		char who[TUI_LINE_MAX];
		memcpy(who, line, (size_t)wl);
		who[wl] = '\0';
		int x = tui_put(y0 + 1 + r, x0, w, who, a | tui_dim(t));
		tui_put(y0 + 1 + r, x0 + x, w - x, line + wl, a);
	}
}

/* ---- stats ---- */

enum { STATS_MAXL = 400 };
static char stats_lines[STATS_MAXL][TUI_LINE_MAX];

/* One line of per-core busy shares, "LABEL 0:97% 1:12%". */
static void stats_cores(int *n, const char *label, const double *busy, int ncores)
{
	char cores[256];
	int l = 0;
	cores[0] = '\0';
	for (int c = 0; c < ncores && l < (int)sizeof(cores) - 16; c++)
		l += snprintf(cores + l, sizeof(cores) - (size_t)l, " %d:%.0f%%", c, 100 * busy[c]);
	tui_line(stats_lines, n, STATS_MAXL, "%s%s", label, cores);
}

/* Wall and CPU time, the cores, the demo's results, its milestones. */
static void stats_run(struct tui *t, int *n)
{
	char a[64], b[64];
	struct run *run = t->run;
	uint64_t end = tui_run_end(t);
	uint64_t wall = end > t->vp.origin ? end - t->vp.origin : 0;
	if (!t->live && run->end_ns > run->start_ns)
		wall = run->end_ns - run->start_ns;
	uint64_t cpu = t->live ? clock_process_cpu_ns() - run->cpu0_ns : run->cpu_ns;
	view_format_duration(wall, t->ascii, a, sizeof(a));
	view_format_duration(cpu, t->ascii, b, sizeof(b));
	tui_line(stats_lines, n, STATS_MAXL, "wall %s", a);
	tui_line(stats_lines, n, STATS_MAXL, "cpu  %s (%.0f%% of a core)", b,
	         wall ? 100.0 * (double)cpu / (double)wall : 0.0);
	if (t->live)
		stats_cores(n, "cores now", t->core_busy, t->ncores);
	else if (run->sampler_stats.ncores > 0)
		stats_cores(n, "cores (run)", run->sampler_stats.core_busy, run->sampler_stats.ncores);
	pthread_mutex_lock(&run->mu);
	if (run->nresults > 0)
		tui_line(stats_lines, n, STATS_MAXL, "results:");
	for (int i = 0; i < run->nresults; i++) {
		view_format_number(run->results[i].num, a, sizeof(a));
		tui_line(stats_lines, n, STATS_MAXL, "  %s = %s", run->results[i].key,
		         run->results[i].is_text ? run->results[i].text : a);
	}
	pthread_mutex_unlock(&run->mu);
	if (!t->live && run->status != 0)
		tui_line(stats_lines, n, STATS_MAXL, "failed: %s", run->error);
	for (size_t k = 0; k < model_milestone_count(t->model) && *n < STATS_MAXL; k++) {
		struct model_mark mk;
		if (model_milestone_get(t->model, k, &mk) != 0)
			break;
		view_format_time(&t->vp, mk.t_ns, t->ascii, a, sizeof(a));
		tui_line(stats_lines, n, STATS_MAXL, "%s %s: %s", t->ascii ? "v" : "\u25bc", a, mk.text);
	}
}

unsigned tui_share_percent(uint64_t part, uint64_t whole)
{
	if (whole == 0)
		return 0;
	if (part > UINT64_MAX / 100) /* years of time: no room for the exact way */
		return (unsigned)nearbyint(100.0 * (double)part / (double)whole);
	uint64_t q = part * 100 / whole, r = part * 100 % whole;
	if (r > whole - r || (r == whole - r && (q & 1)))
		q++;
	return (unsigned)q;
}

/* Append " LABEL N%" at row[*l]: the stats of every task line on screen,
 * each frame, without printf's number formatting. */
static void stats_append_share(char *row, int *l, const char *label, unsigned pct)
{
	char digits[12];
	int k = 0, n = (int)strlen(label);
	do
		digits[k++] = (char)('0' + pct % 10);
	while ((pct /= 10) > 0);
	row[(*l)++] = ' ';
	memcpy(row + *l, label, (size_t)n);
	*l += n;
	row[(*l)++] = ' ';
	while (k > 0)
		row[(*l)++] = digits[--k];
	row[(*l)++] = '%';
	row[*l] = '\0';
}

/* Task i's time in each state and share of its life: one line per state
 * for the selected task, else all on one line. */
static void stats_task(struct tui *t, int *n, size_t i, int selected)
{
	const struct model_task *mt = model_task(t->model, i);
	uint64_t tot[STATE_COUNT], life = 0;
	char a[64], row[256], name[128];
	model_task_totals(t->model, i, tot);
	for (int s = 0; s < STATE_COUNT; s++)
		life += tot[s];
	tui_task_label(t, i, name, sizeof(name));
	int l = selected ? snprintf(row, sizeof(row), "> %s (%s %d/%d)", name, kind_name(mt->kind), mt->pid,
	                            mt->tid)
	                 : snprintf(row, sizeof(row), "%s", name);
	for (int s = 0; s < STATE_COUNT && l < (int)sizeof(row) - 32; s++) {
		if (tot[s] == 0)
			continue;
		if (selected) {
			double share = life ? 100.0 * (double)tot[s] / (double)life : 0.0;
			view_format_duration(tot[s], t->ascii, a, sizeof(a));
			tui_line(stats_lines, n, STATS_MAXL, "%s", row);
			l = snprintf(row, sizeof(row), "   %-9s %10s %5.1f%%", state_name((enum state)s), a, share);
		} else {
			stats_append_share(row, &l, state_label((enum state)s), tui_share_percent(tot[s], life));
		}
	}
	tui_line(stats_lines, n, STATS_MAXL, "%s", row);
}

void tui_draw_stats(struct tui *t, int y0, int x0, int h, int w)
{
	enum { MAXW = 6 };
	int n = 0;
	stats_run(t, &n);
	/* per task, selected first; only the lines that can be seen are
	 * formatted (there may be thousands of tasks), the rest are counted. */
	int selt = tui_selected_task(t);
	size_t nt = model_task_count(t->model);
	int rows = h - 1;
	int limit = t->scroll[PANE_STATS] + rows < STATS_MAXL ? t->scroll[PANE_STATS] + rows : STATS_MAXL;
	size_t k;
	for (k = 0; k <= nt && n < limit; k++) {
		size_t i = k == 0 ? (size_t)selt : k - 1;
		if ((k == 0 && selt < 0) || (k > 0 && (int)i == selt))
			continue;
		stats_task(t, &n, i, k == 0);
	}
	/* lines wrap: count the rows they take, then draw those in view */
	static int first_row[STATS_MAXL + 1];
	char wrapped[MAXW][TUI_LINE_MAX];
	for (int i = 0; i < n; i++) {
		struct wrap_out o = {wrapped, 0, MAXW};
		tui_wrap_indent(stats_lines[i], w, TUI_WRAP_INDENT + 1, &o);
		first_row[i + 1] = first_row[i] + (o.n > 0 ? o.n : 1);
	}
	int total = first_row[n] + (int)(nt + 1 - k);
	tui_pane_title(t, PANE_STATS, y0, x0, w, NULL);
	int top = tui_clamp_scroll(&t->scroll[PANE_STATS], total, rows);
	for (int i = 0; i < n; i++) {
		if (first_row[i + 1] <= top || first_row[i] >= top + rows)
			continue;
		struct wrap_out o = {wrapped, 0, MAXW};
		tui_wrap_indent(stats_lines[i], w, TUI_WRAP_INDENT + 1, &o);
		for (int j = 0; j < o.n; j++) {
			int r = first_row[i] + j - top;
			if (r >= 0 && r < rows)
				tui_put(y0 + 1 + r, x0, w, wrapped[j], stats_lines[i][0] == '>' ? A_BOLD : A_NORMAL);
		}
	}
}

/* A demo's live panel (race mode's table, the chess boards), as copied by
 * tui_draw_run: not wrapped; when the focused stats pane is narrower than
 * the table, Left and Right scroll it sideways (t->hscroll). */
void tui_draw_panel(struct tui *t, char panel[][RUN_PANEL_WIDTH], int n, const char *title,
                    const struct tui_rect *r)
{
	int widest = 0;
	for (int i = 0; i < n; i++)
		if (tui_text_width(panel[i]) > widest)
			widest = tui_text_width(panel[i]);
	tui_clamp_scroll(&t->hscroll, widest, r->w);
	tui_fill(r->y, r->x, r->w, A_NORMAL);
	int x = tui_putf(r->y, r->x, r->w, A_BOLD | A_UNDERLINE, " %s", title[0] ? title : "panel");
	if (widest > r->w)
		tui_putf(r->y, r->x + x, r->w - x, tui_dim(t), "  (Tab to stats, %s scroll)",
		         t->ascii ? "h/l" : "\u2190\u2192");
	for (int i = 0; i < r->h - 1 && i < n; i++) {
		const char *s = panel[i];
		for (int skip = 0; skip < t->hscroll && *s; skip++) /* the panels are ASCII but for a few glyphs */
			do
				s++;
			while ((*s & 0xc0) == 0x80);
		tui_put(r->y + 1 + i, r->x, r->w, s, A_NORMAL);
	}
}

/* ---- lesson ---- */

/* The line of the demo's Python that task was on at instant t: that of the
 * span holding t, or of the latest one before it that had a line (a GIL
 * wait keeps the line it waits at). 0 when none. */
int tui_task_line_at(const struct tui *t, size_t task, uint64_t at)
{
	size_t ns = model_span_count(t->model, task);
	size_t k = model_span_find(t->model, task, at);
	struct model_span sp;
	if (k >= ns) { /* before its start (no line), or after its end (its last) */
		if (ns == 0 || model_span_get(t->model, task, 0, &sp) != 0 || at < sp.start_ns)
			return 0;
		k = ns - 1;
	}
	for (size_t back = 0; back < TUI_LINE_BACK_MAX; back++, k--) {
		if (model_span_get(t->model, task, k, &sp) == 0 && sp.line > 0)
			return sp.line;
		if (k == 0)
			break;
	}
	return 0;
}

/* The lesson's Python, scrolled so that line hl (1-based, 0: none) is in view and lit. */
static void lesson_python_draw(struct tui *t, const char *py, int hl, int y0, int x0, int h, int w)
{
	int nl = 0;
	const char *p = py;
	const char *starts[TUI_PY_MAX_LINES];
	while (*p && nl < TUI_PY_MAX_LINES) {
		starts[nl++] = p;
		const char *e = strchr(p, '\n');
		if (e == NULL)
			break;
		p = e + 1;
	}
	tui_fill(y0, x0, w, A_NORMAL);
	tui_put(y0, x0, w, "python:", tui_dim(t) | A_UNDERLINE);
	int first = hl > h - 1 ? hl - (h - 1) / 2 - 1 : 0;
	for (int r = 0; r < h - 1 && first + r < nl; r++) {
		const char *s = starts[first + r];
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char disp[256], row[300];
		lesson_display_line(s, len, disp, sizeof(disp));
		snprintf(row, sizeof(row), "%3d %s", first + r + 1, disp);
		attr_t a = first + r + 1 == hl ? A_REVERSE | A_BOLD : A_NORMAL;
		if (a != A_NORMAL)
			tui_fill(y0 + 1 + r, x0, w, a);
		tui_put(y0 + 1 + r, x0, w, row, a);
	}
}

void tui_draw_lesson(struct tui *t, int y0, int x0, int h, int w)
{
	enum { MAXL = 300 };
	static char lines[MAXL][TUI_LINE_MAX];
	static struct wrap_out o = {lines, 0, MAXL};
	static const char *wrapped_text; /* the lesson o holds, wrapped to wrapped_w */
	static int wrapped_w;
	const char *text = lesson_text(t->run->full_name);
	const char *py = lesson_python(t->run->full_name);
	int selt = tui_selected_task(t);
	int hl = selt >= 0 ? tui_task_line_at(t, (size_t)selt, t->tcur) : 0;
	char note[160] = "", name[128];
	if (hl > 0) {
		tui_task_label(t, (size_t)selt, name, sizeof(name));
		snprintf(note, sizeof(note), " line %d: %s at the cursor", hl, name);
	}
	tui_pane_title(t, PANE_LESSON, y0, x0, w, note);
	int text_h = py ? (h - 1) / 2 : h - 1;
	if (text == NULL || text != wrapped_text || w != wrapped_w) { /* the same lesson each frame */
		char *flowed = tui_reflow(text ? text : "(no lesson for this demo)");
		o.n = 0;
		tui_wrap(flowed, w, &o);
		free(flowed);
		wrapped_text = text;
		wrapped_w = w;
	}
	int top = tui_clamp_scroll(&t->scroll[PANE_LESSON], o.n, text_h);
	for (int r = 0; r < text_h && top + r < o.n; r++)
		tui_put(y0 + 1 + r, x0, w, lines[top + r], lines[top + r][0] == '#' ? A_BOLD : A_NORMAL);
	if (py != NULL)
		lesson_python_draw(t, py, hl, y0 + 1 + text_h, x0, h - 1 - text_h, w);
}
