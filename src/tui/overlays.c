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
	tui_putf(y0, x0, bw, A_REVERSE | A_BOLD, " %s  (%s, pid %d, tid %d%s%s)  %zu spans   j/k scroll, Esc close",
	         mt->name, kind_name(mt->kind), mt->pid, mt->tid, mt->end_ns ? ", " : "",
	         mt->end_ns ? end_name(mt->end_how) : "", ns);
	/* columns by position, not printf widths: "µs" is two bytes but one column */
	static const int col[] = {1, 14, 27, 38, 44};
	static const char *const head[] = {"start", "duration", "state", "core", "why"};
	for (int c = 0; c < 5; c++)
		tui_put(y0 + 1, x0 + col[c], bw - col[c], head[c], A_BOLD);
	int rows = bh - 2;
	tui_clamp_scroll(&t->detail_scroll, (int)ns, rows);
	for (int r = 0; r < rows && (size_t)(t->detail_scroll + r) < ns; r++) {
		struct model_span sp;
		char a[64], b[64], core[16] = "";
		int y = y0 + 2 + r;
		if (model_span_get(t->model, (size_t)ti, (size_t)(t->detail_scroll + r), &sp) != 0)
			break;
		view_format_time(&t->vp, sp.start_ns, t->ascii, a, sizeof(a));
		view_format_duration(sp.end_ns > sp.start_ns ? sp.end_ns - sp.start_ns : 0, t->ascii, b, sizeof(b));
		if (sp.core >= 0)
			snprintf(core, sizeof(core), "%d", sp.core);
		tui_put(y, x0 + col[0], col[1] - col[0] - 1, a, A_NORMAL);
		tui_put(y, x0 + col[1], col[2] - col[1] - 1, b, A_NORMAL);
		tui_put(y, x0 + col[2], col[3] - col[2] - 1, state_name(sp.state), tui_state_attr(t, sp.state));
		tui_put(y, x0 + col[3], col[4] - col[3] - 1, core, A_NORMAL);
		tui_put(y, x0 + col[4], bw - col[4], sp.reason, A_NORMAL);
	}
}

#define TUI_HELP_W 90        /* the help box's width on a wide screen */
#define TUI_HELP_NAME_W 15   /* its key column */
#define TUI_DETAIL_PAGE 10   /* spans a PgUp or PgDn scrolls */
#define TUI_HELP_MARGIN 2    /* the help box's distance from the screen's edges */

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

/* Add one key entry to the help's lines. */
static void help_key_line(char (*lines)[TUI_LINE_MAX], int *n, int max, const struct tui_key *k)
{
	tui_line(lines, n, max, "  %-*s %s", TUI_HELP_NAME_W, k->name, k->note);
}

int tui_help_lines(unsigned where, int ascii, char (*lines)[TUI_LINE_MAX], int max)
{
	const struct tui_key *keys[64];
	int n = 0;
	size_t nk = tui_keys_help(where, keys, 64);
	tui_line(lines, &n, max, "keys here:");
	for (size_t i = 0; i < nk; i++)
		help_key_line(lines, &n, max, keys[i]);
	if ((where & KEYS_RUN) && !(where & KEYS_REPLAY)) {
		tui_line(lines, &n, max, "in a replay (simul --replay FILE), also:");
		for (size_t i = 0; i < tui_nkeys; i++)
			if (tui_keys[i].where == KEYS_REPLAY)
				help_key_line(lines, &n, max, &tui_keys[i]);
	}
	if (where & KEYS_RUN) {
		tui_line(lines, &n, max, "on the lanes (the glyphs tell the states apart without colour):");
		for (int s = 0; s < STATE_COUNT; s++)
			if (s != STATE_DONE)
				tui_line(lines, &n, max, "  %s  %-9s %s", state_glyph((enum state)s, ascii),
				         state_name((enum state)s), state_help((enum state)s));
		tui_line(lines, &n, max, "  g l  a shorter GIL or lock wait in a cell another state won");
		if (!ascii)
			tui_line(lines, &n, max, "  \u2581\u2584\u2587  running for that share of the cell");
		tui_line(lines, &n, max, "  %s    printed a line (2-9: that many in one cell, +: more)", ascii ? "*" : "\u2022");
		tui_line(lines, &n, max, "  %s    woken by another task, after a wait of a cell or more (zoom in: shorter)",
		         ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH);
		tui_line(lines, &n, max, "  %s    after its last cell: %s", end_glyph(TASK_END_CANCELLED, ascii),
		         end_help(TASK_END_CANCELLED));
		tui_line(lines, &n, max, "why: at the cursor, the selected lane's wait and what it waits for;");
		tui_line(lines, &n, max, "     on a %s, who woke it and doing what", ascii ? VIEW_WAKE_ASCII : VIEW_WAKE_GLYPH);
	}
	return n;
}

/* A box with a frame and a title, cleared inside. */
static void tui_box(const struct tui *t, int y0, int x0, int bh, int bw, const char *title)
{
	for (int y = y0; y < y0 + bh; y++)
		tui_fill(y, x0, bw, A_NORMAL);
	if (t->ascii) {
		for (int x = x0; x < x0 + bw; x++) {
			mvaddch(y0, x, '-');
			mvaddch(y0 + bh - 1, x, '-');
		}
		for (int y = y0; y < y0 + bh; y++) {
			mvaddch(y, x0, y == y0 || y == y0 + bh - 1 ? '+' : '|');
			mvaddch(y, x0 + bw - 1, y == y0 || y == y0 + bh - 1 ? '+' : '|');
		}
	} else {
		mvwhline(stdscr, y0, x0 + 1, ACS_HLINE, bw - 2);
		mvwhline(stdscr, y0 + bh - 1, x0 + 1, ACS_HLINE, bw - 2);
		mvwvline(stdscr, y0 + 1, x0, ACS_VLINE, bh - 2);
		mvwvline(stdscr, y0 + 1, x0 + bw - 1, ACS_VLINE, bh - 2);
		mvaddch(y0, x0, ACS_ULCORNER);
		mvaddch(y0, x0 + bw - 1, ACS_URCORNER);
		mvaddch(y0 + bh - 1, x0, ACS_LLCORNER);
		mvaddch(y0 + bh - 1, x0 + bw - 1, ACS_LRCORNER);
	}
	tui_putf(y0, x0 + 2, bw - 4, A_BOLD, " %s ", title);
}

static unsigned tui_help_where(const struct tui *t)
{
	return t->screen == SCREEN_MENU ? KEYS_MENU | KEYS_PARAMS : t->replay ? KEYS_REPLAY | KEYS_RUN : KEYS_RUN;
}

/* The keys of the screen it was opened on, from the key table, a
 * replay's, and what the lanes show; in a framed box that scrolls when it
 * does not fit. */
void tui_draw_help(struct tui *t)
{
	enum { MAXL = 96, MAXW = 200 };
	static char raw[MAXL][TUI_LINE_MAX], lines[MAXW][TUI_LINE_MAX];
	int nraw = tui_help_lines(tui_help_where(t), t->ascii, raw, MAXL);
	int bw = COLS - 2 * TUI_HELP_MARGIN < TUI_HELP_W ? COLS - 2 * TUI_HELP_MARGIN : TUI_HELP_W;
	struct wrap_out o = {lines, 0, MAXW};
	for (int i = 0; i < nraw; i++) /* notes wrap under their own column */
		tui_wrap_indent(raw[i], bw - 4, raw[i][0] == ' ' ? TUI_HELP_NAME_W + 3 : 2, &o);
	int n = o.n;
	int bh = n + 4 < LINES - 2 ? n + 4 : LINES - 2; /* frame, lines, a blank, the foot */
	int rows = bh - 4, x0 = (COLS - bw) / 2, y0 = (LINES - bh) / 2;
	t->help_rows = rows;
	tui_clamp_scroll(&t->help_scroll, n, rows);
	tui_box(t, y0, x0, bh, bw, "help: every key");
	for (int r = 0; r < rows && t->help_scroll + r < n; r++) {
		const char *l = lines[t->help_scroll + r];
		tui_put(y0 + 1 + r, x0 + 2, bw - 4, l, l[0] != ' ' ? A_BOLD : A_NORMAL);
	}
	tui_putf(y0 + bh - 2, x0 + 2, bw - 4, A_NORMAL, "%s%s",
	         n > rows ? (t->ascii ? "j/k scroll (more below/above); " : "\u2191\u2193 j/k scroll; ") : "",
	         t->screen == SCREEN_RUN ? "q quits; any other key closes" : "any key closes");
}

/* Help: Up/Down/j/k and PgUp/PgDn scroll it when it does not fit; q quits
 * on the run screen; any other key closes it. */
int tui_help_scroll(struct tui *t, int ch)
{
	int page = t->help_rows > 1 ? t->help_rows - 1 : 1;
	int d = ch == 'j' || ch == KEY_DOWN ? 1 : ch == 'k' || ch == KEY_UP ? -1 : ch == KEY_NPAGE ? page
	        : ch == KEY_PPAGE                                            ? -page
	                                                                     : 0;
	if (d == 0)
		return 0;
	t->help_scroll += d;
	return 1;
}
