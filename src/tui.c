/*
 * tui.c: the interactive front end (ncursesw on the main thread's libuv loop).
 *
 * Two screens: the menu (every demo, its description and parameters, which
 * can be edited in place) and the run screen (one timeline lane per task or
 * per group of tasks, a legend, what the tasks printed, statistics, the
 * lesson and its Python). The demo runs on its own thread; the loop here
 * only drains the recorder into the model on a timer while the run is live,
 * reads keys when stdin is readable and redraws when something changed, so
 * a finished or idle screen costs no CPU and a workload that spins every
 * core cannot block the UI.
 *
 * The terminal is restored on every exit: q, Esc-to-quit, SIGINT, SIGTERM
 * and SIGHUP go through endwin; a fatal signal resets the saved termios and
 * leaves the alternate screen before dying; Ctrl-Z is ncurses' own
 * suspend/resume.
 */
#include <curses.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>
#include <wchar.h>

#include "app.h"
#include "assets.h"
#include "clock.h"
#include "model.h"
#include "record.h"
#include "savefile.h"
#include "script.h"
#include "run.h"
#include "state.h"
#include "trace.h"
#include "tui.h"
#include "view.h"

#define TUI_TICK_MS 100
#define TUI_MIN_COLS 80
#define TUI_MIN_ROWS 24
#define TUI_NAME_MAX 18
#define TUI_MAX_CORES 64
#define TUI_FOLLOW_MIN_NS (2 * NS_PER_S)

enum tui_screen { SCREEN_MENU, SCREEN_RUN };
enum pane { PANE_TIMELINE, PANE_OUTPUT, PANE_STATS, PANE_LESSON, PANE_COUNT };
enum overlay { OVERLAY_NONE, OVERLAY_HELP, OVERLAY_DETAIL };
enum action { ACTION_NONE, ACTION_RERUN, ACTION_MENU };

static const char *const pane_names[PANE_COUNT] = {"timeline", "output", "stats", "lesson"};

struct menu_item {
	const struct demo_module *mod;
	const struct demo *demo;
	struct params params;
};

struct lane {
	int is_group;
	size_t index; /* task, or group */
};

struct tui {
	const struct app_options *opt;
	uv_loop_t loop;
	uv_poll_t input;
	uv_signal_t sig[4];
	uv_timer_t tick;
	uv_timer_t later;
	int quit;
	int signum;
	enum tui_screen screen;
	int ascii, color, theme;

	/* menu */
	struct menu_item *items;
	size_t nitems;
	int *shown; /* indexes of items passing the filter */
	int nshown;
	int msel;
	int mparam; /* selected parameter, -1 when the demo list has focus */
	int filtering, editing;
	char filter[64];
	char edit[64];
	char msg[256];

	/* run */
	struct run *run;
	struct run *retired; /* freed once its async handle is closed */
	int item; /* menu item being run */
	int live;
	enum action pending;
	struct model *model;
	struct viewport vp;
	int follow;
	int cursor;
	int sel; /* selected lane */
	int lane_top;
	int open_group; /* -1: lanes of every group */
	enum pane pane;
	int scroll[PANE_COUNT];
	enum overlay overlay;
	int detail_scroll;
	struct lane *lanes;
	size_t nlanes, lanes_cap;
	struct model_cell *cells;
	int cells_cap;

	/* replay of a saved run (--replay): a play head over the whole model */
	int replay;
	int playing;
	uint64_t head;
	uv_timer_t play_timer;
	uint64_t play_last_ns;

	/* driven by a script (record.c) and the key overlay */
	uv_poll_t cmd;
	int cmd_fd;
	char cmd_buf[512];
	size_t cmd_len;
	uv_timer_t keys_timer;
	char key_shown[32];
	uint64_t key_shown_ns;

	/* per-core utilisation from /proc/stat while live */
	unsigned long long core_busy0[TUI_MAX_CORES], core_total0[TUI_MAX_CORES];
	double core_busy[TUI_MAX_CORES];
	int ncores;
	uint64_t cores_read_ns;
};

/* ---- terminal safety ---- */

static struct termios tui_saved_tty;
static int tui_have_tty;

static void tui_fatal(int sig)
{
	static const char reset[] = "\033[?1000l\033[?1006l\033[?1049l\033[?25h\033[0m\r\n";
	if (write(STDOUT_FILENO, reset, sizeof(reset) - 1) < 0) {
		/* nothing more can be done while dying */
	}
	if (tui_have_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_tty);
	raise(sig);
}

static void tui_install_fatal(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_fatal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	tui_have_tty = tcgetattr(STDIN_FILENO, &tui_saved_tty) == 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- themes ---- */

static const char *const theme_names[TUI_THEME_COUNT] = {"dark", "light", "contrast", "cb"};

/* Foreground of each state per theme (the glyphs differ too, so colour is
 * never the only cue). The colour-blind theme keeps to blue/yellow/white
 * contrasts that stay apart under the common deficiencies. */
static const short theme_fg[TUI_THEME_COUNT][STATE_COUNT] = {
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_BLUE, COLOR_CYAN, COLOR_MAGENTA, COLOR_MAGENTA, COLOR_RED,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_BLUE, COLOR_CYAN, COLOR_MAGENTA, COLOR_MAGENTA, COLOR_RED,
	 COLOR_BLACK, COLOR_BLACK, COLOR_BLACK},
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_CYAN, COLOR_WHITE, COLOR_MAGENTA, COLOR_MAGENTA, COLOR_RED,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
	{COLOR_BLUE, COLOR_YELLOW, COLOR_WHITE, COLOR_CYAN, COLOR_WHITE, COLOR_YELLOW, COLOR_MAGENTA, COLOR_YELLOW,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
};
static const short task_fg[6] = {COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA, COLOR_BLUE,
                                 COLOR_RED};

#define PAIR_STATE(s) ((short)(1 + (s)))
#define PAIR_TASK(i) ((short)(16 + (i) % 6))
#define PAIR_MIXED(s) ((short)(32 + (s)))

int tui_theme_from_name(const char *name)
{
	for (int i = 0; i < TUI_THEME_COUNT; i++)
		if (name != NULL && strcmp(name, theme_names[i]) == 0)
			return i;
	return -1;
}

static void tui_colors_apply(struct tui *t)
{
	if (!t->color)
		return;
	short bg = -1;
	if (t->theme == 1)
		bg = COLOR_WHITE;
	else if (t->theme == 2)
		bg = COLOR_BLACK;
	for (int s = 0; s < STATE_COUNT; s++) {
		init_pair(PAIR_STATE(s), theme_fg[t->theme][s], bg);
		init_pair(PAIR_MIXED(s), theme_fg[t->theme][STATE_RUNNING], theme_fg[t->theme][s]);
	}
	for (int i = 0; i < 6; i++)
		init_pair(PAIR_TASK(i), t->theme == 1 && task_fg[i] == COLOR_YELLOW ? COLOR_BLACK : task_fg[i],
		          bg);
	init_pair(60, t->theme == 1 ? COLOR_BLACK : COLOR_WHITE, bg);
	bkgd(COLOR_PAIR(60));
}

static attr_t tui_state_attr(const struct tui *t, enum state s)
{
	if (!t->color)
		return s == STATE_RUNNING ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(PAIR_STATE(s)) | (t->theme == 2 ? A_BOLD : A_NORMAL);
}

/* ---- text helpers ---- */

/* Draw at most w display columns of UTF-8 text; returns columns used. */
static int tui_put(int y, int x, int w, const char *s, attr_t attr)
{
	mbstate_t st;
	int used = 0;
	memset(&st, 0, sizeof(st));
	if (w <= 0 || y < 0 || y >= LINES)
		return 0;
	move(y, x);
	attron(attr);
	while (*s && used < w) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, strlen(s), &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			addch('?');
			used++;
			s++;
			memset(&st, 0, sizeof(st));
			continue;
		}
		int cw = wc == L'\t' ? 1 : wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (used + cw > w)
			break;
		if (wc == L'\t' || wc == L'\n')
			addch(' ');
		else
			addnstr(s, (int)n);
		used += cw;
		s += n;
	}
	attroff(attr);
	return used;
}

static int tui_putf(int y, int x, int w, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int tui_putf(int y, int x, int w, attr_t attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tui_put(y, x, w, buf, attr);
}

static void tui_fill(int y, int x, int w, attr_t attr)
{
	attron(attr);
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attroff(attr);
}

/* Split text into o->lines of at most w bytes, breaking at spaces (the
 * lesson text is mostly ASCII, so bytes are close to columns). */
struct wrap_out {
	char (*lines)[256];
	int n, max;
};

/* Join the hard-wrapped lines of a Markdown paragraph (and the indented
 * continuation lines of a list item), so that the text flows to the pane's
 * width; blank lines, list items and headings keep their line breaks.
 * Returns a malloc'd copy. */
static char *tui_reflow(const char *text)
{
	size_t n = strlen(text), k = 0;
	char *out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (text[i] != '\n' || i == 0 || text[i - 1] == '\n') {
			out[k++] = text[i];
			continue;
		}
		const char *next = text + i + 1;
		size_t indent = strspn(next, " ");
		const char *word = next + indent;
		int keep = *word == '\n' || *word == '\0' || *word == '#' || indent > 3 ||
		           ((*word == '-' || *word == '*') && word[1] == ' ') || (*word >= '0' && *word <= '9');
		if (keep) {
			out[k++] = '\n';
		} else {
			out[k++] = ' ';
			i += indent;
		}
	}
	out[k] = '\0';
	return out;
}

static void tui_wrap(const char *text, int w, struct wrap_out *o)
{
	if (w > 255)
		w = 255;
	if (w < 10)
		w = 10;
	const char *p = text;
	while (*p && o->n < o->max) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len == 0) {
			o->lines[o->n++][0] = '\0';
		}
		while (len > 0 && o->n < o->max) {
			size_t take = len;
			if (take > (size_t)w) {
				take = (size_t)w;
				while (take > 0 && p[take] != ' ')
					take--;
				if (take == 0)
					take = (size_t)w;
			}
			memcpy(o->lines[o->n], p, take);
			o->lines[o->n][take] = '\0';
			o->n++;
			p += take;
			len -= take;
			while (len > 0 && *p == ' ') {
				p++;
				len--;
			}
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* ---- per-core utilisation ---- */

static void tui_cores_read(struct tui *t)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	uint64_t now = clock_now_ns();
	int n = 0;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) && n < TUI_MAX_CORES) {
		unsigned long long v[8] = {0};
		int cpu;
		if (strncmp(line, "cpu", 3) != 0 || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0], &v[1], &v[2],
		           &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
			continue;
		unsigned long long total = 0;
		for (int i = 0; i < 8; i++)
			total += v[i];
		unsigned long long busy = total - v[3] - v[4];
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

/* ---- lanes ---- */

static int tui_lane_push(struct tui *t, int is_group, size_t index)
{
	if (t->nlanes == t->lanes_cap) {
		size_t cap = t->lanes_cap ? t->lanes_cap * 2 : 64;
		struct lane *l = realloc(t->lanes, cap * sizeof(*l));
		if (l == NULL)
			return -1;
		t->lanes = l;
		t->lanes_cap = cap;
	}
	t->lanes[t->nlanes].is_group = is_group;
	t->lanes[t->nlanes].index = index;
	t->nlanes++;
	return 0;
}

/* One lane per task when they fit in `rows` (or a group is open), else one
 * per group plus the tasks that have none. */
static void tui_lanes_build(struct tui *t, int rows)
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
	unsigned char *seen = calloc(ng, 1);
	if (seen == NULL)
		return;
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

static int tui_selected_task(const struct tui *t)
{
	if (t->sel < 0 || (size_t)t->sel >= t->nlanes || t->lanes[t->sel].is_group)
		return -1;
	return (int)t->lanes[t->sel].index;
}

/* ---- the run ---- */

static void tui_on_done(struct run *run, void *arg);
static void tui_on_tick(uv_timer_t *h);

static uint64_t tui_run_end(const struct tui *t)
{
	if (t->replay)
		return t->head;
	if (t->live)
		return model_now(t->model);
	return t->run->end_ns ? t->run->end_ns : model_now(t->model);
}

static int tui_run_start(struct tui *t)
{
	trace_reset();
	t->model = model_new(0);
	if (t->model == NULL) {
		snprintf(t->msg, sizeof(t->msg), "out of memory");
		return -1;
	}
	uint64_t now = clock_now_ns();
	model_set_origin(t->model, now);
	memset(&t->vp, 0, sizeof(t->vp));
	t->vp.origin = now;
	t->follow = 1;
	t->sel = 0;
	t->lane_top = 0;
	t->open_group = -1;
	t->overlay = OVERLAY_NONE;
	memset(t->scroll, 0, sizeof(t->scroll));
	t->cores_read_ns = 0;
	tui_cores_read(t);
	int rc = run_start(t->run, &t->loop, tui_on_done, t);
	if (rc != 0) {
		snprintf(t->msg, sizeof(t->msg), "could not start %s: %s", t->run->full_name, strerror(-rc));
		model_free(t->model);
		t->model = NULL;
		return -1;
	}
	t->live = 1;
	t->replay = 0;
	t->playing = 0;
	t->screen = SCREEN_RUN;
	uv_timer_start(&t->tick, tui_on_tick, TUI_TICK_MS, TUI_TICK_MS);
	return 0;
}

/* Build a fresh run of menu item i (its edited parameters). */
static struct run *tui_run_new(struct tui *t, int i)
{
	struct run *r = malloc(sizeof(*r));
	if (r == NULL)
		return NULL;
	run_init(r, t->items[i].mod, t->items[i].demo);
	r->params = t->items[i].params;
	if (t->opt->have_seed)
		r->seed = t->opt->seed;
	if (t->opt->sampler_hz != 0)
		r->sampler_hz = t->opt->sampler_hz < 0 ? 0 : t->opt->sampler_hz;
	return r;
}

static void tui_run_drop(struct tui *t)
{
	if (t->run == NULL)
		return;
	run_finish(t->run);
	/* run_finish closed the async handle inside the run; the memory is
	 * freed on a later loop turn, once libuv is done with it. */
	if (t->retired != NULL) {
		run_destroy(t->retired);
		free(t->retired);
	}
	t->retired = t->run;
	t->run = NULL;
	model_free(t->model);
	t->model = NULL;
	t->live = 0;
}

static void tui_do_action(uv_timer_t *h);
static void tui_draw(struct tui *t);
static void tui_key_draw(struct tui *t);
static void tui_replay_clip(struct tui *t, int ncols);
static void tui_replay_draw(struct tui *t);

static void tui_on_done(struct run *run, void *arg)
{
	struct tui *t = arg;
	run_finish(run);
	model_finish(t->model, run->end_ns);
	t->live = 0;
	uv_timer_stop(&t->tick);
	if (t->follow)
		view_fit(&t->vp, t->vp.origin, run->end_ns, t->vp.ncols > 0 ? t->vp.ncols : 80);
	t->follow = 0;
	t->cursor = -1;
	if (t->pending != ACTION_NONE)
		uv_timer_start(&t->later, tui_do_action, 0, 0);
	tui_draw(t);
}

static void tui_request(struct tui *t, enum action a)
{
	t->pending = a;
	if (t->live)
		run_request_stop(t->run);
	else
		uv_timer_start(&t->later, tui_do_action, 0, 0);
}

static void tui_do_action(uv_timer_t *h)
{
	struct tui *t = h->data;
	enum action a = t->pending;
	t->pending = ACTION_NONE;
	if (t->retired != NULL) {
		run_destroy(t->retired);
		free(t->retired);
		t->retired = NULL;
	}
	tui_run_drop(t);
	if (a == ACTION_RERUN) {
		t->run = tui_run_new(t, t->item);
		if (t->run != NULL && tui_run_start(t) != 0) {
			run_destroy(t->run);
			free(t->run);
			t->run = NULL;
		}
		if (t->run == NULL)
			t->screen = SCREEN_MENU;
	} else {
		t->screen = SCREEN_MENU;
	}
	tui_draw(t);
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
		int e = (int)((run * 8 + present / 2) / present);
		if (e >= 1 && e <= 7) {
			static const char *const eighths[8] = {"", "\u2581", "\u2582", "\u2583",
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

static void tui_draw_timeline(struct tui *t, int y0, int h, int w)
{
	char name[128];
	int nw = 4;
	int rows = h - 3; /* axis labels, ruler, legend */
	if (rows < 1)
		rows = 1;
	tui_lanes_build(t, rows);
	for (size_t i = 0; i < t->nlanes; i++) {
		tui_lane_name(t, &t->lanes[i], name, sizeof(name));
		int l = (int)strlen(name);
		if (l > nw)
			nw = l;
	}
	if (nw > TUI_NAME_MAX)
		nw = TUI_NAME_MAX;
	int ncols = w - nw - 2 - 6;
	if (ncols < 10)
		ncols = 10;
	uint64_t end = tui_run_end(t);
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

	char *labels = malloc((size_t)ncols * 2 + 1);
	char *ruler = malloc((size_t)ncols * 2 + 1);
	if (t->cells_cap < ncols) {
		free(t->cells);
		t->cells = malloc(sizeof(*t->cells) * (size_t)ncols);
		t->cells_cap = t->cells ? ncols : 0;
	}
	if (labels == NULL || ruler == NULL || t->cells == NULL) {
		free(labels);
		free(ruler);
		return;
	}
	view_axis(&t->vp, t->ascii, labels, ruler);
	tui_put(y0, 0, nw, t->vp.sim_scale > 0 ? "sim time" : "time", A_DIM);
	tui_put(y0, nw + 2, ncols, labels, A_NORMAL);
	tui_put(y0 + 1, nw + 2, ncols, ruler, A_DIM);
	tui_put(y0 + 1, nw + 2 + ncols + 1, 5, "@cur", A_DIM);
	/* milestones (the demo's chapters) as marks on the ruler */
	for (size_t k = 0; k < model_milestone_count(t->model); k++) {
		struct model_mark mk;
		if (model_milestone_get(t->model, k, &mk) != 0)
			break;
		long c = view_col(&t->vp, mk.t_ns);
		if (c >= 0 && c < ncols)
			tui_put(y0 + 1, nw + 2 + (int)c, 1, t->ascii ? "v" : "\u25bc", A_BOLD);
	}

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
	for (int r = 0; r < rows && (size_t)(t->lane_top + r) < t->nlanes; r++) {
		int li = t->lane_top + r;
		const struct lane *l = &t->lanes[li];
		int y = y0 + 2 + r;
		uint64_t dt = t->vp.dt;
		enum state at;
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
		tui_fill(y, 0, nw, na);
		tui_put(y, 0, nw, name, na);
		move(y, nw + 2);
		for (int c = 0; c < ncols; c++) {
			for (int k = 0; k < STATE_COUNT; k++)
				used[k] |= t->cells[c].ns[k] > 0;
			tui_cell(t, &t->cells[c], dt, c == t->cursor);
		}
		tui_put(y, nw + 2 + ncols + 1, 5, state_label(at), tui_state_attr(t, at));
	}
	if ((size_t)(t->lane_top + rows) < t->nlanes)
		tui_putf(y0 + 1 + rows, 0, nw, A_DIM, "+%zu more", t->nlanes - (size_t)(t->lane_top + rows));

	/* legend of the states in use */
	int x = 0, y = y0 + h - 1;
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
	free(labels);
	free(ruler);
}

static void tui_pane_title(struct tui *t, enum pane p, int y, int x, int w, const char *extra)
{
	attr_t a = t->pane == p ? A_REVERSE | A_BOLD : A_BOLD | A_UNDERLINE;
	tui_fill(y, x, w, t->pane == p ? A_REVERSE : A_NORMAL);
	tui_putf(y, x, w, a, " %s%s", pane_names[p], extra ? extra : "");
}

/* Clamp a pane's scroll so that its last line can still reach the bottom. */
static int tui_clamp_scroll(int *scroll, int total, int h)
{
	if (*scroll > total - h)
		*scroll = total - h;
	if (*scroll < 0)
		*scroll = 0;
	return *scroll;
}

static void tui_draw_output(struct tui *t, int y0, int x0, int h, int w)
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

static void tui_line(char (*lines)[256], int *n, int max, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void tui_line(char (*lines)[256], int *n, int max, const char *fmt, ...)
{
	va_list ap;
	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(lines[*n], 256, fmt, ap);
	va_end(ap);
	(*n)++;
}

static void tui_draw_stats(struct tui *t, int y0, int x0, int h, int w)
{
	enum { MAXL = 400 };
	static char lines[MAXL][256];
	int n = 0;
	char a[64], b[64];
	struct run *run = t->run;
	uint64_t end = tui_run_end(t);
	uint64_t wall = end > t->vp.origin ? end - t->vp.origin : 0;
	if (!t->live && run->end_ns > run->start_ns)
		wall = run->end_ns - run->start_ns;
	uint64_t cpu = t->live ? clock_process_cpu_ns() - run->cpu0_ns : run->cpu_ns;
	view_format_duration(wall, t->ascii, a, sizeof(a));
	view_format_duration(cpu, t->ascii, b, sizeof(b));
	tui_line(lines, &n, MAXL, "wall %s", a);
	tui_line(lines, &n, MAXL, "cpu  %s (%.0f%% of a core)", b,
	         wall ? 100.0 * (double)cpu / (double)wall : 0.0);
	if (t->live) {
		int l = 0;
		char cores[256];
		cores[0] = '\0';
		for (int c = 0; c < t->ncores && l < (int)sizeof(cores) - 16; c++)
			l += snprintf(cores + l, sizeof(cores) - (size_t)l, " %d:%.0f%%", c, 100 * t->core_busy[c]);
		tui_line(lines, &n, MAXL, "cores now%s", cores);
	} else if (run->sampler_stats.ncores > 0) {
		int l = 0;
		char cores[256];
		cores[0] = '\0';
		for (int c = 0; c < run->sampler_stats.ncores && l < (int)sizeof(cores) - 16; c++)
			l += snprintf(cores + l, sizeof(cores) - (size_t)l, " %d:%.0f%%", c,
			              100 * run->sampler_stats.core_busy[c]);
		tui_line(lines, &n, MAXL, "cores (run)%s", cores);
	}
	pthread_mutex_lock(&run->mu);
	if (run->nresults > 0)
		tui_line(lines, &n, MAXL, "results:");
	for (int i = 0; i < run->nresults; i++) {
		if (run->results[i].is_text)
			tui_line(lines, &n, MAXL, "  %s = %s", run->results[i].key, run->results[i].text);
		else
			tui_line(lines, &n, MAXL, "  %s = %.4g", run->results[i].key, run->results[i].num);
	}
	pthread_mutex_unlock(&run->mu);
	if (!t->live && run->status != 0)
		tui_line(lines, &n, MAXL, "failed: %s", run->error);
	for (size_t k = 0; k < model_milestone_count(t->model) && n < MAXL; k++) {
		struct model_mark mk;
		if (model_milestone_get(t->model, k, &mk) != 0)
			break;
		view_format_time(&t->vp, mk.t_ns, t->ascii, a, sizeof(a));
		tui_line(lines, &n, MAXL, "%s %s: %s", t->ascii ? "v" : "\u25bc", a, mk.text);
	}
	/* per task: time in each state and share of its life, selected first;
	 * only the lines that can be seen are formatted (there may be
	 * thousands of tasks), the rest are counted. */
	int selt = tui_selected_task(t);
	size_t nt = model_task_count(t->model);
	int rows = h - 1;
	int limit = t->scroll[PANE_STATS] + rows < MAXL ? t->scroll[PANE_STATS] + rows : MAXL;
	size_t k;
	for (k = 0; k <= nt && n < limit; k++) {
		size_t i = k == 0 ? (size_t)selt : k - 1;
		if ((k == 0 && selt < 0) || (k > 0 && (int)i == selt))
			continue;
		const struct model_task *mt = model_task(t->model, i);
		uint64_t tot[STATE_COUNT], life = 0;
		model_task_totals(t->model, i, tot);
		for (int s = 0; s < STATE_COUNT; s++)
			life += tot[s];
		char row[256];
		int l = k == 0 ? snprintf(row, sizeof(row), "> %s (%s %d/%d)", mt->name, kind_name(mt->kind),
		                          mt->pid, mt->tid)
		               : snprintf(row, sizeof(row), "%s", mt->name);
		for (int s = 0; s < STATE_COUNT && l < (int)sizeof(row) - 32; s++) {
			if (tot[s] == 0)
				continue;
			if (k == 0) {
				view_format_duration(tot[s], t->ascii, a, sizeof(a));
				tui_line(lines, &n, MAXL, "%s", row);
				l = snprintf(row, sizeof(row), "   %-9s %10s %5.1f%%", state_name((enum state)s), a,
				             life ? 100.0 * (double)tot[s] / (double)life : 0.0);
			} else {
				l += snprintf(row + l, sizeof(row) - (size_t)l, " %s %.0f%%", state_label((enum state)s),
				              life ? 100.0 * (double)tot[s] / (double)life : 0.0);
			}
		}
		tui_line(lines, &n, MAXL, "%s", row);
	}
	int total = n + (int)(nt + 1 - k);
	tui_pane_title(t, PANE_STATS, y0, x0, w, NULL);
	int top = tui_clamp_scroll(&t->scroll[PANE_STATS], total, rows);
	for (int r = 0; r < rows && top + r < n; r++)
		tui_put(y0 + 1 + r, x0, w, lines[top + r], lines[top + r][0] == '>' ? A_BOLD : A_NORMAL);
}

/* A demo's live panel (the chess board grid), as copied by tui_draw_run. */
static void tui_draw_panel(char panel[][RUN_PANEL_WIDTH], int n, const char *title, int y0, int x0,
                           int h, int w)
{
	tui_fill(y0, x0, w, A_NORMAL);
	tui_putf(y0, x0, w, A_BOLD | A_UNDERLINE, " %s", title[0] ? title : "panel");
	for (int r = 0; r < h - 1 && r < n; r++)
		tui_put(y0 + 1 + r, x0, w, panel[r], A_NORMAL);
}

static void tui_draw_lesson(struct tui *t, int y0, int x0, int h, int w)
{
	enum { MAXL = 300 };
	static char lines[MAXL][256];
	struct wrap_out o = {lines, 0, MAXL};
	const char *text = lesson_text(t->run->full_name);
	const char *py = lesson_python(t->run->full_name);
	int selt = tui_selected_task(t);
	int hl = selt >= 0 ? model_task(t->model, (size_t)selt)->line : 0;
	tui_pane_title(t, PANE_LESSON, y0, x0, w, hl ? " (line of the selected task lit)" : NULL);
	int text_h = py ? (h - 1) / 2 : h - 1;
	char *flowed = tui_reflow(text ? text : "(no lesson for this demo)");
	tui_wrap(flowed ? flowed : "", w, &o);
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
	const char *starts[512];
	while (*p && nl < 512) {
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

static void tui_draw_detail(struct tui *t, int w, int h)
{
	int ti = tui_selected_task(t);
	if (ti < 0)
		return;
	int bw = w - 8, bh = h - 6, x0 = 4, y0 = 3;
	for (int y = y0; y < y0 + bh; y++)
		tui_fill(y, x0, bw, A_NORMAL);
	const struct model_task *mt = model_task(t->model, (size_t)ti);
	size_t ns = model_span_count(t->model, (size_t)ti);
	tui_fill(y0, x0, bw, A_REVERSE);
	tui_putf(y0, x0, bw, A_REVERSE | A_BOLD, " %s  (%s, pid %d, tid %d)  %zu spans   j/k scroll, Esc close",
	         mt->name, kind_name(mt->kind), mt->pid, mt->tid, ns);
	tui_putf(y0 + 1, x0, bw, A_BOLD, " %-12s %-12s %-10s %-5s %s", "start", "duration", "state", "core",
	         "why");
	int rows = bh - 2;
	tui_clamp_scroll(&t->detail_scroll, (int)ns, rows);
	for (int r = 0; r < rows && (size_t)(t->detail_scroll + r) < ns; r++) {
		struct model_span sp;
		char a[64], b[64];
		if (model_span_get(t->model, (size_t)ti, (size_t)(t->detail_scroll + r), &sp) != 0)
			break;
		view_format_time(&t->vp, sp.start_ns, t->ascii, a, sizeof(a));
		view_format_duration(sp.end_ns > sp.start_ns ? sp.end_ns - sp.start_ns : 0, t->ascii, b,
		                     sizeof(b));
		int x = tui_putf(y0 + 2 + r, x0, bw, A_NORMAL, " %-12s %-12s ", a, b);
		x += tui_putf(y0 + 2 + r, x0 + x, 11, tui_state_attr(t, sp.state), "%-10s", state_name(sp.state));
		if (sp.core >= 0)
			x += tui_putf(y0 + 2 + r, x0 + x, 6, A_NORMAL, " %-5d", sp.core);
		else
			x += tui_put(y0 + 2 + r, x0 + x, 6, "      ", A_NORMAL);
		tui_put(y0 + 2 + r, x0 + x, bw - x, sp.reason, A_NORMAL);
	}
}

static void tui_draw_help(int w, int h)
{
	static const char *const keys[] = {
	    "Space      pause the view (the run goes on) / follow the present again",
	    "Left/Right h/l   pan          + / -   zoom about the cursor",
	    "0          fit the whole run        < / >  move the cursor line",
	    "Up/Down j/k  select a task (or scroll the focused pane)",
	    "Enter      task detail: its spans and why; on a group: open it",
	    "Tab        next pane (timeline, output, stats, lesson)",
	    "mouse      click a lane: select it and put the cursor there",
	    "r          run again         t  next theme (dark, light, contrast, cb)",
	    "Esc        back (close overlay, close group, menu)",
	    "q / Ctrl-C quit              Ctrl-Z  suspend",
	    "",
	    "menu: Enter run   j/k choose   p edit parameters   / filter",
	    "",
	    "glyphs: each state has its own glyph, so colour is never needed;",
	    "a cell partly spent running shows that share as a lower block, in",
	    "eighths, over the colour of the rest (UTF-8 terminals).",
	    "",
	    "press any key to close",
	};
	int n = (int)(sizeof(keys) / sizeof(keys[0]));
	int bw = w > 84 ? 76 : w - 4, bh = n + 3;
	int x0 = (w - bw) / 2, y0 = (h - bh) / 2;
	if (y0 < 0)
		y0 = 0;
	for (int y = 0; y < bh; y++)
		tui_fill(y0 + y, x0, bw, A_NORMAL);
	tui_fill(y0, x0, bw, A_REVERSE);
	tui_put(y0, x0, bw, " help: every key", A_REVERSE | A_BOLD);
	for (int i = 0; i < n; i++)
		tui_put(y0 + 2 + i, x0 + 2, bw - 4, keys[i], A_NORMAL);
}

static void tui_keybar(int y, int w, const char *text)
{
	tui_fill(y, 0, w, A_REVERSE);
	tui_put(y, 0, w, text, A_REVERSE);
}

static void tui_draw_run(struct tui *t)
{
	int w = COLS, h = LINES;
	char a[64], c[64];
	uint64_t end = tui_run_end(t);
	view_format_duration(end > t->vp.origin ? end - t->vp.origin : 0, t->ascii, a, sizeof(a));
	const char *status = t->live ? (t->pending != ACTION_NONE ? "stopping" : "running")
	                             : (t->run->status != 0 ? "failed" : "finished");
	tui_fill(0, 0, w, A_REVERSE);
	int x = tui_putf(0, 0, w, A_REVERSE | A_BOLD, " simul  %s ", t->run->full_name);
	x += tui_putf(0, x, w - x, A_REVERSE, " %s %s  %s", status, a,
	              t->live ? (t->follow ? "[following]" : "[PAUSED view]") : "");
	if (t->open_group >= 0)
		x += tui_putf(0, x, w - x, A_REVERSE, "  group %s (Esc closes)",
		              model_group_name(t->model, (size_t)t->open_group));

	int tl_h = (h - 2) * 55 / 100;
	if (tl_h < 8)
		tl_h = 8;
	tui_draw_timeline(t, 1, tl_h, w);
	if (t->vp.dt > 0) {
		uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
		view_format_time(&t->vp, tc, t->ascii, c, sizeof(c));
		view_format_duration(t->vp.dt, t->ascii, a, sizeof(a));
		tui_putf(0, w - 36 > x ? w - 36 : x, 36, A_REVERSE, "cursor %s  %s/col ", c, a);
	}

	int by = 1 + tl_h, bh = h - 1 - by;
	char title[64] = "";
	uint64_t version;
	static char panel[RUN_PANEL_LINES][RUN_PANEL_WIDTH];
	int npanel = run_panel_copy(t->run, panel, RUN_PANEL_LINES, title, sizeof(title), &version);
	int ow = w * 34 / 100, sw = w * 30 / 100;
	int lw = w - ow - sw - 2;
	tui_draw_output(t, by, 0, bh, ow);
	if (npanel > 0) {
		int ph = npanel + 1 < bh / 2 ? npanel + 1 : bh / 2;
		tui_draw_panel(panel, npanel, title, by, ow + 1, ph, sw);
		tui_draw_stats(t, by + ph, ow + 1, bh - ph, sw);
	} else {
		tui_draw_stats(t, by, ow + 1, bh, sw);
	}
	tui_draw_lesson(t, by, ow + sw + 2, bh, lw);
	for (int y = by; y < h - 1; y++) {
		mvaddstr(y, ow, t->ascii ? "|" : "\u2502");
		mvaddstr(y, ow + sw + 1, t->ascii ? "|" : "\u2502");
	}
	tui_keybar(h - 1, w,
	           t->ascii ? " Space pause  h/l pan  +/- zoom  0 fit  j/k task  Enter detail  Tab pane"
	                      "  r rerun  t theme  ? help  Esc back  q quit"
	                    : " Space pause  \u2190\u2192 pan  +/- zoom  0 fit  \u2191\u2193 task  Enter detail"
	                      "  Tab pane  r rerun  t theme  ? help  Esc back  q quit");
	if (t->overlay == OVERLAY_DETAIL)
		tui_draw_detail(t, w, h);
	else if (t->overlay == OVERLAY_HELP)
		tui_draw_help(w, h);
}

/* ---- menu ---- */

static void tui_menu_filter(struct tui *t)
{
	t->nshown = 0;
	for (size_t i = 0; i < t->nitems; i++) {
		char full[128];
		snprintf(full, sizeof(full), "%s/%s %s", t->items[i].mod->name, t->items[i].demo->name,
		         t->items[i].demo->summary ? t->items[i].demo->summary : "");
		if (t->filter[0] == '\0' || strcasestr(full, t->filter) != NULL)
			t->shown[t->nshown++] = (int)i;
	}
	if (t->msel >= t->nshown)
		t->msel = t->nshown - 1;
	if (t->msel < 0)
		t->msel = 0;
}

static void tui_draw_menu(struct tui *t)
{
	int w = COLS, h = LINES;
	int lw = w * 36 / 100;
	tui_fill(0, 0, w, A_REVERSE);
	tui_put(0, 0, w, " simul  concurrency you can watch: pick a demo", A_REVERSE | A_BOLD);
	int y = 2;
	const struct demo_module *last = NULL;
	int top = 0;
	if (t->msel > h - 8)
		top = t->msel - (h - 8);
	for (int k = top; k < t->nshown && y < h - 3; k++) {
		const struct menu_item *it = &t->items[t->shown[k]];
		if (it->mod != last) {
			tui_put(y++, 1, lw - 1, it->mod->title ? it->mod->title : it->mod->name, A_BOLD | A_UNDERLINE);
			last = it->mod;
			if (y >= h - 3)
				break;
		}
		attr_t a = k == t->msel ? (t->mparam < 0 ? A_REVERSE : A_BOLD) : A_NORMAL;
		tui_fill(y, 1, lw - 1, a);
		int x = tui_putf(y, 1, lw - 1, a, "  %s/%s  ", it->mod->name, it->demo->name);
		tui_put(y++, 1 + x, lw - 1 - x, it->demo->summary ? it->demo->summary : "", a | A_DIM);
	}
	if (t->nshown == 0)
		tui_put(2, 1, lw - 1, "(no demo matches the filter)", A_DIM);
	if (t->filtering || t->filter[0])
		tui_putf(h - 3, 1, lw - 1, t->filtering ? A_BOLD : A_DIM, "/%s%s", t->filter,
		         t->filtering ? "_" : "");

	int x0 = lw + 1, rw = w - x0 - 1;
	for (int yy = 1; yy < h - 1; yy++)
		mvaddstr(yy, lw, t->ascii ? "|" : "\u2502");
	if (t->nshown > 0) {
		struct menu_item *it = &t->items[t->shown[t->msel]];
		enum { MAXL = 60 };
		static char lines[MAXL][256];
		struct wrap_out o = {lines, 0, MAXL};
		y = 2;
		tui_putf(y++, x0, rw, A_BOLD, "%s/%s", it->mod->name, it->demo->name);
		tui_put(y++, x0, rw, it->demo->summary ? it->demo->summary : "", A_NORMAL);
		y++;
		tui_wrap(it->demo->description ? it->demo->description : "", rw, &o);
		for (int i = 0; i < o.n && y < h - 10; i++)
			tui_put(y++, x0, rw, lines[i], A_NORMAL);
		y++;
		tui_put(y++, x0, rw, "parameters (p to edit, Enter to run):", A_BOLD);
		for (size_t i = 0; i < it->params.n && y < h - 4; i++) {
			const struct param_spec *ps = &it->params.spec[i];
			char val[64], allowed[128];
			params_format(&it->params, i, val, sizeof(val));
			params_allowed(ps, allowed, sizeof(allowed));
			attr_t a = t->mparam == (int)i ? A_REVERSE : A_NORMAL;
			tui_fill(y, x0, rw, a);
			tui_putf(y++, x0, rw, a, "  %-14s %-8s %s  (%s)", ps->name, val, ps->help ? ps->help : "",
			         allowed);
		}
		if (it->params.n == 0)
			tui_put(y++, x0, rw, "  (none)", A_DIM);
		if (t->editing) {
			char allowed[128];
			params_allowed(&it->params.spec[t->mparam], allowed, sizeof(allowed));
			tui_putf(h - 3, x0, rw, A_BOLD, "%s (%s) = %s_", it->params.spec[t->mparam].name, allowed,
			         t->edit);
		}
	}
	if (t->msg[0])
		tui_put(h - 2, 1, w - 2, t->msg, A_BOLD);
	tui_keybar(h - 1, w,
	           t->mparam >= 0 ? " j/k parameter  Enter edit  Esc back to demos  q quit"
	                          : " j/k choose  Enter run  p parameters  / filter  t theme  ? help  q quit");
	if (t->overlay == OVERLAY_HELP)
		tui_draw_help(w, h);
}

static void tui_draw(struct tui *t)
{
	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
		tui_putf(0, 0, COLS, A_BOLD, "Terminal too small: %dx%d.", COLS, LINES);
		tui_putf(1, 0, COLS, A_NORMAL, "simul needs at least %dx%d.", TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_put(2, 0, COLS, "Enlarge the window (q quits).", A_NORMAL);
	} else if (t->screen == SCREEN_RUN && t->run != NULL && t->model != NULL) {
		tui_draw_run(t);
	} else {
		tui_draw_menu(t);
	}
	tui_key_draw(t);
	tui_replay_draw(t);
	refresh();
}

/* ---- driven by a script, and the key overlay ---- */

/* A script's keys are typed as ncurses reads them. */
_Static_assert(SCRIPT_KEY_UP == KEY_UP && SCRIPT_KEY_LEFT == KEY_LEFT && SCRIPT_KEY_F0 == KEY_F0 &&
                   SCRIPT_KEY_NPAGE == KEY_NPAGE && SCRIPT_KEY_END == KEY_END &&
                   SCRIPT_KEY_BACKSPACE == KEY_BACKSPACE && SCRIPT_KEY_HOME == KEY_HOME,
               "script key codes are ncurses'");

#define TUI_KEY_SHOW_MS 1200

static int tui_lane_rows(void);
static void tui_menu_key(struct tui *t, int ch);

/* `select NAME`, `set KEY=VALUE` and `run` of a script: what no single key
 * does on every screen. */
static void tui_cmd_apply(struct tui *t, const char *line)
{
	char err[200];
	if (strncmp(line, "select ", 7) == 0 && t->model != NULL) {
		const char *name = line + 7;
		for (size_t i = 0; i < model_task_count(t->model); i++) {
			const struct model_task *mt = model_task(t->model, i);
			if (strcmp(mt->name, name) != 0)
				continue;
			tui_lanes_build(t, tui_lane_rows());
			int found = 0;
			for (size_t l = 0; l < t->nlanes && !found; l++)
				found = !t->lanes[l].is_group && t->lanes[l].index == i;
			if (!found && mt->group_index >= 0) {
				t->open_group = mt->group_index; /* its group's lanes */
				tui_lanes_build(t, tui_lane_rows());
			}
			for (size_t l = 0; l < t->nlanes; l++)
				if (!t->lanes[l].is_group && t->lanes[l].index == i)
					t->sel = (int)l;
			return;
		}
		snprintf(t->msg, sizeof(t->msg), "script: no task named '%s'", name);
	} else if (strcmp(line, "run") == 0) {
		/* the menu's Enter, or the run screen's rerun */
		if (t->screen == SCREEN_MENU)
			tui_menu_key(t, '\n');
		else
			tui_request(t, ACTION_RERUN);
	} else if (strncmp(line, "set ", 4) == 0) {
		int i = t->screen == SCREEN_RUN ? t->item : t->nshown > 0 ? t->shown[t->msel] : -1;
		if (i >= 0 && params_set_kv(&t->items[i].params, line + 4, err, sizeof(err)) != 0)
			snprintf(t->msg, sizeof(t->msg), "script: %s", err);
	}
}

static void tui_on_cmd(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	(void)events;
	ssize_t r = status < 0 ? -1 : read(t->cmd_fd, t->cmd_buf + t->cmd_len, sizeof(t->cmd_buf) - 1 - t->cmd_len);
	if (r <= 0) {
		uv_poll_stop(h);
		return;
	}
	t->cmd_len += (size_t)r;
	char *nl;
	while ((nl = memchr(t->cmd_buf, '\n', t->cmd_len)) != NULL) {
		*nl = '\0';
		tui_cmd_apply(t, t->cmd_buf);
		t->cmd_len -= (size_t)(nl + 1 - t->cmd_buf);
		memmove(t->cmd_buf, nl + 1, t->cmd_len);
	}
	if (t->cmd_len == sizeof(t->cmd_buf) - 1)
		t->cmd_len = 0;
	tui_draw(t);
}

static void tui_cmd_start(struct tui *t)
{
	t->cmd_fd = record_command_fd();
	if (t->cmd_fd < 0)
		return;
	uv_poll_init(&t->loop, &t->cmd, t->cmd_fd);
	t->cmd.data = t;
	uv_poll_start(&t->cmd, UV_READABLE, tui_on_cmd);
}

static void tui_on_keys_timer(uv_timer_t *h)
{
	tui_draw(h->data);
}

static void tui_key_show(struct tui *t, int ch)
{
	if (!t->opt->keys_overlay || ch == KEY_MOUSE)
		return;
	script_key_name(ch, t->key_shown, sizeof(t->key_shown));
	t->key_shown_ns = clock_now_ns();
	uv_timer_start(&t->keys_timer, tui_on_keys_timer, TUI_KEY_SHOW_MS + 10, 0);
}

/* The last key, in a box in the bottom-right corner, for a while. */
static void tui_key_draw(struct tui *t)
{
	if (t->opt == NULL || !t->opt->keys_overlay || t->key_shown[0] == '\0' ||
	    clock_now_ns() - t->key_shown_ns > (uint64_t)TUI_KEY_SHOW_MS * 1000000)
		return;
	char box[48];
	int n = snprintf(box, sizeof(box), " key: %s ", t->key_shown);
	if (n < COLS - 2 && LINES > 5)
		tui_put(LINES - (t->replay ? 5 : 4), COLS - n - 2, n, box, A_REVERSE | A_BOLD);
}

/* ---- replay of a saved run: the play head ---- */

#define TUI_PLAY_TICK_MS 50

/* Columns after the play head are not shown yet. */
static void tui_replay_clip(struct tui *t, int ncols)
{
	for (int c = 0; c < ncols; c++) {
		uint64_t c0 = t->vp.t0 + (uint64_t)c * t->vp.dt;
		if (c0 >= t->head)
			memset(&t->cells[c], 0, sizeof(t->cells[c]));
	}
}

static uint64_t tui_replay_end(const struct tui *t)
{
	return t->run->end_ns ? t->run->end_ns : model_now(t->model);
}

static void tui_replay_seek(struct tui *t, uint64_t head)
{
	uint64_t end = tui_replay_end(t), o = model_origin(t->model);
	t->head = head < o ? o : head > end ? end : head;
	if (t->head == end)
		t->playing = 0;
	long c = view_col(&t->vp, t->head);
	if (c >= 0 && c < t->vp.ncols)
		t->cursor = (int)c;
}

static void tui_on_play(uv_timer_t *h)
{
	struct tui *t = h->data;
	uint64_t now = clock_now_ns();
	if (t->replay && t->playing) {
		tui_replay_seek(t, t->head + (now - t->play_last_ns));
		t->play_last_ns = now;
	}
	if (!t->replay || !t->playing)
		uv_timer_stop(h);
	tui_draw(t);
}

static void tui_replay_play(struct tui *t, int on)
{
	t->playing = on;
	if (on && t->head >= tui_replay_end(t))
		t->head = model_origin(t->model); /* play again from the start */
	t->follow = on;
	t->play_last_ns = clock_now_ns();
	if (on)
		uv_timer_start(&t->play_timer, tui_on_play, TUI_PLAY_TICK_MS, TUI_PLAY_TICK_MS);
}

/* Where the play head is, and its keys, in the bottom-right corner. */
static void tui_replay_draw(struct tui *t)
{
	if (!t->replay || t->screen != SCREEN_RUN || t->model == NULL || COLS < TUI_MIN_COLS ||
	    LINES < TUI_MIN_ROWS)
		return;
	char at[32], end[32], box[160];
	uint64_t o = model_origin(t->model);
	view_format_duration(t->head - o, t->ascii, at, sizeof(at));
	view_format_duration(tui_replay_end(t) - o, t->ascii, end, sizeof(end));
	int n = snprintf(box, sizeof(box), " replay %s %s / %s  Space play  [ ] step  n N milestone ",
	                 t->playing ? (t->ascii ? ">" : "\u25b6") : (t->ascii ? "||" : "\u23f8"), at, end);
	int w = (int)strlen(box) < COLS - 2 ? (int)strlen(box) : COLS - 2;
	(void)n;
	tui_put(LINES - 4, COLS - w - 2, w, box, A_REVERSE);
}

/* Keys of the play head; returns 1 when the key was one of them. */
static int tui_replay_key(struct tui *t, int ch)
{
	uint64_t step = t->vp.dt > 0 ? t->vp.dt : 1;
	size_t nm = model_milestone_count(t->model);
	struct model_mark mk;
	switch (ch) {
	case ' ':
		tui_replay_play(t, !t->playing);
		return 1;
	case ']':
		t->playing = 0;
		tui_replay_seek(t, t->head + step);
		return 1;
	case '[':
		t->playing = 0;
		tui_replay_seek(t, t->head > step ? t->head - step : 0);
		return 1;
	case 'n': /* next milestone */
		for (size_t k = 0; k < nm; k++)
			if (model_milestone_get(t->model, k, &mk) == 0 && mk.t_ns > t->head) {
				tui_replay_seek(t, mk.t_ns);
				return 1;
			}
		tui_replay_seek(t, tui_replay_end(t));
		return 1;
	case 'N': /* previous milestone */
		for (size_t k = nm; k-- > 0;)
			if (model_milestone_get(t->model, k, &mk) == 0 && mk.t_ns < t->head) {
				tui_replay_seek(t, mk.t_ns);
				return 1;
			}
		tui_replay_seek(t, 0);
		return 1;
	case KEY_HOME:
		tui_replay_seek(t, 0);
		return 1;
	case KEY_END:
		tui_replay_seek(t, tui_replay_end(t));
		return 1;
	default:
		return 0;
	}
}

/* ---- input ---- */

static void tui_quit(struct tui *t)
{
	t->quit = 1;
	uv_stop(&t->loop);
}

static void tui_menu_key(struct tui *t, int ch)
{
	struct menu_item *it = t->nshown > 0 ? &t->items[t->shown[t->msel]] : NULL;
	t->msg[0] = '\0';
	if (t->filtering) {
		size_t l = strlen(t->filter);
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 27)
			t->filtering = 0;
		else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && l > 0)
			t->filter[l - 1] = '\0';
		else if (ch >= 32 && ch < 127 && l + 1 < sizeof(t->filter)) {
			t->filter[l] = (char)ch;
			t->filter[l + 1] = '\0';
		}
		if (ch == 27)
			t->filter[0] = '\0';
		tui_menu_filter(t);
		return;
	}
	if (t->editing) {
		size_t l = strlen(t->edit);
		if (ch == 27) {
			t->editing = 0;
		} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			char err[256];
			if (params_set(&it->params, it->params.spec[t->mparam].name, t->edit, err, sizeof(err)) != 0)
				snprintf(t->msg, sizeof(t->msg), "%s", err);
			else
				t->editing = 0;
		} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && l > 0) {
			t->edit[l - 1] = '\0';
		} else if (ch >= 32 && ch < 127 && l + 1 < sizeof(t->edit)) {
			t->edit[l] = (char)ch;
			t->edit[l + 1] = '\0';
		}
		return;
	}
	switch (ch) {
	case 'q':
		tui_quit(t);
		return;
	case '?':
		t->overlay = OVERLAY_HELP;
		return;
	case 't':
		t->theme = (t->theme + 1) % TUI_THEME_COUNT;
		tui_colors_apply(t);
		return;
	case '/':
		t->filtering = 1;
		t->mparam = -1;
		return;
	case 27:
		if (t->mparam >= 0)
			t->mparam = -1;
		return;
	case 'p':
		if (it != NULL && it->params.n > 0)
			t->mparam = t->mparam < 0 ? 0 : -1;
		return;
	case KEY_UP:
	case 'k':
		if (t->mparam > 0)
			t->mparam--;
		else if (t->mparam < 0 && t->msel > 0)
			t->msel--;
		return;
	case KEY_DOWN:
	case 'j':
		if (t->mparam >= 0 && it != NULL && (size_t)t->mparam + 1 < it->params.n)
			t->mparam++;
		else if (t->mparam < 0 && t->msel + 1 < t->nshown)
			t->msel++;
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (it == NULL)
			return;
		if (t->mparam >= 0) {
			t->editing = 1;
			params_format(&it->params, (size_t)t->mparam, t->edit, sizeof(t->edit));
			return;
		}
		t->item = t->shown[t->msel];
		t->run = tui_run_new(t, t->item);
		if (t->run == NULL || tui_run_start(t) != 0) {
			if (t->run != NULL) {
				run_destroy(t->run);
				free(t->run);
				t->run = NULL;
			}
			t->screen = SCREEN_MENU;
		}
		return;
	default:
		return;
	}
}

static int tui_lane_rows(void)
{
	return (LINES - 2) * 55 / 100 - 3;
}

static void tui_run_key(struct tui *t, int ch)
{
	if (t->overlay == OVERLAY_HELP) {
		t->overlay = OVERLAY_NONE;
		if (ch == 'q')
			tui_quit(t);
		return;
	}
	if (t->overlay == OVERLAY_DETAIL) {
		if (ch == 'j' || ch == KEY_DOWN)
			t->detail_scroll++;
		else if (ch == 'k' || ch == KEY_UP)
			t->detail_scroll--;
		else if (ch == KEY_NPAGE)
			t->detail_scroll += 10;
		else if (ch == KEY_PPAGE)
			t->detail_scroll -= 10;
		else if (ch == 'q')
			tui_quit(t);
		else
			t->overlay = OVERLAY_NONE;
		return;
	}
	if (t->replay && tui_replay_key(t, ch))
		return;
	int ncols = t->vp.ncols > 0 ? t->vp.ncols : 1;
	switch (ch) {
	case 'q':
		tui_quit(t);
		break;
	case '?':
		t->overlay = OVERLAY_HELP;
		break;
	case 27:
		if (t->open_group >= 0) {
			t->open_group = -1;
			t->sel = 0;
		} else {
			tui_request(t, ACTION_MENU);
		}
		break;
	case 'r':
		tui_request(t, ACTION_RERUN);
		break;
	case 't':
		t->theme = (t->theme + 1) % TUI_THEME_COUNT;
		tui_colors_apply(t);
		break;
	case ' ':
		t->follow = t->live ? !t->follow : 0;
		break;
	case KEY_LEFT:
	case 'h': {
		uint64_t step = t->vp.dt * (uint64_t)(ncols / 8 > 0 ? ncols / 8 : 1);
		t->vp.t0 = t->vp.t0 > t->vp.origin + step ? t->vp.t0 - step : t->vp.origin;
		t->follow = 0;
		break;
	}
	case KEY_RIGHT:
	case 'l':
		t->vp.t0 += t->vp.dt * (uint64_t)(ncols / 8 > 0 ? ncols / 8 : 1);
		t->follow = 0;
		break;
	case '+':
	case '=':
		view_zoom(&t->vp, 0.5, t->cursor);
		t->follow = 0;
		break;
	case '-':
	case '_':
		view_zoom(&t->vp, 2.0, t->cursor);
		t->follow = 0;
		break;
	case '0':
		view_fit(&t->vp, t->vp.origin, tui_run_end(t), ncols);
		t->follow = t->live;
		break;
	case '<':
	case ',':
		if (t->cursor > 0)
			t->cursor--;
		t->follow = 0;
		break;
	case '>':
	case '.':
		if (t->cursor + 1 < ncols)
			t->cursor++;
		t->follow = 0;
		break;
	case '\t':
		t->pane = (t->pane + 1) % PANE_COUNT;
		break;
	case KEY_BTAB:
		t->pane = (t->pane + PANE_COUNT - 1) % PANE_COUNT;
		break;
	case KEY_UP:
	case 'k':
		if (t->pane == PANE_TIMELINE) {
			if (t->sel > 0)
				t->sel--;
		} else {
			t->scroll[t->pane] += t->pane == PANE_OUTPUT ? 1 : -1;
		}
		break;
	case KEY_DOWN:
	case 'j':
		if (t->pane == PANE_TIMELINE) {
			if ((size_t)t->sel + 1 < t->nlanes)
				t->sel++;
		} else {
			t->scroll[t->pane] += t->pane == PANE_OUTPUT ? -1 : 1;
			if (t->scroll[t->pane] < 0)
				t->scroll[t->pane] = 0;
		}
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (t->sel >= 0 && (size_t)t->sel < t->nlanes) {
			if (t->lanes[t->sel].is_group) {
				t->open_group = (int)t->lanes[t->sel].index;
				t->sel = 0;
				t->lane_top = 0;
			} else {
				uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
				size_t k = model_span_find(t->model, t->lanes[t->sel].index, tc);
				t->detail_scroll = k < model_span_count(t->model, t->lanes[t->sel].index) ? (int)k : 0;
				t->overlay = OVERLAY_DETAIL;
			}
		}
		break;
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) != OK)
			break;
		/* lanes start 3 rows down (header, axis labels, ruler) */
		int li = t->lane_top + me.y - 3;
		if (me.y >= 3 && me.y < 3 + tui_lane_rows() && li >= 0 && (size_t)li < t->nlanes) {
			t->sel = li;
			t->pane = PANE_TIMELINE;
			int c = me.x - (COLS - 6 - ncols);
			if (c >= 0 && c < ncols) {
				t->cursor = c;
				t->follow = 0;
			}
		}
		break;
	}
	default:
		break;
	}
}

static void tui_on_input(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	int ch;
	(void)status;
	(void)events;
	while ((ch = getch()) != ERR) {
		if (ch == KEY_RESIZE)
			continue;
		tui_key_show(t, ch);
		if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
			if (ch == 'q')
				tui_quit(t);
			continue;
		}
		if (t->screen == SCREEN_MENU) {
			if (t->overlay == OVERLAY_HELP) {
				t->overlay = OVERLAY_NONE;
				continue;
			}
			tui_menu_key(t, ch);
		} else {
			tui_run_key(t, ch);
		}
		if (t->quit)
			return;
	}
	tui_draw(t);
}

static void tui_on_tick(uv_timer_t *h)
{
	struct tui *t = h->data;
	uint64_t now = clock_now_ns();
	if (t->model == NULL)
		return;
	model_drain(t->model, now);
	record_milestones_publish(t->model);
	if (now - t->cores_read_ns >= NS_PER_S / 2)
		tui_cores_read(t);
	tui_draw(t);
}

static void tui_on_signal(uv_signal_t *h, int signum)
{
	struct tui *t = h->data;
	if (signum == SIGWINCH) {
		struct winsize ws;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
			resizeterm(ws.ws_row, ws.ws_col);
		tui_draw(t);
		return;
	}
	t->signum = signum;
	tui_quit(t);
}

static void tui_close_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int tui_main(const struct app_options *o)
{
	struct tui *t;
	struct run *first = malloc(sizeof(*first));
	int theme = o->theme ? tui_theme_from_name(o->theme) : 0;
	if (first == NULL) {
		fprintf(stderr, "simul: out of memory\n");
		return APP_EXIT_FAIL;
	}
	if (theme < 0) {
		fprintf(stderr, "simul: --theme '%s': allowed: dark, light, contrast, cb\n", o->theme);
		free(first);
		return APP_EXIT_USAGE;
	}
	/* Bad input is reported before the terminal is touched. */
	struct model *saved = NULL;
	int rc;
	if (o->replay != NULL) {
		char err[512];
		rc = savefile_load(o->replay, first, &saved, err, sizeof(err)) == 0 ? 0 : APP_EXIT_USAGE;
		if (rc != 0)
			fprintf(stderr, "simul: --replay %s\n", err);
	} else {
		rc = app_prepare_run(first, o);
	}
	if (rc != 0) {
		free(first);
		return rc;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "simul: the interactive view needs a terminal; use --plain or --report\n");
		run_destroy(first);
		free(first);
		model_free(saved);
		return APP_EXIT_USAGE;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		run_destroy(first);
		free(first);
		return APP_EXIT_FAIL;
	}
	t->opt = o;
	t->theme = theme;
	t->ascii = o->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	t->open_group = -1;
	t->mparam = -1;
	t->cursor = -1;

	/* the menu: every demo, with its own copy of the parameters */
	const struct demo_module *const *mods;
	size_t nm = registry_modules(&mods);
	for (size_t i = 0; i < nm; i++)
		t->nitems += mods[i]->ndemos;
	t->items = calloc(t->nitems ? t->nitems : 1, sizeof(*t->items));
	t->shown = calloc(t->nitems ? t->nitems : 1, sizeof(*t->shown));
	if (t->items == NULL || t->shown == NULL) {
		run_destroy(first);
		free(first);
		free(t->items);
		free(t->shown);
		free(t);
		return APP_EXIT_FAIL;
	}
	size_t k = 0;
	for (size_t i = 0; i < nm; i++)
		for (size_t j = 0; j < mods[i]->ndemos; j++, k++) {
			t->items[k].mod = mods[i];
			t->items[k].demo = &mods[i]->demos[j];
			if (first->demo == &mods[i]->demos[j]) {
				t->items[k].params = first->params;
				t->item = (int)k;
				t->msel = (int)k;
			} else {
				params_init(&t->items[k].params, mods[i]->demos[j].params, mods[i]->demos[j].nparams);
			}
		}
	tui_menu_filter(t);

	tui_install_fatal();
	set_escdelay(25);
	if (initscr() == NULL) {
		fprintf(stderr, "simul: cannot initialise the terminal\n");
		run_destroy(first);
		free(first);
		return APP_EXIT_FAIL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	mouseinterval(0);
	t->color = !o->no_color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
		tui_colors_apply(t);
	}

	uv_loop_init(&t->loop);
	uv_timer_init(&t->loop, &t->tick);
	t->tick.data = t;
	uv_timer_init(&t->loop, &t->later);
	t->later.data = t;
	uv_timer_init(&t->loop, &t->keys_timer);
	t->keys_timer.data = t;
	tui_cmd_start(t);
	uv_poll_init(&t->loop, &t->input, STDIN_FILENO);
	t->input.data = t;
	uv_poll_start(&t->input, UV_READABLE, tui_on_input);
	static const int signums[4] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
	for (int i = 0; i < 4; i++) {
		uv_signal_init(&t->loop, &t->sig[i]);
		t->sig[i].data = t;
		uv_signal_start(&t->sig[i], tui_on_signal, signums[i]);
	}

	uv_timer_init(&t->loop, &t->play_timer);
	t->play_timer.data = t;
	if (saved != NULL) {
		/* A saved run: the whole timeline, the play head at its end. */
		t->run = first;
		t->model = saved;
		t->replay = 1;
		t->screen = SCREEN_RUN;
		t->vp.origin = model_origin(saved);
		t->head = tui_replay_end(t);
		view_fit(&t->vp, t->vp.origin, t->head, COLS > 0 ? COLS : TUI_MIN_COLS);
	} else if (o->demo != NULL) {
		t->run = first;
		if (tui_run_start(t) != 0) {
			run_destroy(first);
			free(first);
			t->run = NULL;
			t->screen = SCREEN_MENU;
		}
	} else {
		run_destroy(first);
		free(first);
		t->screen = SCREEN_MENU;
	}
	tui_draw(t);
	uv_run(&t->loop, UV_RUN_DEFAULT);

	/* Give the terminal back first, then stop the demo and clean up. */
	endwin();
	if (t->run != NULL) {
		if (t->live)
			run_request_stop(t->run);
		run_finish(t->run);
	}
	uv_walk(&t->loop, tui_close_handle, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	uv_loop_close(&t->loop);
	if (t->run != NULL) {
		run_destroy(t->run);
		free(t->run);
	}
	if (t->retired != NULL) {
		run_destroy(t->retired);
		free(t->retired);
	}
	model_free(t->model);
	free(t->lanes);
	free(t->cells);
	free(t->items);
	free(t->shown);
	int sig = t->signum;
	free(t);
	return sig != 0 ? APP_EXIT_INTERRUPTED : APP_EXIT_OK;
}

void tui_frame_draw(struct run *run, struct model *model, int ascii, int color)
{
	static struct tui t;
	t.run = run;
	t.model = model;
	t.screen = SCREEN_RUN;
	t.ascii = ascii;
	t.color = color;
	t.open_group = -1;
	t.vp.origin = model_origin(model);
	/* The whole run, as after 0; the columns are set by the first frame. */
	view_fit(&t.vp, t.vp.origin, tui_run_end(&t), t.vp.ncols > 0 ? t.vp.ncols : COLS);
	tui_draw(&t);
}
