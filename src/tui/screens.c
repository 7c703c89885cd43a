/*
 * screens.c: a whole frame: the run screen (header, timeline, panes, key
 * bar), the menu, or the too-small message, then the corner boxes.
 */
#include "tui_int.h"

#define TUI_CURSOR_LABEL_W 36 /* "cursor T  D/col", at the header's right end */

/* The header: demo, status, elapsed time, follow mode, open group; the
 * cursor's time once the timeline has set the view. Returns the columns
 * used by the left part. */
static int tui_draw_header(struct tui *t)
{
	int w = t->lo.header.w;
	char a[64];
	uint64_t end = tui_run_end(t);
	view_format_duration(end > t->vp.origin ? end - t->vp.origin : 0, t->ascii, a, sizeof(a));
	const char *status = t->live ? (t->pending != ACTION_NONE ? "stopping" : "running")
	                             : (t->run->status != 0 ? "failed" : "finished");
	tui_fill(0, 0, w, A_REVERSE);
	int x = tui_putf(0, 0, w, A_REVERSE | A_BOLD, " simul  %s ", t->run->full_name);
	char pace[64];
	tui_pace_status(t, pace, sizeof(pace));
	x += tui_putf(0, x, w - x, A_REVERSE, " %s %s%s  %s", status, a, pace,
	              t->live ? (t->follow ? "[following]" : "[view frozen]") : "");
	if (t->open_group >= 0)
		x += tui_putf(0, x, w - x, A_REVERSE, "  group %s (Esc closes)",
		              model_group_name(t->model, (size_t)t->open_group));
	return x;
}

static void tui_draw_cursor_label(struct tui *t, int x)
{
	char a[64], c[64];
	int w = t->lo.header.w, lw = TUI_CURSOR_LABEL_W;
	if (t->vp.dt == 0)
		return;
	uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
	view_format_time(&t->vp, tc, t->ascii, c, sizeof(c));
	view_format_duration(t->vp.dt, t->ascii, a, sizeof(a));
	tui_putf(0, w - lw > x ? w - lw : x, lw, A_REVERSE, "cursor %s  %s/col ", c, a);
}

void tui_draw_run(struct tui *t)
{
	char title[64] = "";
	uint64_t version;
	static char panel[RUN_PANEL_LINES][RUN_PANEL_WIDTH];
	int npanel = run_panel_copy(t->run, panel, RUN_PANEL_LINES, title, sizeof(title), &version);
	const struct tui_layout *lo = &t->lo;
	tui_layout_compute(&t->lo, COLS, LINES, npanel);

	int x = tui_draw_header(t);
	tui_draw_timeline(t);
	tui_draw_cursor_label(t, x);
	tui_draw_output(t, lo->output.y, lo->output.x, lo->output.h, lo->output.w);
	if (npanel > 0)
		tui_draw_panel(panel, npanel, title, lo->panel.y, lo->panel.x, lo->panel.h, lo->panel.w);
	tui_draw_stats(t, lo->stats.y, lo->stats.x, lo->stats.h, lo->stats.w);
	tui_draw_lesson(t, lo->lesson.y, lo->lesson.x, lo->lesson.h, lo->lesson.w);
	for (int y = lo->panes_y; y < lo->panes_y + lo->panes_h; y++) {
		mvaddstr(y, lo->sep[0], t->ascii ? "|" : "\u2502");
		mvaddstr(y, lo->sep[1], t->ascii ? "|" : "\u2502");
	}
	tui_keybar(t, KEYS_RUN, lo->keybar.y, lo->keybar.w);
}

/* ---- the screens and overlays: each draws itself and takes its keys ---- */

static void run_screen_key(struct tui *t, int ch)
{
	tui_keys_dispatch(t, t->replay ? KEYS_REPLAY | KEYS_RUN : KEYS_RUN, ch);
}

/* The help closes on any key; on the run screen q also quits. */
static void help_key(struct tui *t, int ch)
{
	t->overlay = OVERLAY_NONE;
	if (ch == 'q' && t->screen == SCREEN_RUN)
		tui_quit(t);
}

/* The detail's own keys, or any other closes it. */
static void detail_key(struct tui *t, int ch)
{
	if (!tui_keys_dispatch(t, KEYS_DETAIL, ch))
		t->overlay = OVERLAY_NONE;
}

struct tui_view {
	void (*draw)(struct tui *t);
	void (*key)(struct tui *t, int ch);
};

static const struct tui_view screens[] = {
    [SCREEN_MENU] = {tui_draw_menu, tui_menu_key},
    [SCREEN_RUN] = {tui_draw_run, run_screen_key},
};

static const struct tui_view overlays[] = {
    [OVERLAY_NONE] = {NULL, NULL},
    [OVERLAY_HELP] = {tui_draw_help, help_key},
    [OVERLAY_DETAIL] = {tui_draw_detail, detail_key},
};

_Static_assert(sizeof(screens) / sizeof(screens[0]) == SCREEN_COUNT, "a screen without a view");
_Static_assert(sizeof(overlays) / sizeof(overlays[0]) == OVERLAY_COUNT, "an overlay without a view");

/* The run screen needs a run and its model; without them, the menu. */
static enum tui_screen tui_screen_shown(const struct tui *t)
{
	if (t->screen == SCREEN_RUN && (t->run == NULL || t->model == NULL))
		return SCREEN_MENU;
	return t->screen;
}

void tui_key(struct tui *t, int ch)
{
	if (t->overlay != OVERLAY_NONE)
		overlays[t->overlay].key(t, ch);
	else
		screens[tui_screen_shown(t)].key(t, ch);
}

void tui_draw(struct tui *t)
{
	erase();
	if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS) {
		tui_putf(0, 0, COLS, A_BOLD, "Terminal too small: %dx%d.", COLS, LINES);
		tui_putf(1, 0, COLS, A_NORMAL, "simul needs at least %dx%d.", TUI_MIN_COLS, TUI_MIN_ROWS);
		tui_put(2, 0, COLS, "Enlarge the window (q quits).", A_NORMAL);
	} else {
		screens[tui_screen_shown(t)].draw(t);
		if (overlays[t->overlay].draw != NULL)
			overlays[t->overlay].draw(t);
	}
	tui_key_draw(t);
	tui_replay_draw(t);
	refresh();
}
