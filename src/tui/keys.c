/*
 * keys.c: every key, in one table that drives the dispatch, the `?` help
 * and the key bar (and that tests/test_tui_keys.c checks against the man
 * page); the handlers of the run screen's keys; reading the keyboard.
 *
 * A key acts where its entry says (the menu's demo list, its parameters,
 * the run screen, a replay's play head, the task detail). The first entry
 * that has the key and acts where the key was typed handles it, so the
 * replay's entries, listed first, take Space from the run screen.
 */
#include "tui_int.h"

#define TUI_PAN_DIVISOR 8 /* a pan moves the view by this fraction of its columns */
#define TUI_ZOOM_IN 0.5
#define TUI_ZOOM_OUT 2.0
#define TUI_HSCROLL_STEP 8 /* columns a table scrolls sideways */

void tui_quit(struct tui *t)
{
	t->quit = 1;
	uv_stop(&t->loop);
}

/* ---- keys shared by several screens ---- */

static void key_quit(struct tui *t, int ch)
{
	tui_quit(t);
}

static void key_help(struct tui *t, int ch)
{
	t->overlay = OVERLAY_HELP;
	t->help_scroll = 0;
}

static void key_theme(struct tui *t, int ch)
{
	static const char *const what[TUI_THEME_COUNT] = {"", " (for a light background)",
	                                                  " (bold, for projectors)", " (colour-blind safe)"};
	t->theme = (t->theme + 1) % TUI_THEME_COUNT;
	tui_colors_apply(t);
	tui_flash(t, "theme %s%s%s", tui_theme_name(t->theme), what[t->theme],
	          t->color ? "" : ": no colour here (NO_COLOR or --no-color)");
}

/* ---- the run screen ---- */

static int run_ncols(const struct tui *t)
{
	return t->vp.ncols > 0 ? t->vp.ncols : 1;
}

static void run_back(struct tui *t, int ch)
{
	if (t->open_group >= 0) {
		t->open_group = -1;
		t->sel = 0;
	} else {
		tui_request(t, ACTION_MENU);
	}
}

static void run_cores(struct tui *t, int ch)
{
	t->cv.on = !t->cv.on;
	tui_flash(t, t->cv.on ? "per-core view: which task ran on each CPU" : "a lane per task");
}

static void run_present(struct tui *t, int ch)
{
	t->present = !t->present;
	tui_flash(t, t->present ? "presenter layout: spaced lanes, watch-for callouts, no dim text" : "normal layout");
}

/* r: run again; m: mirror=on for the next runs (or off again), and run
 * again now. */
static void run_rerun(struct tui *t, int ch)
{
	if (ch == 'm' && t->opt->py_script == NULL) {
		t->mirror = !t->mirror;
		snprintf(t->msg, sizeof(t->msg), "%s",
		         t->mirror ? "mirror on: the demo, then its lesson's .py under CPython" : "mirror off: the demo alone");
	}
	tui_request(t, ACTION_RERUN);
}

static void run_pan(struct tui *t, int ch)
{
	if (t->pane == PANE_STATS) { /* a demo's table, sideways */
		t->hscroll += ch == KEY_LEFT || ch == 'h' ? -TUI_HSCROLL_STEP : TUI_HSCROLL_STEP;
		if (t->hscroll < 0)
			t->hscroll = 0;
		return;
	}
	int n = run_ncols(t) / TUI_PAN_DIVISOR;
	uint64_t step = t->vp.dt * (uint64_t)(n > 0 ? n : 1);
	if (ch == KEY_LEFT || ch == 'h')
		t->vp.t0 = t->vp.t0 > t->vp.origin + step ? t->vp.t0 - step : t->vp.origin;
	else
		t->vp.t0 += step;
	t->follow = 0;
}

static void run_zoom(struct tui *t, int ch)
{
	view_zoom(&t->vp, ch == '+' || ch == '=' ? TUI_ZOOM_IN : TUI_ZOOM_OUT, t->cursor);
	t->follow = 0;
}

static void run_fit(struct tui *t, int ch)
{
	view_fit(&t->vp, t->vp.origin, tui_run_end(t), run_ncols(t));
	t->follow = t->live;
}

static void run_cursor(struct tui *t, int ch)
{
	if (ch == '<' && t->cursor > 0)
		t->cursor--;
	else if (ch == '>' && t->cursor + 1 < run_ncols(t))
		t->cursor++;
	t->follow = 0;
}

static void run_pane(struct tui *t, int ch)
{
	t->pane = (t->pane + (ch == KEY_BTAB ? PANE_COUNT - 1 : 1)) % PANE_COUNT;
	if (t->pane == PANE_OUTPUT || t->pane == PANE_STATS)
		t->left = t->pane; /* a narrow screen shows it beside the lesson */
}

/* Up and Down select a lane, or scroll the focused pane (the output pane
 * counts lines back from its newest). */
static void run_updown(struct tui *t, int ch)
{
	int up = ch == KEY_UP || ch == 'k';
	if (t->pane == PANE_TIMELINE && t->cv.on) { /* cores, then other programs */
		t->cv.sel += up ? (t->cv.sel > 0 ? -1 : 0) : (t->cv.sel < tui_cores_count(t) ? 1 : 0);
		return;
	}
	if (t->pane == PANE_TIMELINE) {
		if (up && t->sel > 0)
			t->sel--;
		else if (!up && (size_t)t->sel + 1 < t->nlanes)
			t->sel++;
		return;
	}
	t->scroll[t->pane] += (t->pane == PANE_OUTPUT) == up ? 1 : -1;
	if (!up && t->scroll[t->pane] < 0)
		t->scroll[t->pane] = 0;
}

/* Enter: a group lane opens; a task's opens its detail at the cursor. */
static void run_enter(struct tui *t, int ch)
{
	if (t->cv.on) { /* the task on the selected core at the cursor */
		int task = tui_cores_selected_task(t);
		if (task >= 0) {
			uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
			size_t k = model_span_find(t->model, (size_t)task, tc);
			t->detail_scroll = k < model_span_count(t->model, (size_t)task) ? (int)k : 0;
			t->overlay = OVERLAY_DETAIL;
		}
		return;
	}
	if (t->sel < 0 || (size_t)t->sel >= t->nlanes)
		return;
	const struct lane *l = &t->lanes[t->sel];
	if (l->is_group) {
		t->open_group = (int)l->index;
		t->sel = 0;
		t->lane_top = 0;
		return;
	}
	uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
	size_t k = model_span_find(t->model, l->index, tc);
	t->detail_scroll = k < model_span_count(t->model, l->index) ? (int)k : 0;
	t->overlay = OVERLAY_DETAIL;
}

/* A click on a lane selects it and puts the cursor on the clicked column,
 * as the last frame laid them out. */
static void run_mouse(struct tui *t, int ch)
{
	MEVENT me;
	if (getmouse(&me) != OK)
		return;
	int row = tui_layout_lane_at(&t->lo, me.y);
	int li = t->lane_top + row;
	if (row >= 0 && t->cv.on) {
		int top = t->cv.sel >= t->lo.lane_rows ? t->cv.sel - t->lo.lane_rows + 1 : 0;
		if (top + row <= tui_cores_count(t))
			t->cv.sel = top + row;
	} else if (row < 0 || (size_t)li >= t->nlanes) {
		return;
	} else {
		t->sel = li;
	}
	t->pane = PANE_TIMELINE;
	int c = tui_layout_col_at(&t->lo, me.x);
	if (c >= 0) {
		t->cursor = c;
		t->follow = 0;
	}
}

/* ---- the table ---- */

#define ENTER_KEYS {'\n', '\r', KEY_ENTER}
#define ANY_SCREEN (KEYS_MENU | KEYS_PARAMS | KEYS_RUN)

const struct tui_key tui_keys[] = {
    /* a replay's play head, before the run screen's keys */
    {{' '}, KEYS_REPLAY, KEYS_REPLAY, "Space", "play or pause the saved run", "Space play", NULL,
     tui_replay_key},
    {{'[', ']', ',', '.'}, KEYS_REPLAY, KEYS_REPLAY, "[ ] , .",
     "step the play head back, forward: a column ([ ]), an event (, .)", "[ ] step", NULL, tui_replay_key},
    {{'n', 'N', KEY_HOME, KEY_END}, KEYS_REPLAY, KEYS_REPLAY, "n N Home End",
     "next, previous milestone; start, end of the run", "n N milestone", NULL, tui_replay_key},
    {{'{', '}'}, KEYS_REPLAY, 0, "{ }", "replay slower, faster (1/10x, 1/4x, 1/2x, 1x, 2x, 4x)", NULL,
     NULL, tui_key_rate},
    /* the task detail */
    {{'j', KEY_DOWN, 'k', KEY_UP}, KEYS_DETAIL, 0, "j k", "scroll the spans", NULL, NULL,
     tui_detail_scroll},
    {{KEY_NPAGE, KEY_PPAGE}, KEYS_DETAIL, 0, "PgDn PgUp", "scroll a page", NULL, NULL,
     tui_detail_scroll},
    /* the menu */
    {{'j', KEY_DOWN, 'k', KEY_UP}, KEYS_MENU, KEYS_MENU, "Up Down j k", "choose a demo", "j/k choose",
     NULL, tui_menu_updown},
    {{'j', KEY_DOWN, 'k', KEY_UP}, KEYS_PARAMS, KEYS_PARAMS, "Up Down j k", "choose a parameter",
     "j/k parameter", NULL, tui_menu_updown},
    {ENTER_KEYS, KEYS_MENU, KEYS_MENU, "Enter", "run the demo", "Enter run", NULL, tui_menu_enter},
    {ENTER_KEYS, KEYS_PARAMS, KEYS_PARAMS, "Enter", "edit the parameter", "Enter edit", NULL,
     tui_menu_enter},
    {{'p'}, KEYS_MENU | KEYS_PARAMS, KEYS_MENU, "p", "edit the demo's parameters in place",
     "p parameters", NULL, tui_menu_params},
    {{'/'}, KEYS_MENU | KEYS_PARAMS, KEYS_MENU, "/", "filter the demos", "/ filter", NULL,
     tui_menu_filter_start},
    /* the run screen */
    {{' '}, KEYS_RUN, KEYS_RUN, "Space", "pause the run itself (threads, processes, its clock) / resume",
     "Space pause", NULL, tui_key_pause},
    {{'.', ','}, KEYS_RUN, KEYS_RUN, ". ,",
     "paused: . steps the run to its next event; else . , move the cursor to the next, previous event",
     ". step", NULL, tui_key_step},
    {{'f'}, KEYS_RUN, KEYS_RUN, "f", "freeze the view / follow the present (the run goes on)", "f follow",
     NULL, tui_key_follow},
    {{KEY_LEFT, KEY_RIGHT, 'h', 'l'}, KEYS_RUN, KEYS_RUN, "Left Right h l",
     "pan (the stats pane focused: scroll a wide table sideways)",
     "\u2190\u2192 pan", "h/l pan", run_pan},
    {{'+', '-', '=', '_'}, KEYS_RUN, KEYS_RUN, "+ - (= _)", "zoom about the cursor", "+/- zoom",
     NULL, run_zoom},
    {{'0'}, KEYS_RUN, KEYS_RUN, "0", "fit the whole run", "0 fit", NULL, run_fit},
    {{'<', '>'}, KEYS_RUN, 0, "< >", "move the cursor line a column", NULL, NULL, run_cursor},
    {{KEY_UP, KEY_DOWN, 'k', 'j'}, KEYS_RUN, KEYS_RUN, "Up Down j k",
     "select a task (or scroll the focused pane)", "\u2191\u2193 task", "j/k task", run_updown},
    {ENTER_KEYS, KEYS_RUN, KEYS_RUN, "Enter", "task detail: its spans and why; a group: open it",
     "Enter detail", NULL, run_enter},
    {{'\t', KEY_BTAB}, KEYS_RUN, KEYS_RUN, "Tab Shift-Tab", "next, previous pane", "Tab pane", NULL,
     run_pane},
    {{KEY_MOUSE}, KEYS_RUN, 0, "mouse", "click a lane: select it and put the cursor there", NULL,
     NULL, run_mouse},
    {{'c'}, KEYS_RUN, KEYS_RUN, "c", "per-core view: the task on each CPU, other programs' share; c again: tasks",
     "c cores", NULL, run_cores},
    {{'P'}, KEYS_RUN, 0, "P", "presenter layout (projectors): spaced lanes, callouts, no dim text", NULL,
     NULL, run_present},
    {{'r', 'm'}, KEYS_RUN, KEYS_RUN, "r m", "run again; m: and then its lesson's .py under CPython, same "
     "time axis (mirror=on; m again: off)", "r rerun", NULL, run_rerun},
    /* more than one screen */
    {{'{', '}'}, ANY_SCREEN, 0, "{ }", "slower, faster: the speed of the next run (1 down to 1/100)", NULL,
     NULL, tui_key_speed},
    {{'t'}, ANY_SCREEN, ANY_SCREEN & ~KEYS_PARAMS, "t", "next theme (dark, light, contrast, cb)",
     "t theme", NULL, key_theme},
    {{'?', KEY_F(1)}, ANY_SCREEN, ANY_SCREEN & ~KEYS_PARAMS, "? F1", "this help", "? help", NULL,
     key_help},
    {{TUI_KEY_ESC}, KEYS_PARAMS, KEYS_PARAMS, "Esc", "back to the demos", "Esc back to demos", NULL,
     tui_menu_back},
    {{TUI_KEY_ESC}, KEYS_RUN, KEYS_RUN, "Esc", "back (close an overlay, a group; to the menu)",
     "Esc back", NULL, run_back},
    {{'q'}, ANY_SCREEN | KEYS_DETAIL, ANY_SCREEN, "q Ctrl-C", "quit", "q quit", NULL, key_quit},
    {{0}, ANY_SCREEN, 0, "Ctrl-Z", "suspend (fg resumes)", NULL, NULL, NULL},
};
const size_t tui_nkeys = sizeof(tui_keys) / sizeof(tui_keys[0]);

static int key_has(const struct tui_key *k, int ch)
{
	for (int i = 0; i < TUI_KEY_ALIASES && k->keys[i] != 0; i++)
		if (k->keys[i] == ch)
			return 1;
	return 0;
}

int tui_keys_dispatch(struct tui *t, unsigned where, int ch)
{
	for (size_t i = 0; i < tui_nkeys; i++) {
		const struct tui_key *k = &tui_keys[i];
		if ((k->where & where) && k->handler != NULL && key_has(k, ch)) {
			k->handler(t, ch);
			return 1;
		}
	}
	return 0;
}

/* An entry is shadowed where an earlier entry takes all of its keys. */
static int key_shadowed(size_t i, unsigned where)
{
	const struct tui_key *k = &tui_keys[i];
	if (k->keys[0] == 0)
		return 0;
	for (int a = 0; a < TUI_KEY_ALIASES && k->keys[a] != 0; a++) {
		int taken = 0;
		for (size_t j = 0; j < i && !taken; j++)
			taken = (tui_keys[j].where & where) && key_has(&tui_keys[j], k->keys[a]);
		if (!taken)
			return 0;
	}
	return 1;
}

size_t tui_keys_help(unsigned where, const struct tui_key **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < tui_nkeys && n < max; i++)
		if ((tui_keys[i].where & where) && !key_shadowed(i, where))
			out[n++] = &tui_keys[i];
	return n;
}

void tui_keys_bar(unsigned where, int ascii, int width, char *buf, size_t n)
{
	const char *label[64];
	int keep[64], len[64], nl = 0, total = 0;
	for (size_t i = 0; i < tui_nkeys && nl < 64; i++) {
		const struct tui_key *k = &tui_keys[i];
		if (!(k->bar_in & where) || k->bar == NULL || key_shadowed(i, where))
			continue;
		label[nl] = ascii && k->bar_ascii != NULL ? k->bar_ascii : k->bar;
		keep[nl] = k->handler == key_help || k->handler == key_quit;
		len[nl] = 2 + tui_text_width(label[nl]); /* two spaces before each */
		total += len[nl++];
	}
	/* drop the last entries that may go, then (if still too long) any */
	for (int pass = 0; pass < 2 && total > width; pass++)
		for (int i = nl - 1; i >= 0 && total > width; i--)
			if (label[i] != NULL && (pass == 1 || !keep[i])) {
				total -= len[i];
				label[i] = NULL;
			}
	size_t l = 0;
	buf[0] = '\0';
	for (int i = 0; i < nl && l < n; i++) {
		if (label[i] == NULL)
			continue;
		int r = snprintf(buf + l, n - l, "%s%s", l == 0 ? " " : "  ", label[i]);
		if (r < 0)
			break;
		l += (size_t)r;
	}
}

/* ---- reading the keyboard ---- */

void tui_on_input(uv_poll_t *h, int status, int events)
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
		tui_key(t, ch);
		if (t->quit)
			return;
	}
	tui_draw(t);
}
