/*
 * overlays.c: boxes drawn over a screen: the help and a task's detail.
 */
#include "tui_int.h"

void tui_draw_detail(struct tui *t, int w, int h)
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

void tui_draw_help(int w, int h)
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
