/*
 * menu.c: the menu: every demo, its description and parameters, a filter;
 * its drawing and its keys.
 */
#include "tui_int.h"

/* ---- menu ---- */

void tui_menu_filter(struct tui *t)
{
	t->nshown = 0;
	for (size_t i = 0; i < t->nitems; i++) {
		char full[128];
		snprintf(full, sizeof(full), "%s/%s %s", t->items[i].mod->name, t->items[i].demo->name,
		         t->items[i].demo->summary ? t->items[i].demo->summary : "");
		if (t->filter[0] == '\0' || strcasestr(full, t->filter) != NULL)
			t->shown[t->nshown++] = (int)i;
	}
	if (t->msel >= t->nshown)
		t->msel = t->nshown - 1;
	if (t->msel < 0)
		t->msel = 0;
}

void tui_draw_menu(struct tui *t)
{
	int w = COLS, h = LINES;
	int lw = w * 36 / 100;
	tui_fill(0, 0, w, A_REVERSE);
	tui_put(0, 0, w, " simul  concurrency you can watch: pick a demo", A_REVERSE | A_BOLD);
	int y = 2;
	const struct demo_module *last = NULL;
	int top = 0;
	if (t->msel > h - 8)
		top = t->msel - (h - 8);
	for (int k = top; k < t->nshown && y < h - 3; k++) {
		const struct menu_item *it = &t->items[t->shown[k]];
		if (it->mod != last) {
			tui_put(y++, 1, lw - 1, it->mod->title ? it->mod->title : it->mod->name, A_BOLD | A_UNDERLINE);
			last = it->mod;
			if (y >= h - 3)
				break;
		}
		attr_t a = k == t->msel ? (t->mparam < 0 ? A_REVERSE : A_BOLD) : A_NORMAL;
		tui_fill(y, 1, lw - 1, a);
		int x = tui_putf(y, 1, lw - 1, a, "  %s/%s  ", it->mod->name, it->demo->name);
		tui_put(y++, 1 + x, lw - 1 - x, it->demo->summary ? it->demo->summary : "", a | A_DIM);
	}
	if (t->nshown == 0)
		tui_put(2, 1, lw - 1, "(no demo matches the filter)", A_DIM);
	if (t->filtering || t->filter[0])
		tui_putf(h - 3, 1, lw - 1, t->filtering ? A_BOLD : A_DIM, "/%s%s", t->filter,
		         t->filtering ? "_" : "");

	int x0 = lw + 1, rw = w - x0 - 1;
	for (int yy = 1; yy < h - 1; yy++)
		mvaddstr(yy, lw, t->ascii ? "|" : "\u2502");
	if (t->nshown > 0) {
		struct menu_item *it = &t->items[t->shown[t->msel]];
		enum { MAXL = 60 };
		static char lines[MAXL][256];
		struct wrap_out o = {lines, 0, MAXL};
		y = 2;
		tui_putf(y++, x0, rw, A_BOLD, "%s/%s", it->mod->name, it->demo->name);
		tui_put(y++, x0, rw, it->demo->summary ? it->demo->summary : "", A_NORMAL);
		y++;
		tui_wrap(it->demo->description ? it->demo->description : "", rw, &o);
		for (int i = 0; i < o.n && y < h - 10; i++)
			tui_put(y++, x0, rw, lines[i], A_NORMAL);
		y++;
		tui_put(y++, x0, rw, "parameters (p to edit, Enter to run):", A_BOLD);
		for (size_t i = 0; i < it->params.n && y < h - 4; i++) {
			const struct param_spec *ps = &it->params.spec[i];
			char val[64], allowed[128];
			params_format(&it->params, i, val, sizeof(val));
			params_allowed(ps, allowed, sizeof(allowed));
			attr_t a = t->mparam == (int)i ? A_REVERSE : A_NORMAL;
			tui_fill(y, x0, rw, a);
			tui_putf(y++, x0, rw, a, "  %-14s %-8s %s  (%s)", ps->name, val, ps->help ? ps->help : "",
			         allowed);
		}
		if (it->params.n == 0)
			tui_put(y++, x0, rw, "  (none)", A_DIM);
		if (t->editing) {
			char allowed[128];
			params_allowed(&it->params.spec[t->mparam], allowed, sizeof(allowed));
			tui_putf(h - 3, x0, rw, A_BOLD, "%s (%s) = %s_", it->params.spec[t->mparam].name, allowed,
			         t->edit);
		}
	}
	if (t->msg[0])
		tui_put(h - 2, 1, w - 2, t->msg, A_BOLD);
	tui_keybar(t, t->mparam >= 0 ? KEYS_PARAMS : KEYS_MENU, h - 1, w);
}


static struct menu_item *menu_current(struct tui *t)
{
	return t->nshown > 0 ? &t->items[t->shown[t->msel]] : NULL;
}

static int is_enter(int ch)
{
	return ch == '\n' || ch == '\r' || ch == KEY_ENTER;
}

static int is_erase(int ch)
{
	return ch == KEY_BACKSPACE || ch == TUI_KEY_DEL || ch == TUI_KEY_CTRL_H;
}

static int is_printable(int ch)
{
	return ch >= ' ' && ch < TUI_KEY_DEL;
}

/* Typing the filter: Enter keeps it, Esc clears it. */
static void menu_filter_key(struct tui *t, int ch)
{
	size_t l = strlen(t->filter);
	if (is_enter(ch) || ch == TUI_KEY_ESC)
		t->filtering = 0;
	else if (is_erase(ch) && l > 0)
		t->filter[l - 1] = '\0';
	else if (is_printable(ch) && l + 1 < sizeof(t->filter)) {
		t->filter[l] = (char)ch;
		t->filter[l + 1] = '\0';
	}
	if (ch == TUI_KEY_ESC)
		t->filter[0] = '\0';
	tui_menu_filter(t);
}

/* Typing a parameter's value: Enter sets it (or says what is allowed), Esc
 * gives up. */
static void menu_edit_key(struct tui *t, int ch)
{
	struct menu_item *it = menu_current(t);
	size_t l = strlen(t->edit);
	if (ch == TUI_KEY_ESC) {
		t->editing = 0;
	} else if (is_enter(ch)) {
		char err[256];
		if (params_set(&it->params, it->params.spec[t->mparam].name, t->edit, err, sizeof(err)) != 0)
			snprintf(t->msg, sizeof(t->msg), "%s", err);
		else
			t->editing = 0;
	} else if (is_erase(ch) && l > 0) {
		t->edit[l - 1] = '\0';
	} else if (is_printable(ch) && l + 1 < sizeof(t->edit)) {
		t->edit[l] = (char)ch;
		t->edit[l + 1] = '\0';
	}
}

void tui_menu_filter_start(struct tui *t, int ch)
{
	t->filtering = 1;
	t->mparam = -1;
}

void tui_menu_back(struct tui *t, int ch)
{
	t->mparam = -1;
}

void tui_menu_params(struct tui *t, int ch)
{
	struct menu_item *it = menu_current(t);
	if (it != NULL && it->params.n > 0)
		t->mparam = t->mparam < 0 ? 0 : -1;
}

void tui_menu_updown(struct tui *t, int ch)
{
	struct menu_item *it = menu_current(t);
	if (ch == KEY_UP || ch == 'k') {
		if (t->mparam > 0)
			t->mparam--;
		else if (t->mparam < 0 && t->msel > 0)
			t->msel--;
	} else {
		if (t->mparam >= 0 && it != NULL && (size_t)t->mparam + 1 < it->params.n)
			t->mparam++;
		else if (t->mparam < 0 && t->msel + 1 < t->nshown)
			t->msel++;
	}
}

/* Enter: edit the selected parameter, or run the selected demo. */
void tui_menu_enter(struct tui *t, int ch)
{
	struct menu_item *it = menu_current(t);
	if (it == NULL)
		return;
	if (t->mparam >= 0) {
		t->editing = 1;
		params_format(&it->params, (size_t)t->mparam, t->edit, sizeof(t->edit));
		return;
	}
	t->item = t->shown[t->msel];
	t->run = tui_run_new(t, t->item);
	if (t->run == NULL || tui_run_start(t) != 0) {
		if (t->run != NULL) {
			run_destroy(t->run);
			free(t->run);
			t->run = NULL;
		}
		t->screen = SCREEN_MENU;
	}
}

void tui_menu_key(struct tui *t, int ch)
{
	t->msg[0] = '\0';
	if (t->filtering)
		menu_filter_key(t, ch);
	else if (t->editing)
		menu_edit_key(t, ch);
	else
		tui_keys_dispatch(t, t->mparam >= 0 ? KEYS_PARAMS : KEYS_MENU, ch);
}
