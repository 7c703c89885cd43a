/*
 * overlays.c: boxes drawn over a screen: the help and a task's detail.
 */
#include "tui_int.h"

#define TUI_DETAIL_MARGIN_X 4 /* the detail box, inset from the screen */
#define TUI_DETAIL_MARGIN_Y 3

void tui_draw_detail(struct tui *t)
{
	int w = COLS, h = LINES;
	if (t->model == NULL)
		return;
	int ti = tui_selected_task(t);
	if (ti < 0)
		return;
	int x0 = TUI_DETAIL_MARGIN_X, y0 = TUI_DETAIL_MARGIN_Y;
	int bw = w - 2 * x0, bh = h - 2 * y0;
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

#define TUI_HELP_W 76       /* the help box's width on a wide screen */
#define TUI_HELP_NAME_W 15  /* its key column */
#define TUI_DETAIL_PAGE 10  /* spans a PgUp or PgDn scrolls */

void tui_detail_scroll(struct tui *t, int ch)
{
	if (ch == 'j' || ch == KEY_DOWN)
		t->detail_scroll++;
	else if (ch == 'k' || ch == KEY_UP)
		t->detail_scroll--;
	else if (ch == KEY_NPAGE)
		t->detail_scroll += TUI_DETAIL_PAGE;
	else if (ch == KEY_PPAGE)
		t->detail_scroll -= TUI_DETAIL_PAGE;
}

/* The keys of the screen it was opened on, from the key table; the note on
 * glyphs when it fits. */
void tui_draw_help(struct tui *t)
{
	int w = COLS, h = LINES;
	static const char *const glyphs[] = {
	    "glyphs: each state has its own glyph, so colour is never needed;",
	    "a cell partly spent running shows that share as a lower block, in",
	    "eighths, over the colour of the rest (UTF-8 terminals).",
	};
	enum { NGLYPHS = sizeof(glyphs) / sizeof(glyphs[0]), MAXK = 64 };
	const struct tui_key *keys[MAXK];
	unsigned where = t->screen == SCREEN_MENU ? KEYS_MENU | KEYS_PARAMS
	                 : t->replay              ? KEYS_REPLAY | KEYS_RUN
	                                          : KEYS_RUN;
	int nk = (int)tui_keys_help(where, keys, MAXK);
	int with_glyphs = nk + NGLYPHS + 2 + 3 <= h; /* blank lines, the box's title and margins */
	int n = nk + 2 + (with_glyphs ? NGLYPHS + 1 : 0);
	int bw = w > TUI_HELP_W + 8 ? TUI_HELP_W : w - 4, bh = n + 3;
	int x0 = (w - bw) / 2, y0 = (h - bh) / 2;
	if (y0 < 0)
		y0 = 0;
	for (int y = 0; y < bh; y++)
		tui_fill(y0 + y, x0, bw, A_NORMAL);
	tui_fill(y0, x0, bw, A_REVERSE);
	tui_put(y0, x0, bw, " help: every key", A_REVERSE | A_BOLD);
	int y = y0 + 2;
	for (int i = 0; i < nk; i++)
		tui_putf(y++, x0 + 2, bw - 4, A_NORMAL, "%-*s %s", TUI_HELP_NAME_W, keys[i]->name,
		         keys[i]->note);
	y++;
	for (int i = 0; with_glyphs && i < NGLYPHS; i++)
		tui_put(y++, x0 + 2, bw - 4, glyphs[i], A_NORMAL);
	if (with_glyphs)
		y++;
	tui_put(y, x0 + 2, bw - 4, "press any key to close", A_NORMAL);
}
