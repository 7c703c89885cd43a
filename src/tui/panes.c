/*
 * panes.c: the panes under the timeline: what the tasks printed (output),
 * statistics, a demo's live panel and the lesson with its Python.
 */
#include "tui_int.h"

#define TUI_PY_MAX_LINES 512 /* of a lesson's Python shown */
#define PROC_STAT_FIELDS 8   /* user nice system idle iowait irq softirq steal */

static const char *const pane_names[PANE_COUNT] = {"timeline", "output", "stats", "lesson"};

/* ---- per-core utilisation ---- */

void tui_cores_read(struct tui *t)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	uint64_t now = clock_now_ns();
	int n = 0;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) && n < TUI_MAX_CORES) {
		unsigned long long v[PROC_STAT_FIELDS] = {0};
		int cpu;
		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2],
		           &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
			continue;
		unsigned long long total = 0;
		for (int i = 0; i < PROC_STAT_FIELDS; i++)
			total += v[i];
		unsigned long long busy = total - v[3] - v[4]; /* all but idle and iowait */
		if (t->cores_read_ns != 0 && total > t->core_total0[n])
			t->core_busy[n] = (double)(busy - t->core_busy0[n]) / (double)(total - t->core_total0[n]);
		t->core_busy0[n] = busy;
		t->core_total0[n] = total;
		n++;
	}
	fclose(f);
	t->ncores = n;
	t->cores_read_ns = now;
}


static void tui_pane_title(struct tui *t, enum pane p, int y, int x, int w, const char *extra)
{
	attr_t a = t->pane == p ? A_REVERSE | A_BOLD : A_BOLD | A_UNDERLINE;
	tui_fill(y, x, w, t->pane == p ? A_REVERSE : A_NORMAL);
	tui_putf(y, x, w, a, " %s%s", pane_names[p], extra ? extra : "");
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

void tui_draw_output(struct tui *t, int y0, int x0, int h, int w)
{
	size_t n = model_mark_count(t->model);
	tui_pane_title(t, PANE_OUTPUT, y0, x0, w, " (what the tasks printed, in order)");
	int rows = h - 1;
	/* Follow the newest line unless the pane was scrolled back. */
	int top = (int)n - rows - t->scroll[PANE_OUTPUT];
	if (top < 0) {
		top = 0;
		t->scroll[PANE_OUTPUT] = (int)n > rows ? (int)n - rows : 0;
	}
	for (int r = 0; r < rows && (size_t)(top + r) < n; r++) {
		struct model_mark mk;
		if (model_mark_get(t->model, (size_t)(top + r), &mk) != 0)
			break;
		const char *who = mk.task >= 0 ? model_task(t->model, (size_t)mk.task)->name : "*";
		attr_t a = t->color && mk.task >= 0 ? COLOR_PAIR(PAIR_TASK(mk.task)) : A_NORMAL;
		if (mk.task >= 0 && mk.task == tui_selected_task(t))
			a |= A_BOLD;
		int x = tui_put(y0 + 1 + r, x0, w, who, a | A_DIM);
		x += tui_put(y0 + 1 + r, x0 + x, w - x, ": ", A_DIM);
		tui_put(y0 + 1 + r, x0 + x, w - x, mk.text, a);
	}
}


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
		if (run->results[i].is_text)
			tui_line(stats_lines, n, STATS_MAXL, "  %s = %s", run->results[i].key, run->results[i].text);
		else
			tui_line(stats_lines, n, STATS_MAXL, "  %s = %.4g", run->results[i].key, run->results[i].num);
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

/* Task i's time in each state and share of its life: one line per state
 * for the selected task, else all on one line. */
static void stats_task(struct tui *t, int *n, size_t i, int selected)
{
	const struct model_task *mt = model_task(t->model, i);
	uint64_t tot[STATE_COUNT], life = 0;
	char a[64], row[256];
	model_task_totals(t->model, i, tot);
	for (int s = 0; s < STATE_COUNT; s++)
		life += tot[s];
	int l = selected ? snprintf(row, sizeof(row), "> %s (%s %d/%d)", mt->name, kind_name(mt->kind),
	                            mt->pid, mt->tid)
	                 : snprintf(row, sizeof(row), "%s", mt->name);
	for (int s = 0; s < STATE_COUNT && l < (int)sizeof(row) - 32; s++) {
		if (tot[s] == 0)
			continue;
		double share = life ? 100.0 * (double)tot[s] / (double)life : 0.0;
		if (selected) {
			view_format_duration(tot[s], t->ascii, a, sizeof(a));
			tui_line(stats_lines, n, STATS_MAXL, "%s", row);
			l = snprintf(row, sizeof(row), "   %-9s %10s %5.1f%%", state_name((enum state)s), a, share);
		} else {
			l += snprintf(row + l, sizeof(row) - (size_t)l, " %s %.0f%%", state_label((enum state)s),
			              share);
		}
	}
	tui_line(stats_lines, n, STATS_MAXL, "%s", row);
}

void tui_draw_stats(struct tui *t, int y0, int x0, int h, int w)
{
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
	int total = n + (int)(nt + 1 - k);
	tui_pane_title(t, PANE_STATS, y0, x0, w, NULL);
	int top = tui_clamp_scroll(&t->scroll[PANE_STATS], total, rows);
	for (int r = 0; r < rows && top + r < n; r++)
		tui_put(y0 + 1 + r, x0, w, stats_lines[top + r], stats_lines[top + r][0] == '>' ? A_BOLD : A_NORMAL);
}

/* A demo's live panel (the chess board grid), as copied by tui_draw_run. */
void tui_draw_panel(char panel[][RUN_PANEL_WIDTH], int n, const char *title, int y0, int x0,
                           int h, int w)
{
	tui_fill(y0, x0, w, A_NORMAL);
	tui_putf(y0, x0, w, A_BOLD | A_UNDERLINE, " %s", title[0] ? title : "panel");
	for (int r = 0; r < h - 1 && r < n; r++)
		tui_put(y0 + 1 + r, x0, w, panel[r], A_NORMAL);
}

void tui_draw_lesson(struct tui *t, int y0, int x0, int h, int w)
{
	enum { MAXL = 300 };
	static char lines[MAXL][TUI_LINE_MAX];
	struct wrap_out o = {lines, 0, MAXL};
	const char *text = lesson_text(t->run->full_name);
	const char *py = lesson_python(t->run->full_name);
	int selt = tui_selected_task(t);
	int hl = selt >= 0 ? model_task(t->model, (size_t)selt)->line : 0;
	tui_pane_title(t, PANE_LESSON, y0, x0, w, hl ? " (line of the selected task lit)" : NULL);
	int text_h = py ? (h - 1) / 2 : h - 1;
	char *flowed = tui_reflow(text ? text : "(no lesson for this demo)");
	tui_wrap(flowed, w, &o);
	free(flowed);
	int top = tui_clamp_scroll(&t->scroll[PANE_LESSON], o.n, text_h);
	for (int r = 0; r < text_h && top + r < o.n; r++)
		tui_put(y0 + 1 + r, x0, w, lines[top + r], lines[top + r][0] == '#' ? A_BOLD : A_NORMAL);
	if (py == NULL)
		return;
	/* the Python, scrolled so the lit line is in view */
	int py0 = y0 + 1 + text_h, py_h = h - 1 - text_h;
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
	tui_fill(py0, x0, w, A_NORMAL);
	tui_put(py0, x0, w, "python:", A_DIM | A_UNDERLINE);
	int first = hl > py_h - 1 ? hl - (py_h - 1) / 2 - 1 : 0;
	for (int r = 0; r < py_h - 1 && first + r < nl; r++) {
		const char *s = starts[first + r];
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		char disp[256], row[300];
		lesson_display_line(s, len, disp, sizeof(disp));
		snprintf(row, sizeof(row), "%3d %s", first + r + 1, disp);
		attr_t a = first + r + 1 == hl ? A_REVERSE | A_BOLD : A_NORMAL;
		if (a != A_NORMAL)
			tui_fill(py0 + 1 + r, x0, w, a);
		tui_put(py0 + 1 + r, x0, w, row, a);
	}
}
