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

void tui_on_tick(uv_timer_t *h)
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
