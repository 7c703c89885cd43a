/*
 * cores.c: the per-core view (key c). One lane per CPU shows which of the
 * run's tasks ran on it in each column: the task that ran there longest,
 * as its symbol (1-9, a-z, A-Z by task) in its colour, when the run's tasks
 * had the core at least half the column; a dot when they had it less, blank
 * when not at all. An "other programs" lane under them shows how much
 * of the machine other programs used: /proc/stat's busy time of every core,
 * sampled while the run is live, minus simul's own CPU time and its
 * children's (load.h), in eighths of a block. So "processes really use two cores", "the GIL
 * serialises" and a busy machine are hard to miss.
 *
 * Which core a task ran on comes from the OS sampler (each span's core).
 * The lanes are worked out by walking the spans in view, once per view
 * (cached until the view or the model changes), up to a bound.
 */
#include "tui_int.h"

#define TUI_CORES_WALK_MAX 2000000 /* spans read for one view at most */
#define TUI_MACHINE_MAX 100000     /* /proc/stat samples kept (at 5 a second, over 5 hours) */
#define TUI_SYMBOLS "123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* ---- other programs, from /proc/stat ---- */

/* With each /proc/stat reading while a run is live (and one as it starts): other programs'
 * share of the machine since the reading before (load.h: the machine's
 * busy time minus simul's own and its watched children's). */
void tui_machine_push(struct tui *t, uint64_t now)
{
	struct tui_coreview *cv = &t->cv;
	struct load_snap snap;
	if (t->run == NULL)
		return;
	run_load_mark(t->run, &snap);
	if (cv->have_snap && cv->nmach < TUI_MACHINE_MAX) {
		if (cv->nmach == cv->capmach) {
			size_t cap = cv->capmach ? cv->capmach * 2 : 256;
			struct tui_machine_sample *p = realloc(cv->mach, cap * sizeof(*p));
			if (p == NULL)
				return;
			cv->mach = p;
			cv->capmach = cap;
		}
		struct tui_machine_sample *m = &cv->mach[cv->nmach++];
		m->t0_ns = cv->snap.t_ns;
		m->t1_ns = snap.t_ns;
		m->others = (float)load_other(&cv->snap, &snap);
	}
	cv->snap = snap;
	cv->have_snap = 1;
	(void)now;
}

/* Other programs' share of the machine at instant at: from the sample
 * holding it; -1 when there is none (a saved run, or not measured). */
static double machine_others_at(struct tui *t, uint64_t at)
{
	struct tui_coreview *cv = &t->cv;
	size_t lo = 0, hi = cv->nmach;
	while (lo < hi) { /* the first sample that ends after at */
		size_t mid = lo + (hi - lo) / 2;
		if (cv->mach[mid].t1_ns <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= cv->nmach || cv->mach[lo].t0_ns > at)
		return -1;
	return cv->mach[lo].others;
}

/* ---- which task ran on each core ---- */

int tui_cores_count(const struct tui *t)
{
	int n = t->ncores;
	if (t->run != NULL && t->run->sampler_stats.ncores > n)
		n = t->run->sampler_stats.ncores;
	if (n <= 0)
		n = sampler_cores();
	return n < 1 ? 1 : n > TUI_MAX_CORES ? TUI_MAX_CORES : n;
}

static int cores_alloc(struct tui_coreview *cv, size_t need)
{
	if (need <= cv->cap)
		return 0;
	free(cv->who);
	free(cv->best);
	free(cv->tot);
	free(cv->acc);
	free(cv->touched);
	cv->who = malloc(need * sizeof(*cv->who));
	cv->best = malloc(need * sizeof(*cv->best));
	cv->tot = malloc(need * sizeof(*cv->tot));
	cv->acc = calloc(need, sizeof(*cv->acc));
	cv->touched = malloc(need * sizeof(*cv->touched));
	cv->cap = cv->who && cv->best && cv->tot && cv->acc && cv->touched ? need : 0;
	return cv->cap ? 0 : -1;
}

/* Add task i's running time on each core to cv->acc, column by column;
 * returns the spans read. */
static size_t cores_task(struct tui *t, size_t i, uint64_t t1, size_t *ntouched, size_t budget)
{
	struct tui_coreview *cv = &t->cv;
	size_t ns = model_span_count(t->model, i), k = model_span_find(t->model, i, t->vp.t0), read = 0;
	struct model_span sp;
	if (k >= ns)
		k = ns > 0 && model_span_get(t->model, i, 0, &sp) == 0 && sp.start_ns > t->vp.t0 ? 0 : ns;
	for (; k < ns && read < budget; k++, read++) {
		if (model_span_get(t->model, i, k, &sp) != 0 || sp.start_ns >= t1)
			break;
		if (sp.state != STATE_RUNNING || sp.core < 0 || sp.core >= cv->ncores)
			continue;
		uint64_t a = sp.start_ns > t->vp.t0 ? sp.start_ns : t->vp.t0, b = sp.end_ns < t1 ? sp.end_ns : t1;
		while (a < b) {
			uint64_t c = (a - t->vp.t0) / t->vp.dt, ce = t->vp.t0 + (c + 1) * t->vp.dt;
			uint64_t e = ce < b ? ce : b;
			size_t idx = (size_t)sp.core * (size_t)cv->ncols + (size_t)c;
			if (cv->acc[idx] == 0)
				cv->touched[(*ntouched)++] = idx;
			cv->acc[idx] += e - a;
			a = e;
		}
	}
	return read;
}

/* For every core and column, the task that ran there longest. */
static void cores_compute(struct tui *t)
{
	struct tui_coreview *cv = &t->cv;
	int ncols = t->lo.ncols, ncores = tui_cores_count(t);
	uint64_t now = model_now(t->model), t1 = t->vp.t0 + (uint64_t)ncols * t->vp.dt;
	if (t->replay && t->head < t1)
		t1 = t->head;
	if (cv->key_t0 == t->vp.t0 && cv->key_dt == t->vp.dt && cv->key_t1 == t1 && cv->ncols == ncols &&
	    cv->ncores == ncores && cv->key_now == now && cv->key_spans == model_span_total(t->model))
		return;
	size_t cells = (size_t)ncores * (size_t)ncols, budget = TUI_CORES_WALK_MAX;
	if (cores_alloc(cv, cells) != 0)
		return;
	cv->ncores = ncores;
	cv->ncols = ncols;
	cv->cut = 0;
	for (size_t c = 0; c < cells; c++) {
		cv->who[c] = -1;
		cv->best[c] = cv->tot[c] = 0;
	}
	for (size_t i = 0; i < model_task_count(t->model) && budget > 0; i++) {
		size_t ntouched = 0;
		budget -= cores_task(t, i, t1, &ntouched, budget);
		for (size_t j = 0; j < ntouched; j++) {
			size_t idx = cv->touched[j];
			cv->tot[idx] += cv->acc[idx];
			if (cv->acc[idx] > cv->best[idx]) {
				cv->best[idx] = cv->acc[idx];
				cv->who[idx] = (int)i;
			}
			cv->acc[idx] = 0;
		}
	}
	cv->cut = budget == 0;
	cv->key_t0 = t->vp.t0;
	cv->key_dt = t->vp.dt;
	cv->key_t1 = t1;
	cv->key_now = now;
	cv->key_spans = model_span_total(t->model);
}

/* The task that ran on the selected core at the cursor, or -1. */
int tui_cores_selected_task(const struct tui *t)
{
	const struct tui_coreview *cv = &t->cv;
	if (cv->sel < 0 || cv->sel >= cv->ncores || t->cursor < 0 || t->cursor >= cv->ncols || cv->who == NULL)
		return -1;
	return cv->who[(size_t)cv->sel * (size_t)cv->ncols + (size_t)t->cursor];
}

/* ---- drawing ---- */

static char task_symbol(int task)
{
	return task >= 0 && (size_t)task < sizeof(TUI_SYMBOLS) - 1 ? TUI_SYMBOLS[task] : '*';
}

static void cores_lane(struct tui *t, int core, int r)
{
	const struct tui_layout *lo = &t->lo;
	const struct tui_coreview *cv = &t->cv;
	int y = lo->lane_y + r * lo->lane_step;
	attr_t na = core == cv->sel ? (t->pane == PANE_TIMELINE ? A_REVERSE : A_BOLD) : A_NORMAL;
	tui_fill(y, 0, lo->name_w, na);
	tui_putf(y, 0, lo->name_w, na, "cpu %d", core);
	for (int c = 0; c < lo->ncols; c++) {
		size_t idx = (size_t)core * (size_t)cv->ncols + (size_t)c;
		int who = cv->who[idx];
		/* a task when the run's tasks had the core most of the column */
		char g[2] = {who < 0 ? ' ' : 2 * cv->tot[idx] >= t->vp.dt ? task_symbol(who) : t->ascii ? '.' : 0, 0};
		if (g[0] == 0) {
			tui_put(y, lo->cells_x + c, 1, "\u00b7", c == t->cursor ? A_REVERSE : A_NORMAL);
			continue;
		}
		attr_t a = (who >= 0 && t->color ? COLOR_PAIR(PAIR_TASK(who)) | A_BOLD : A_BOLD) |
		           (c == t->cursor ? A_REVERSE : A_NORMAL);
		tui_put(y, lo->cells_x + c, 1, g, a);
	}
	int at = t->cursor >= 0 && t->cursor < cv->ncols ? cv->who[(size_t)core * (size_t)cv->ncols + (size_t)t->cursor] : -1;
	char name[128] = "idle";
	if (at >= 0)
		tui_task_label(t, (size_t)at, name, sizeof(name));
	tui_put(y, lo->state_x, TUI_STATE_COL_W - 1, name, at >= 0 && t->color ? COLOR_PAIR(PAIR_TASK(at)) : A_NORMAL);
}

static void cores_others_lane(struct tui *t, int r)
{
	static const char *const levels[9] = {" ", "\u2581", "\u2582", "\u2583", "\u2584",
	                                      "\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii_levels[] = " .:-=+*%#";
	const struct tui_layout *lo = &t->lo;
	int y = lo->lane_y + r * lo->lane_step;
	attr_t na = t->cv.sel == t->cv.ncores ? (t->pane == PANE_TIMELINE ? A_REVERSE : A_BOLD) : A_NORMAL;
	tui_fill(y, 0, lo->name_w, na);
	tui_put(y, 0, lo->name_w, "other programs", na);
	for (int c = 0; c < lo->ncols; c++) {
		double o = machine_others_at(t, t->vp.t0 + (uint64_t)c * t->vp.dt + t->vp.dt / 2);
		int e = o < 0 ? 0 : (int)(o * 8 + 0.5);
		char g[2] = {ascii_levels[e], 0};
		tui_put(y, lo->cells_x + c, 1, o < 0 ? " " : t->ascii ? g : levels[e],
		        tui_state_attr(t, STATE_PREEMPTED) | (c == t->cursor ? A_REVERSE : A_NORMAL));
	}
	double o = machine_others_at(t, t->tcur);
	if (o >= 0)
		tui_putf(y, lo->state_x, TUI_STATE_COL_W - 1, A_NORMAL, "%.0f%%", 100 * o);
	else
		tui_put(y, lo->state_x, TUI_STATE_COL_W - 1, "?", A_NORMAL);
}

/* The legend: the symbols of the tasks on screen. */
static void cores_legend(struct tui *t)
{
	const struct tui_coreview *cv = &t->cv;
	int w = t->lo.timeline.w, x = 0, y = t->lo.legend_y;
	size_t nt = model_task_count(t->model);
	unsigned char *seen = calloc(nt ? nt : 1, 1);
	if (seen == NULL)
		return;
	for (size_t c = 0; c < (size_t)cv->ncores * (size_t)cv->ncols; c++)
		if (cv->who[c] >= 0)
			seen[cv->who[c]] = 1;
	x += tui_put(y, x, w - x, "legend: ", tui_dim(t));
	for (size_t i = 0; i < nt && x < w; i++) {
		char name[128], sym[2] = {task_symbol((int)i), 0};
		if (!seen[i])
			continue;
		x += tui_put(y, x, w - x, sym, (t->color ? COLOR_PAIR(PAIR_TASK(i)) : A_NORMAL) | A_BOLD);
		x += tui_putf(y, x, w - x, A_NORMAL, " %s  ", tui_task_label(t, i, name, sizeof(name)));
	}
	free(seen);
	x += tui_putf(y, x, w - x, A_NORMAL, "%s: the run's tasks less than half the time  blank: none  ",
	              t->ascii ? "." : "\u00b7");
	if (cv->cut)
		tui_put(y, x, w - x, "(too many spans in view: zoom in)", A_BOLD);
}

/* The why row of the core view: the selected lane at the cursor. */
static void cores_why(struct tui *t)
{
	const struct tui_coreview *cv = &t->cv;
	int y = t->lo.why_y, w = t->lo.timeline.w;
	int x = tui_put(y, 0, w, "why: ", A_BOLD);
	char at[32], name[128];
	view_format_time(&t->vp, t->tcur, t->ascii, at, sizeof(at));
	if (cv->sel >= cv->ncores) {
		double o = machine_others_at(t, t->tcur);
		if (o < 0)
			tui_putf(y, x, w - x, A_NORMAL, "other programs at %s: not known (only a live run reads /proc/stat)", at);
		else
			tui_putf(y, x, w - x, A_NORMAL, "other programs used %.0f%% of the machine's %d cores at %s", 100 * o,
			         cv->ncores, at);
		return;
	}
	int who = tui_cores_selected_task(t);
	if (who < 0) {
		tui_putf(y, x, w - x, A_NORMAL, "cpu %d at %s: none of the run's tasks ran there", cv->sel, at);
		return;
	}
	int line = tui_task_line_at(t, (size_t)who, t->tcur);
	char ln[32] = "";
	if (line > 0)
		snprintf(ln, sizeof(ln), ", line %d", line);
	tui_putf(y, x, w - x, A_NORMAL, "cpu %d at %s: %s ran there%s", cv->sel, at,
	         tui_task_label(t, (size_t)who, name, sizeof(name)), ln);
}

void tui_draw_cores(struct tui *t)
{
	struct tui_coreview *cv = &t->cv;
	cores_compute(t);
	if (cv->cap == 0)
		return;
	if (cv->sel > cv->ncores)
		cv->sel = cv->ncores;
	if (cv->sel < 0)
		cv->sel = 0;
	int rows = t->lo.lane_rows, top = cv->sel >= rows ? cv->sel - rows + 1 : 0;
	for (int r = 0; r < rows && top + r <= cv->ncores; r++) {
		if (top + r < cv->ncores)
			cores_lane(t, top + r, r);
		else
			cores_others_lane(t, r);
	}
	cores_legend(t);
	cores_why(t);
}

void tui_cores_free(struct tui *t)
{
	free(t->cv.who);
	free(t->cv.best);
	free(t->cv.tot);
	free(t->cv.acc);
	free(t->cv.touched);
	free(t->cv.mach);
	memset(&t->cv, 0, sizeof(t->cv));
}
