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
	x += tui_putf(0, x, w - x, A_REVERSE, " %s %s  %s", status, a,
	              t->live ? (t->follow ? "[following]" : "[PAUSED view]") : "");
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
	tui_keybar(lo->keybar.y, lo->keybar.w,
	           t->ascii ? " Space pause  h/l pan  +/- zoom  0 fit  j/k task  Enter detail  Tab pane"
	                      "  r rerun  t theme  ? help  Esc back  q quit"
	                    : " Space pause  \u2190\u2192 pan  +/- zoom  0 fit  \u2191\u2193 task  Enter detail"
	                      "  Tab pane  r rerun  t theme  ? help  Esc back  q quit");
	if (t->overlay == OVERLAY_DETAIL)
		tui_draw_detail(t, COLS, LINES);
	else if (t->overlay == OVERLAY_HELP)
		tui_draw_help(COLS, LINES);
}

void tui_draw(struct tui *t)
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
