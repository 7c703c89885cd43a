/*
 * screens.c: a whole frame: the run screen (header, timeline, panes, key
 * bar), the menu, or the too-small message, then the corner boxes.
 */
#include "tui_int.h"

void tui_draw_run(struct tui *t)
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
