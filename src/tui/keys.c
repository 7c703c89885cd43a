/*
 * keys.c: keys of the run screen, and reading the keyboard.
 */
#include "tui_int.h"

/* ---- input ---- */

void tui_quit(struct tui *t)
{
	t->quit = 1;
	uv_stop(&t->loop);
}


static void tui_run_key(struct tui *t, int ch)
{
	if (t->overlay == OVERLAY_HELP) {
		t->overlay = OVERLAY_NONE;
		if (ch == 'q')
			tui_quit(t);
		return;
	}
	if (t->overlay == OVERLAY_DETAIL) {
		if (ch == 'j' || ch == KEY_DOWN)
			t->detail_scroll++;
		else if (ch == 'k' || ch == KEY_UP)
			t->detail_scroll--;
		else if (ch == KEY_NPAGE)
			t->detail_scroll += 10;
		else if (ch == KEY_PPAGE)
			t->detail_scroll -= 10;
		else if (ch == 'q')
			tui_quit(t);
		else
			t->overlay = OVERLAY_NONE;
		return;
	}
	if (t->replay && tui_replay_key(t, ch))
		return;
	int ncols = t->vp.ncols > 0 ? t->vp.ncols : 1;
	switch (ch) {
	case 'q':
		tui_quit(t);
		break;
	case '?':
		t->overlay = OVERLAY_HELP;
		break;
	case 27:
		if (t->open_group >= 0) {
			t->open_group = -1;
			t->sel = 0;
		} else {
			tui_request(t, ACTION_MENU);
		}
		break;
	case 'r':
		tui_request(t, ACTION_RERUN);
		break;
	case 't':
		t->theme = (t->theme + 1) % TUI_THEME_COUNT;
		tui_colors_apply(t);
		break;
	case ' ':
		t->follow = t->live ? !t->follow : 0;
		break;
	case KEY_LEFT:
	case 'h': {
		uint64_t step = t->vp.dt * (uint64_t)(ncols / 8 > 0 ? ncols / 8 : 1);
		t->vp.t0 = t->vp.t0 > t->vp.origin + step ? t->vp.t0 - step : t->vp.origin;
		t->follow = 0;
		break;
	}
	case KEY_RIGHT:
	case 'l':
		t->vp.t0 += t->vp.dt * (uint64_t)(ncols / 8 > 0 ? ncols / 8 : 1);
		t->follow = 0;
		break;
	case '+':
	case '=':
		view_zoom(&t->vp, 0.5, t->cursor);
		t->follow = 0;
		break;
	case '-':
	case '_':
		view_zoom(&t->vp, 2.0, t->cursor);
		t->follow = 0;
		break;
	case '0':
		view_fit(&t->vp, t->vp.origin, tui_run_end(t), ncols);
		t->follow = t->live;
		break;
	case '<':
	case ',':
		if (t->cursor > 0)
			t->cursor--;
		t->follow = 0;
		break;
	case '>':
	case '.':
		if (t->cursor + 1 < ncols)
			t->cursor++;
		t->follow = 0;
		break;
	case '\t':
		t->pane = (t->pane + 1) % PANE_COUNT;
		break;
	case KEY_BTAB:
		t->pane = (t->pane + PANE_COUNT - 1) % PANE_COUNT;
		break;
	case KEY_UP:
	case 'k':
		if (t->pane == PANE_TIMELINE) {
			if (t->sel > 0)
				t->sel--;
		} else {
			t->scroll[t->pane] += t->pane == PANE_OUTPUT ? 1 : -1;
		}
		break;
	case KEY_DOWN:
	case 'j':
		if (t->pane == PANE_TIMELINE) {
			if ((size_t)t->sel + 1 < t->nlanes)
				t->sel++;
		} else {
			t->scroll[t->pane] += t->pane == PANE_OUTPUT ? -1 : 1;
			if (t->scroll[t->pane] < 0)
				t->scroll[t->pane] = 0;
		}
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (t->sel >= 0 && (size_t)t->sel < t->nlanes) {
			if (t->lanes[t->sel].is_group) {
				t->open_group = (int)t->lanes[t->sel].index;
				t->sel = 0;
				t->lane_top = 0;
			} else {
				uint64_t tc = t->vp.t0 + (uint64_t)t->cursor * t->vp.dt;
				size_t k = model_span_find(t->model, t->lanes[t->sel].index, tc);
				t->detail_scroll = k < model_span_count(t->model, t->lanes[t->sel].index) ? (int)k : 0;
				t->overlay = OVERLAY_DETAIL;
			}
		}
		break;
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) != OK)
			break;
		int row = tui_layout_lane_at(&t->lo, me.y);
		int li = t->lane_top + row;
		if (row >= 0 && (size_t)li < t->nlanes) {
			t->sel = li;
			t->pane = PANE_TIMELINE;
			int c = tui_layout_col_at(&t->lo, me.x);
			if (c >= 0) {
				t->cursor = c;
				t->follow = 0;
			}
		}
		break;
	}
	default:
		break;
	}
}

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
		if (t->screen == SCREEN_MENU) {
			if (t->overlay == OVERLAY_HELP) {
				t->overlay = OVERLAY_NONE;
				continue;
			}
			tui_menu_key(t, ch);
		} else {
			tui_run_key(t, ch);
		}
		if (t->quit)
			return;
	}
	tui_draw(t);
}
