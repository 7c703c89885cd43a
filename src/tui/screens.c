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
	char replay[64] = "";
	if (t->replay)
		tui_replay_status(t, replay, sizeof(replay));
	const char *status = t->replay ? replay
	                     : t->live ? (t->pending != ACTION_NONE ? "stopping" : "running")
	                               : (t->run->status != 0 ? "failed" : "finished");
	tui_fill(0, 0, w, A_REVERSE);
	int x = tui_putf(0, 0, w, A_REVERSE | A_BOLD, " simul  %s ", t->run->full_name);
	char pace[64];
	tui_pace_status(t, pace, sizeof(pace));
	x += tui_putf(0, x, w - x, A_REVERSE, " %s %s%s  %s", status, t->replay ? "" : a, pace,
	              t->live ? (t->follow ? "[following]" : "[view frozen]") : "");
	if (t->cv.on)
		x += tui_put(0, x, w - x, "  [per-core view: c returns]", A_REVERSE);
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
	int at = w - lw > x ? w - lw : x;
	tui_putf(0, at, w - at, A_REVERSE, "cursor %s  %s/col ", c, a);
}

/* The layout of this frame: the lanes (one per task, or per group when
 * they do not fit), then the rectangles. */
static void tui_run_layout(struct tui *t, int npanel, char panel[][RUN_PANEL_WIDTH], int banner)
{
	struct tui_layout_want want = {.npanel = npanel,
	                               .present = t->present,
	                               .banner = banner,
	                               .left = t->left == PANE_STATS ? PANE_STATS : PANE_OUTPUT};
	for (int i = 0; i < npanel; i++) {
		int pw = tui_text_width(panel[i]);
		if (pw > want.panel_w)
			want.panel_w = pw;
	}
	tui_lanes_build(t, tui_layout_lanes_max(LINES, t->present));
	tui_layout_compute(&t->lo, COLS, LINES, t->cv.on ? tui_cores_count(t) + 1 : (int)t->nlanes, &want);
}

/* Other programs load the machine: say so over the timeline, with their
 * share, for as long as it lasts (live) or for the whole run (finished). */
static void tui_draw_busy(struct tui *t, const struct run_load *l)
{
	const struct tui_rect *r = &t->lo.banner;
	double share = l->live ? l->recent : l->during >= 0 ? l->during : l->before;
	tui_fill(r->y, r->x, r->w, A_REVERSE | A_BOLD);
	tui_putf(r->y, r->x, r->w, A_REVERSE | A_BOLD,
	         " machine busy: other programs %s %.1f of %d cores%s; timings may be off (c: per-core view) ",
	         l->live ? "are using" : "used", share * l->ncores, l->ncores,
	         !l->live && l->during < 0 ? " before the run" : "");
}

void tui_draw_run(struct tui *t)
{
	char title[64] = "";
	uint64_t version;
	static char panel[RUN_PANEL_LINES][RUN_PANEL_WIDTH];
	int npanel = run_panel_copy(t->run, panel, RUN_PANEL_LINES, title, sizeof(title), &version);
	const struct tui_layout *lo = &t->lo;
	struct run_load load;
	run_machine_load(t->run, &load);
	tui_run_layout(t, npanel, panel, load.busy);
	if (load.busy)
		tui_draw_busy(t, &load);

	int x = tui_draw_header(t);
	tui_draw_timeline(t);
	tui_draw_cursor_label(t, x);
	if (lo->output.w > 0)
		tui_draw_output(t, lo->output.y, lo->output.x, lo->output.h, lo->output.w);
	if (lo->panel.h > 0 && lo->panel.w > 0)
		tui_draw_panel(t, panel, npanel, title, &lo->panel);
	if (lo->stats.w > 0)
		tui_draw_stats(t, lo->stats.y, lo->stats.x, lo->stats.h, lo->stats.w);
	tui_draw_lesson(t, lo->lesson.y, lo->lesson.x, lo->lesson.h, lo->lesson.w);
	for (int i = 0; i < 2; i++)
		if (lo->sep[i] >= 0)
			tui_vline(t, lo->panes_y, lo->sep[i], lo->panes_h);
	tui_keybar(t, t->replay ? KEYS_REPLAY | KEYS_RUN : KEYS_RUN, lo->keybar.y, lo->keybar.w);
}

/* ---- the screens and overlays: each draws itself and takes its keys ---- */

static void run_screen_key(struct tui *t, int ch)
{
	tui_keys_dispatch(t, t->replay ? KEYS_REPLAY | KEYS_RUN : KEYS_RUN, ch);
}

/* The help closes on any key; on the run screen q also quits. */
static void help_key(struct tui *t, int ch)
{
	if (tui_help_scroll(t, ch))
		return;
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
	refresh();
}
