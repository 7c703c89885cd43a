/*
 * loop.c: the interactive front end (ncursesw on the main thread's libuv loop).
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
#include "tui_int.h"

#include <errno.h>

#include "output.h"
#include "pace.h"
#include "quote.h"
#include "feed.h"

#define TUI_ESC_DELAY_MS 25 /* how long curses waits to tell Esc from a key's escape sequence */
#define TUI_ENV_SIZE_MAX 2000 /* COLUMNS or LINES above this are not believed */
#define TUI_CORES_READ_NS (NS_PER_S / 5)

void tui_on_tick(uv_timer_t *h)
{
	struct tui *t = h->data;
	uint64_t now = clock_now_ns();
	if (t->model == NULL)
		return;
	/* The model holds back the last MODEL_HOLDBACK_NS for events still on
	 * their way; that is real time, so less lesson time in a slowed run, and
	 * none once a paused run's clock stands still. */
	feed_drain_for(t->model, now + pace_holdback_credit(MODEL_HOLDBACK_NS), FEED_APPLY_BUDGET_NS);
	pace_step_check(); /* a step ends at a child process's next event too */
	record_milestones_publish(t->model);
	if (now - t->cores_read_ns >= TUI_CORES_READ_NS)
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

static void tui_run_free(struct run *r)
{
	if (r == NULL)
		return;
	run_destroy(r);
	free(r);
}

/* Bad input is reported before the terminal is touched: the theme, the
 * demo and its parameters or the save file, and the lack of a terminal.
 * Returns 0 or an exit status. */
static int tui_prepare(const struct app_options *o, struct run **first, struct model **saved, int *theme)
{
	*theme = o->theme ? tui_theme_from_name(o->theme) : 0;
	if (*theme < 0) {
		char q[QUOTE_MAX];
		fprintf(stderr, "simul: --theme %s: allowed: dark, light, contrast, cb\n", quote_arg(o->theme, q, sizeof(q)));
		return APP_EXIT_USAGE;
	}
	/* The files it will write: a bad path fails now, as in batch mode. */
	const char *opt[3] = {"--report", "--trace", "--save"}, *path[3] = {o->report, o->trace, o->save};
	for (int i = 0; i < 3; i++) {
		struct output out;
		if (output_open(&out, opt[i], path[i]) != 0)
			return APP_EXIT_USAGE;
		output_abandon(&out);
	}
	*first = xmalloc(sizeof(**first));
	int rc;
	if (o->replay != NULL) {
		char err[512];
		rc = savefile_load(o->replay, *first, saved, err, sizeof(err)) == 0 ? 0 : APP_EXIT_USAGE;
		if (rc != 0)
			fprintf(stderr, "simul: --replay %s\n", err);
	} else {
		rc = app_prepare_run(*first, o);
	}
	if (rc != 0) {
		free(*first); /* neither loader leaves anything in it on failure */
		*first = NULL;
		return rc;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "simul: the interactive view needs a terminal; use --plain or --report\n");
		return APP_EXIT_USAGE;
	}
	return 0;
}

/* Whether environment variable name is unset or a whole number 1..max. */
static int tui_env_size_ok(const char *name, long max)
{
	const char *v = getenv(name);
	if (v == NULL || v[0] == '\0')
		return 1;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	return errno == 0 && *end == '\0' && n >= 1 && n <= max;
}

/* curses: raw keys without echo, no cursor, clicks, the theme's colours. */
static int tui_term_init(struct tui *t)
{
	tui_install_fatal();
	set_escdelay(TUI_ESC_DELAY_MS);
	/* curses sizes the screen from COLUMNS and LINES when they are set:
	 * nonsense there (COLUMNS=100000) made it fail to start at all; without
	 * them it asks the terminal. */
	if (!tui_env_size_ok("COLUMNS", TUI_ENV_SIZE_MAX) || !tui_env_size_ok("LINES", TUI_ENV_SIZE_MAX)) {
		unsetenv("COLUMNS");
		unsetenv("LINES");
	}
	if (initscr() == NULL) {
		fprintf(stderr, "simul: cannot initialise the terminal\n");
		return -1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	mouseinterval(0);
	t->color = !t->opt->no_color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
		tui_colors_apply(t);
	}
	return 0;
}

/* The loop's handles: timers, the keyboard, a script's commands, signals.
 * Returns 0, or a libuv error (e.g. UV_EMFILE under a low open-file limit)
 * with what was made left for tui_teardown's walk to close. */
static int tui_handles_init(struct tui *t)
{
	static const int signums[TUI_NSIGNALS] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
	int rc = uv_loop_init(&t->loop);
	if (rc != 0)
		return rc;
	t->loop_ok = 1;
	/* Timers cannot fail to initialise. */
	uv_timer_init(&t->loop, &t->tick);
	t->tick.data = t;
	uv_timer_init(&t->loop, &t->later);
	t->later.data = t;
	uv_timer_init(&t->loop, &t->keys_timer);
	t->keys_timer.data = t;
	uv_timer_init(&t->loop, &t->flash_timer);
	t->flash_timer.data = t;
	uv_timer_init(&t->loop, &t->play_timer);
	t->play_timer.data = t;
	if ((rc = tui_cmd_start(t)) != 0 || (rc = uv_poll_init(&t->loop, &t->input, STDIN_FILENO)) != 0)
		return rc;
	t->input.data = t;
	if ((rc = uv_poll_start(&t->input, UV_READABLE, tui_on_input)) != 0)
		return rc;
	for (int i = 0; i < TUI_NSIGNALS; i++) {
		if ((rc = uv_signal_init(&t->loop, &t->sig[i])) != 0)
			return rc;
		t->sig[i].data = t;
		if ((rc = uv_signal_start(&t->sig[i], tui_on_signal, signums[i])) != 0)
			return rc;
	}
	return 0;
}

/* A saved run (the whole timeline, the play head at its end), the demo
 * named on the command line, or the menu. Takes first and saved. */
static void tui_first_screen(struct tui *t, struct run *first, struct model *saved)
{
	t->screen = SCREEN_MENU;
	if (saved != NULL) {
		tui_replay_open(t, first, saved);
	} else if (t->opt->demo != NULL) {
		t->run = first;
		t->mirror = first->mirror;
		if (tui_run_start(t) != 0) {
			tui_run_free(first);
			t->run = NULL;
			t->screen = SCREEN_MENU;
		}
	} else {
		tui_run_free(first);
	}
}

/* Give the terminal back first, then stop the demo and free everything. */
int tui_teardown(struct tui *t)
{
	endwin();
	/* The files asked for: a live run is stopped and written as
	 * interrupted. */
	int out_rc = tui_outputs_at_quit(t);
	if (t->run != NULL) {
		if (t->live)
			run_request_stop(t->run);
		run_finish(t->run);
	}
	if (t->loop_ok) {
		uv_walk(&t->loop, tui_close_handle, NULL);
		uv_run(&t->loop, UV_RUN_DEFAULT);
		uv_loop_close(&t->loop);
	}
	tui_run_free(t->run);
	tui_run_free(t->retired);
	model_free(t->model);
	free(t->lanes);
	free(t->cells);
	free(t->looks.row);
	free(t->inst.count);
	free(t->inst.flags);
	free(t->inst.row_of);
	free(t->names.dup);
	for (int i = 0; i < t->ncache; i++)
		free(t->cache[i].cells);
	free(t->cache);
	tui_cores_free(t);
	free(t->items);
	free(t->shown);
	int sig = t->signum;
	free(t);
	return sig != 0 ? APP_EXIT_INTERRUPTED : out_rc != 0 ? APP_EXIT_FAIL : APP_EXIT_OK;
}

int tui_main(const struct app_options *o)
{
	struct run *first = NULL;
	struct model *saved = NULL;
	int theme;
	int rc = tui_prepare(o, &first, &saved, &theme);
	struct tui *t = rc == 0 ? xcalloc(1, sizeof(*t)) : NULL;
	if (rc == 0) {
		t->opt = o;
		t->theme = theme;
		t->present = o->present;
		t->ascii = o->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
		t->open_group = -1;
		t->mparam = -1;
		t->cursor = -1;
		t->speed = o->speed > 0 ? o->speed : 1.0;
		t->play_rate = 1.0;
		if (tui_menu_init(t, first) != 0)
			rc = APP_EXIT_FAIL;
		else if (tui_term_init(t) != 0)
			rc = APP_EXIT_FAIL;
	}
	if (rc != 0) {
		tui_run_free(first);
		model_free(saved);
		if (t != NULL) {
			free(t->items);
			free(t->shown);
			free(t);
		}
		return rc;
	}
	if ((rc = tui_handles_init(t)) != 0) {
		tui_run_free(first);
		model_free(saved);
		tui_teardown(t); /* the terminal back first, then the line */
		fprintf(stderr, "simul: cannot set up the event loop: %s\n", uv_strerror(rc));
		return APP_EXIT_FAIL;
	}
	tui_first_screen(t, first, saved);
	tui_draw(t);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	return tui_teardown(t);
}

void tui_frame_draw(struct run *run, struct model *model, int ascii, int color, int cold)
{
	static struct tui t;
	if (cold)
		tui_cells_forget(&t);
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
