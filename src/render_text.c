/*
 * render_text.c: the whole run as plain text, for --plain and for pipes.
 *
 * One lane per task: its name, then one glyph per column for the state that
 * filled most of that column, with the instants over it: a print, a wake
 * that ended a wait of at least a column (view_wake_shown), and the mark
 * after a cancelled task's end. A legend of the states in use follows
 * (glyphs differ, so no colour is needed), then what the tasks printed in
 * the order they printed it, the time each task spent in each state, and
 * the demo's results.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "quote.h"
#include "render.h"
#include "state.h"
#include "view.h"
#include "xalloc.h"

#define NAME_MAX_COLS 18
/* Past this many tasks, the tasks of a group share one lane (as in the TUI). */
#define TEXT_MAX_LANES 60
/* Past this many printed lines, the output list is cut (the report has all). */
#define TEXT_MAX_MARKS 100
#define TEXT_NAME_MAX 48 /* a lane's name, as shown */

/* A lane of text output: one task, or all the tasks of one group. */
struct lane {
	int task;  /* -1 for a group lane */
	int group; /* the group, for a group lane */
	char name[TEXT_NAME_MAX];
};

struct lanes_fill {
	const struct model *m;
	struct lane *l;
	size_t n;
};

static void lane_add(void *arg, int is_group, size_t index)
{
	struct lanes_fill *lf = arg;
	struct lane *l = &lf->l[lf->n++];
	if (is_group) {
		l->task = -1;
		l->group = (int)index;
		snprintf(l->name, sizeof(l->name), "%s x%zu", model_group_name(lf->m, index),
		         model_group_size(lf->m, index));
	} else {
		const struct model_task *t = model_task(lf->m, index);
		l->task = (int)index;
		l->group = t->group_index;
		snprintf(l->name, sizeof(l->name), "%s", t->name);
	}
	quote_defang(l->name, l->name, sizeof(l->name)); /* a saved run's names too */
}

/* The lanes, grouped as in the TUI (view_lanes). */
static size_t lanes_make(const struct model *m, struct lane **out)
{
	size_t nt = model_task_count(m);
	struct lanes_fill lf = {.m = m, .l = xcalloc(nt ? nt : 1, sizeof(struct lane))};
	view_lanes(m, TEXT_MAX_LANES, -1, lane_add, &lf);
	*out = lf.l;
	return lf.n;
}

static int lane_has_task(const struct model *m, const struct lane *l, int task)
{
	if (l->task >= 0)
		return l->task == task;
	return task >= 0 && model_task(m, (size_t)task)->group_index == l->group;
}

/* The instants of one lane over its states, each over the one before: a
 * wake, a print, its task's end mark. */
enum { TEXT_WOKEN = 1, TEXT_PRINTED, TEXT_ENDED };

static void lane_instants(const struct model *m, const struct lane *ln, const struct viewport *v,
                          unsigned char *at)
{
	int ncols = v->ncols;
	memset(at, 0, (size_t)ncols);
	for (size_t k = model_wake_first_at(m, v->t0); ln->task >= 0 && k < model_wake_count(m); k++) {
		struct model_wake w; /* wakes on a task's own lane only */
		model_wake_get(m, k, &w);
		long c = view_col(v, w.t_ns);
		if (c >= ncols)
			break;
		if (c >= 0 && w.task == ln->task && view_wake_shown(&w, v->dt))
			at[c] = TEXT_WOKEN;
	}
	if (ln->task < 0 || model_task(m, (size_t)ln->task)->nmarks > 0)
		for (size_t k = 0; k < model_mark_count(m); k++) {
			struct model_mark mk;
			model_mark_get(m, k, &mk);
			long c = view_col(v, mk.t_ns);
			if (c >= 0 && c < ncols && lane_has_task(m, ln, mk.task))
				at[c] = TEXT_PRINTED;
		}
	long e = ln->task >= 0 ? view_end_col(v, model_task(m, (size_t)ln->task)) : -1;
	if (e >= 0)
		at[e] = TEXT_ENDED;
}

static int name_width(const struct lane *lanes, size_t n)
{
	int w = 8; /* room for the axis title "sim time" */
	for (size_t i = 0; i < n; i++) {
		int l = (int)strlen(lanes[i].name);
		if (l > w)
			w = l;
	}
	return w > NAME_MAX_COLS ? NAME_MAX_COLS : w;
}

void render_text_timeline(FILE *f, const struct model *m, uint64_t start, uint64_t end,
                          double sim_scale, const struct text_options *o)
{
	struct lane *lanes;
	size_t nl = lanes_make(m, &lanes);
	int nw = name_width(lanes, nl);
	int ncols = o->width - nw - 2;
	if (ncols < 10)
		ncols = 10;
	struct viewport v = {.origin = model_origin(m), .sim_scale = sim_scale};
	view_fit(&v, start, end, ncols);

	char *labels = xmalloc((size_t)ncols * 2 + 1);
	char *ruler = xmalloc((size_t)ncols * 2 + 1);
	struct model_cell *cells = xcalloc((size_t)ncols, sizeof(*cells));
	unsigned char *printed = xmalloc((size_t)ncols);
	int used[STATE_COUNT] = {0}, any[TEXT_ENDED + 1] = {0};
	view_axis(&v, o->ascii, labels, ruler);
	fprintf(f, "%*s  %s\n", nw, sim_scale > 0 ? "sim time" : "time", labels);
	fprintf(f, "%*s  %s\n", nw, "", ruler);
	for (size_t i = 0; i < nl; i++) {
		const struct lane *ln = &lanes[i];
		if (ln->task >= 0)
			model_task_columns(m, (size_t)ln->task, v.t0, v.dt, ncols, cells);
		else
			model_group_columns(m, (size_t)ln->group, v.t0, v.dt, ncols, cells);
		/* Where the task printed a line, the lane shows a dot over the
		 * state: brief work between long waits is otherwise invisible. */
		lane_instants(m, ln, &v, printed);
		fprintf(f, "%-*.*s  ", nw, nw, ln->name);
		for (int c = 0; c < ncols; c++) {
			/* A group's cell shows the state most of its tasks were in. */
			enum state s = ln->task >= 0 ? view_cell_state(&cells[c], v.dt)
			                             : view_cell_state(&cells[c], 0);
			used[s] = 1;
			any[printed[c]] = 1;
			if (printed[c] == TEXT_PRINTED)
				fputs(o->ascii ? "*" : "\u2022", f);
			else if (printed[c] == TEXT_WOKEN)
				fputs(o->ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH, f);
			else if (printed[c] == TEXT_ENDED)
				fputs(end_glyph(model_task(m, (size_t)ln->task)->end_how, o->ascii), f);
			else
				fputs(state_glyph(s, o->ascii), f);
		}
		fputc('\n', f);
	}
	fprintf(f, "\nlegend:");
	for (int s = 0; s < STATE_COUNT; s++)
		if (used[s] && s != STATE_DONE)
			fprintf(f, "  %s %s", state_glyph((enum state)s, o->ascii), state_name((enum state)s));
	if (any[TEXT_PRINTED])
		fprintf(f, "  %s printed a line", o->ascii ? "*" : "\u2022");
	if (any[TEXT_WOKEN])
		fprintf(f, "  %s woken by another task", o->ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH);
	if (any[TEXT_ENDED])
		fprintf(f, "  %s %s", end_glyph(TASK_END_CANCELLED, o->ascii), end_name(TASK_END_CANCELLED));
	fprintf(f, "  (blank: not alive)\n");
	free(lanes);
	free(printed);
	free(labels);
	free(ruler);
	free(cells);
}

static void print_params(FILE *f, struct run *run)
{
	char buf[64];
	fprintf(f, "params:");
	if (run->params.n == 0)
		fprintf(f, " (none)");
	for (size_t i = 0; i < run->params.n; i++) {
		params_format(&run->params, i, buf, sizeof(buf));
		fprintf(f, " %s=%s", run->params.spec[i].name, buf);
	}
	fputc('\n', f);
}

static uint64_t run_end_ns(struct run *run, const struct model *m)
{
	uint64_t end = run->end_ns ? run->end_ns : model_now(m);
	return end > model_origin(m) ? end : model_origin(m) + 1;
}

/* One line when other programs loaded the machine during the run (load.h). */
static void print_machine_busy(FILE *f, struct run *run)
{
	struct run_load l;
	run_machine_load(run, &l);
	if (!l.busy)
		return;
	double share = l.during >= 0 ? l.during : l.before;
	fprintf(f, "machine busy: other programs used %.1f of %d cores%s; figures may be off\n",
	        share * l.ncores, l.ncores, l.during >= 0 ? "" : " before the run");
}

/* The demo, its parameters, the run's wall and CPU time, and whether other
 * programs loaded the machine meanwhile. */
static void print_heading(FILE *f, struct run *run, const struct model *m, const struct text_options *o)
{
	char a[32], b[32];
	uint64_t origin = model_origin(m), end = run_end_ns(run, m);
	struct viewport v = {.origin = origin, .sim_scale = run->sim_scale};
	fprintf(f, "%s: %s\n", run->full_name, run->demo->summary);
	print_params(f, run);
	view_format_duration(end - origin, o->ascii, a, sizeof(a));
	view_format_duration(run->cpu_ns, o->ascii, b, sizeof(b));
	fprintf(f, "wall %s, cpu %s, %zu tasks, %d cores", a, b, model_task_count(m), run->counters.cores);
	if (run->sim_scale > 0) {
		view_format_time(&v, end, o->ascii, a, sizeof(a));
		fprintf(f, ", simulated %s (h:mm:ss)", a);
	}
	if (run->speed > 0 && run->speed < 1) { /* --speed: times are lesson time */
		view_format_duration(run->real_ns, o->ascii, a, sizeof(a));
		fprintf(f, ", speed %g: lesson time (real %s)", run->speed, a);
	}
	fputc('\n', f);
	print_machine_busy(f, run);
	fputc('\n', f);
}

/* What the tasks printed, in order (at most TEXT_MAX_MARKS lines). */
static void print_marks(FILE *f, struct run *run, const struct model *m, int nw, const struct text_options *o)
{
	char a[32];
	struct viewport v = {.origin = model_origin(m), .sim_scale = run->sim_scale};
	size_t nmarks = model_mark_count(m);
	if (nmarks == 0)
		return;
	fprintf(f, "\noutput, in the order it was printed:\n");
	for (size_t k = 0; k < nmarks && k < TEXT_MAX_MARKS; k++) {
		struct model_mark mk;
		model_mark_get(m, k, &mk);
		view_format_time(&v, mk.t_ns, o->ascii, a, sizeof(a));
		char name[TEXT_NAME_MAX], text[TRACE_TEXT_MAX + 1];
		quote_defang(model_task(m, (size_t)mk.task)->name, name, sizeof(name));
		quote_defang(mk.text, text, sizeof(text));
		fprintf(f, "  %10s  %-*.*s  %s\n", a, nw, nw, name, text);
	}
	if (nmarks > TEXT_MAX_MARKS)
		fprintf(f, "  ... %zu more lines (--report FILE has them all)\n", nmarks - TEXT_MAX_MARKS);
}

/* Time in each state of one lane: its task's, or summed over its group. */
static const char *lane_totals(const struct model *m, const struct lane *ln, uint64_t tot[STATE_COUNT])
{
	memset(tot, 0, sizeof(uint64_t) * STATE_COUNT);
	if (ln->task >= 0) {
		model_task_totals(m, (size_t)ln->task, tot);
		return kind_name(model_task(m, (size_t)ln->task)->kind);
	}
	for (size_t i = 0; i < model_task_count(m); i++) {
		uint64_t one[STATE_COUNT];
		if (model_task(m, i)->group_index != ln->group)
			continue;
		model_task_totals(m, i, one);
		for (int s = 0; s < STATE_COUNT; s++)
			tot[s] += one[s];
	}
	return "group";
}

/* Per lane, the time in each state (only the states some task was in). */
static void print_totals(FILE *f, const struct model *m, const struct lane *lanes, size_t nl, int nw,
                         const struct text_options *o)
{
	char a[32];
	int used[STATE_COUNT] = {0};
	size_t nt = model_task_count(m);
	for (size_t i = 0; i < nt; i++) {
		uint64_t tot[STATE_COUNT];
		model_task_totals(m, i, tot);
		for (int s = 0; s < STATE_COUNT; s++)
			if (tot[s] > 0)
				used[s] = 1;
	}
	fprintf(f, "\ntime in each state%s:\n  %-*s %-9s %10s",
	        nl < nt ? " (a group: summed over its tasks)" : "", nw, "task", "kind", "life");
	for (int s = 0; s < STATE_COUNT; s++)
		if (used[s] && s != STATE_DONE)
			fprintf(f, " %10s", state_name((enum state)s));
	fputc('\n', f);
	for (size_t li = 0; li < nl; li++) {
		uint64_t tot[STATE_COUNT], life = 0;
		const char *kind = lane_totals(m, &lanes[li], tot);
		for (int s = 0; s < STATE_COUNT; s++)
			life += tot[s];
		view_format_duration(life, o->ascii, a, sizeof(a));
		fprintf(f, "  %-*.*s %-9s %10s", nw, nw, lanes[li].name, kind, a);
		for (int s = 0; s < STATE_COUNT; s++) {
			if (!used[s] || s == STATE_DONE)
				continue;
			if (tot[s] == 0)
				fprintf(f, " %10s", "-");
			else {
				view_format_duration(tot[s], o->ascii, a, sizeof(a));
				fprintf(f, " %10s", a);
			}
		}
		fputc('\n', f);
	}
}

/* The demo's live panel as it was last, its results, and a warning when
 * events were lost. */
static void print_panel_results(FILE *f, struct run *run)
{
	char(*panel)[RUN_PANEL_WIDTH] = xcalloc(RUN_PANEL_LINES, sizeof(*panel));
	char title[RUN_PANEL_TITLE];
	int np = run_panel_copy(run, panel, RUN_PANEL_LINES, title, sizeof(title), NULL);
	if (np > 0) {
		fprintf(f, "\n%s:\n", title[0] ? quote_defang(title, title, sizeof(title)) : "panel");
		for (int i = 0; i < np; i++)
			fprintf(f, "  %s\n", quote_defang(panel[i], panel[i], sizeof(panel[i])));
	}
	free(panel);
	if (run->nresults > 0) {
		fprintf(f, "\nresults:\n");
		for (int i = 0; i < run->nresults; i++) {
			const struct run_result *r = &run->results[i];
			char key[sizeof(r->key)], text[sizeof(r->text)], num[64];
			quote_defang(r->key, key, sizeof(key));
			view_format_number(r->num, num, sizeof(num));
			fprintf(f, "  %-28s %s\n", key, r->is_text ? quote_defang(r->text, text, sizeof(text)) : num);
		}
	}
	if (run->counters.dropped > 0)
		fprintf(f, "\nwarning: %llu events could not be recorded (buffers full)\n",
		        (unsigned long long)run->counters.dropped);
}

void render_text(FILE *f, struct run *run, const struct model *m, const struct text_options *o)
{
	print_heading(f, run, m, o);
	render_text_timeline(f, m, model_origin(m), run_end_ns(run, m), run->sim_scale, o);
	struct lane *lanes;
	size_t nl = lanes_make(m, &lanes);
	int nw = name_width(lanes, nl);
	print_marks(f, run, m, nw, o);
	print_totals(f, m, lanes, nl, nw, o);
	free(lanes);
	print_panel_results(f, run);
}
