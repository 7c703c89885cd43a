/*
 * menu.c: the menu: every demo, its description and parameters, a filter;
 * its drawing and its keys.
 */
#include "tui_int.h"

#include "pace.h"

#define MENU_SPEED_HELP "slow motion of the real run; figures stay in lesson time"
#define MENU_SPEED_ALLOWED "0.01..1, e.g. 0.25, 1/4 or 25%"

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

/* The menu's rows: the lists start at MENU_TOP; counted from the bottom,
 * the key bar, the message line, the filter or edit line. */
enum {
	MENU_LIST_PCT = 36,     /* of the width, the list of demos, at least */
	MENU_DESC_MIN_W = 50,   /* columns left to the selected demo, when the list can spare them */
	MENU_ITEM_EXTRA = 8,    /* an item's margins, '/' and the gap before its summary */
	MENU_TOP = 2,
	MENU_MSG_UP = 2,
	MENU_INPUT_UP = 3,
	MENU_SCROLL_MARGIN = 2, /* rows kept under the selection while the list can scroll */
	MENU_DESC_UP = 10,     /* the description stops this far from the bottom */
	MENU_PARAMS_UP = 4,    /* and the parameters this far */
	MENU_DESC_LINES = 60,
};

/* Rows of the list before item k: the items and their modules' titles. */
static int menu_row_of(const struct tui *t, int k)
{
	int row = 0;
	const struct demo_module *last = NULL;
	for (int i = 0; i <= k && i < t->nshown; i++) {
		const struct demo_module *mod = t->items[t->shown[i]].mod;
		row += mod != last ? 2 : 1;
		last = mod;
	}
	return row - 1;
}

/* Every demo that passes the filter, under its module's title, scrolled so
 * that the selected one is on screen. */
static void menu_draw_list(struct tui *t, int lw, int h)
{
	int y = MENU_TOP, rows = h - MENU_INPUT_UP - MENU_TOP;
	const struct demo_module *last = NULL;
	/* Drawing from item top puts its module's title first, then the items:
	 * the selection lands on row row_of(msel) - row_of(top) + 1. */
	int sel_row = menu_row_of(t, t->msel), room = rows - 1 - MENU_SCROLL_MARGIN;
	int top = 0;
	while (top < t->msel && sel_row - menu_row_of(t, top) + 1 > room)
		top++;
	for (int k = top; k < t->nshown && y < h - MENU_INPUT_UP; k++) {
		const struct menu_item *it = &t->items[t->shown[k]];
		if (it->mod != last) {
			tui_put(y++, 1, lw - 1, it->mod->title ? it->mod->title : it->mod->name, A_BOLD | A_UNDERLINE);
			last = it->mod;
			if (y >= h - MENU_INPUT_UP)
				break;
		}
		attr_t a = k == t->msel ? (t->mparam < 0 ? A_REVERSE : A_BOLD) : A_NORMAL;
		tui_fill(y, 1, lw - 1, a);
		int x = tui_putf(y, 1, lw - 1, a, "  %s/%s  ", it->mod->name, it->demo->name);
		tui_put(y++, 1 + x, lw - 1 - x, it->demo->summary ? it->demo->summary : "", a | tui_dim(t));
	}
	if (t->nshown == 0)
		tui_put(MENU_TOP, 1, lw - 1, "(no demo matches the filter)", tui_dim(t));
	if (t->filtering || t->filter[0])
		tui_putf(h - MENU_INPUT_UP, 1, lw - 1, t->filtering ? A_BOLD : tui_dim(t), "/%s%s", t->filter,
		         t->filtering ? "_" : "");
}

/* The list's width: its longest line, leaving MENU_DESC_MIN_W columns to
 * the selected demo, and at least MENU_LIST_PCT of the screen. */
static int menu_list_width(const struct tui *t, int w)
{
	int lw = w * MENU_LIST_PCT / 100, max = w - MENU_DESC_MIN_W;
	for (size_t i = 0; i < t->nitems; i++) {
		const struct menu_item *it = &t->items[i];
		int l = (int)(strlen(it->mod->name) + strlen(it->demo->name) +
		              (it->demo->summary ? strlen(it->demo->summary) : 0)) + MENU_ITEM_EXTRA;
		if (l > lw)
			lw = l;
	}
	return lw < max ? lw : max > w * MENU_LIST_PCT / 100 ? max : w * MENU_LIST_PCT / 100;
}

/* The selected demo: its description and parameters, the one being edited. */
static void menu_draw_demo(struct tui *t, const struct menu_item *it, int x0, int rw, int h)
{
	static char lines[MENU_DESC_LINES][TUI_LINE_MAX];
	struct wrap_out o = {lines, 0, MENU_DESC_LINES};
	int y = MENU_TOP;
	tui_putf(y++, x0, rw, A_BOLD, "%s/%s", it->mod->name, it->demo->name);
	tui_put(y++, x0, rw, it->demo->summary ? it->demo->summary : "", A_NORMAL);
	y++;
	tui_wrap(it->demo->description ? it->demo->description : "", rw, &o);
	for (int i = 0; i < o.n && y < h - MENU_DESC_UP; i++)
		tui_put(y++, x0, rw, lines[i], A_NORMAL);
	y++;
	tui_put(y++, x0, rw, "parameters (p to edit, Enter to run):", A_BOLD);
	for (size_t i = 0; i < it->params.n && y < h - MENU_PARAMS_UP; i++) {
		const struct param_spec *ps = &it->params.spec[i];
		char val[64], allowed[128];
		params_format(&it->params, i, val, sizeof(val));
		params_allowed(ps, allowed, sizeof(allowed));
		attr_t a = t->mparam == (int)i ? A_REVERSE : A_NORMAL;
		tui_fill(y, x0, rw, a);
		tui_putf(y++, x0, rw, a, "  %-14s %-8s %s  (%s)", ps->name, val, ps->help ? ps->help : "",
		         allowed);
	}
	/* The speed of the run, after the demo's own parameters (every demo has it). */
	if (y < h - MENU_PARAMS_UP) {
		char val[16];
		tui_format_speed(t->speed, val, sizeof(val));
		attr_t a = t->mparam == (int)it->params.n ? A_REVERSE : A_NORMAL;
		tui_fill(y, x0, rw, a);
		tui_putf(y++, x0, rw, a, "  %-14s %-8s %s  (%s)", "speed", val, MENU_SPEED_HELP,
		         MENU_SPEED_ALLOWED);
	}
	if (t->editing) {
		char allowed[128];
		int is_speed = t->mparam == (int)it->params.n;
		if (!is_speed)
			params_allowed(&it->params.spec[t->mparam], allowed, sizeof(allowed));
		tui_putf(h - MENU_INPUT_UP, x0, rw, A_BOLD, "%s (%s) = %s_",
		         is_speed ? "speed" : it->params.spec[t->mparam].name,
		         is_speed ? MENU_SPEED_ALLOWED : allowed, t->edit);
	}
}

void tui_draw_menu(struct tui *t)
{
	int w = COLS, h = LINES;
	int lw = menu_list_width(t, w);
	tui_fill(0, 0, w, A_REVERSE);
	tui_put(0, 0, w, " simul  concurrency you can watch: pick a demo", A_REVERSE | A_BOLD);
	menu_draw_list(t, lw, h);
	tui_vline(t, 1, lw, h - 2);
	if (t->nshown > 0)
		menu_draw_demo(t, &t->items[t->shown[t->msel]], lw + 1, w - lw - 2, h);
	if (t->msg[0])
		tui_put(h - MENU_MSG_UP, 1, w - 2, t->msg, A_BOLD);
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
		double v;
		if (t->mparam == (int)it->params.n) {
			if (pace_speed_parse(t->edit, &v) != 0)
				snprintf(t->msg, sizeof(t->msg), "speed '%s': expected %s", t->edit, MENU_SPEED_ALLOWED);
			else {
				t->speed = v;
				t->editing = 0;
			}
		} else if (params_set(&it->params, it->params.spec[t->mparam].name, t->edit, err, sizeof(err)) != 0)
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
	if (it != NULL) /* there is always the speed */
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
		if (t->mparam >= 0 && it != NULL && (size_t)t->mparam < it->params.n)
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
		if (t->mparam == (int)it->params.n)
			tui_format_speed(t->speed, t->edit, sizeof(t->edit));
		else
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

/* The menu: every demo, with its own copy of the parameters; the demo of
 * `first` (the command line's) selected, with its parameters. */
int tui_menu_init(struct tui *t, const struct run *first)
{
	const struct demo_module *const *mods;
	size_t nm = registry_modules(&mods);
	for (size_t i = 0; i < nm; i++)
		t->nitems += mods[i]->ndemos;
	t->items = xcalloc(t->nitems ? t->nitems : 1, sizeof(*t->items));
	t->shown = xcalloc(t->nitems ? t->nitems : 1, sizeof(*t->shown));
	size_t k = 0;
	for (size_t i = 0; i < nm; i++)
		for (size_t j = 0; j < mods[i]->ndemos; j++, k++) {
			const struct demo *d = &mods[i]->demos[j];
			t->items[k].mod = mods[i];
			t->items[k].demo = d;
			if (first->demo == d) {
				t->items[k].params = first->params;
				t->item = (int)k;
				t->msel = (int)k;
			} else {
				params_init(&t->items[k].params, d->params, d->nparams);
			}
		}
	tui_menu_filter(t);
	return 0;
}
