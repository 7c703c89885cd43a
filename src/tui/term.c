/*
 * term.c: the terminal: restoring it on a fatal signal, the colour themes,
 * and drawing clipped UTF-8 text, fills and the key bar.
 */
#include "tui_int.h"

#include <errno.h>
#include <limits.h>

#include "fatal.h"

/* ---- terminal safety ---- */

static struct termios tui_saved_tty;
static int tui_have_tty;

/* Leave the alternate screen, stop mouse reporting (every mode ncurses may
 * have asked for), show the cursor, reset the colours, put the saved
 * termios back: async-signal-safe, for dying in the middle of a frame. */
static void tui_term_restore(void)
{
	static const char reset[] = "\033[?1000l\033[?1002l\033[?1003l\033[?1006l\033[?1015l"
	                            "\033[?1049l\033[?25h\033[0m\r\n";
	int saved = errno;
	if (write(STDOUT_FILENO, reset, sizeof(reset) - 1) < 0) {
		/* nothing more can be done while dying */
	}
	if (tui_have_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_tty);
	errno = saved;
}

void tui_install_fatal(void)
{
	tui_have_tty = tcgetattr(STDIN_FILENO, &tui_saved_tty) == 0;
	/* fatal.c: every signal that ends simul gives the terminal back. */
	fatal_set_hook(tui_term_restore);
	/* Out of memory ends the process too: give the terminal back first. */
	xalloc_on_failure(tui_term_restore);
}

/* ---- themes ---- */

enum tui_theme { THEME_DARK, THEME_LIGHT, THEME_CONTRAST, THEME_CB };

static const char *const theme_names[TUI_THEME_COUNT] = {
    [THEME_DARK] = "dark", [THEME_LIGHT] = "light", [THEME_CONTRAST] = "contrast", [THEME_CB] = "cb"};

/* A state's colour in a 256-colour terminal and in an 8-colour one, each
 * stored plus one so that a state a theme forgot reads 0, "no colour",
 * which tests/test_tui.c catches (with every other rule on these tables). */
struct tui_color {
	short c256, c8;
};
#define C(c256, c8) {(short)((c256) + 1), (short)((c8) + 1)}

/* Foreground of each state per theme; the glyphs differ too, so colour is
 * never the only cue. Warm colours wait for a CPU or a turn (preempted
 * red, GIL orange, ready yellow), lock is magenta, a blocking call that
 * holds its thread deep pink (white in cb), I/O and sleep blue and cyan,
 * join and idle grey. With 256 colours every state has its own; with
 * 8, GIL still differs from preempted and running from every wait.
 * cb keeps to the Okabe-Ito palette (sky blue, vermillion, orange, yellow,
 * reddish purple, bluish green, blue), which stays apart under the common
 * colour-vision deficiencies; no theme puts green on red. */
static const struct tui_color theme_fg[TUI_THEME_COUNT][STATE_COUNT] = {
    [THEME_DARK] =
        {
            [STATE_RUNNING] = C(40, COLOR_GREEN),
            [STATE_PREEMPTED] = C(196, COLOR_RED),
            [STATE_READY] = C(222, COLOR_WHITE),
            [STATE_IO] = C(39, COLOR_BLUE),
            [STATE_SLEEP] = C(44, COLOR_CYAN),
            [STATE_BLOCKED] = C(197, COLOR_MAGENTA),
            [STATE_LOCK] = C(207, COLOR_MAGENTA),
            [STATE_GIL] = C(208, COLOR_YELLOW),
            [STATE_GIL_INFERRED] = C(215, COLOR_YELLOW), /* a GIL wait too: its glyph g */
            [STATE_JOIN] = C(252, COLOR_WHITE),
            [STATE_IDLE] = C(245, COLOR_WHITE),
            [STATE_DONE] = C(240, COLOR_WHITE),
        },
    [THEME_LIGHT] =
        {
            [STATE_RUNNING] = C(28, COLOR_GREEN),
            [STATE_PREEMPTED] = C(160, COLOR_RED),
            [STATE_READY] = C(136, COLOR_BLACK),
            [STATE_IO] = C(25, COLOR_BLUE),
            [STATE_SLEEP] = C(30, COLOR_CYAN),
            [STATE_BLOCKED] = C(161, COLOR_MAGENTA),
            [STATE_LOCK] = C(90, COLOR_CYAN),
            [STATE_GIL] = C(166, COLOR_MAGENTA),
            [STATE_GIL_INFERRED] = C(172, COLOR_MAGENTA), /* a GIL wait too: its glyph g */
            [STATE_JOIN] = C(238, COLOR_BLACK),
            [STATE_IDLE] = C(243, COLOR_BLACK),
            [STATE_DONE] = C(250, COLOR_BLACK),
        },
    [THEME_CONTRAST] =
        {
            [STATE_RUNNING] = C(46, COLOR_GREEN),
            [STATE_PREEMPTED] = C(196, COLOR_RED),
            [STATE_READY] = C(228, COLOR_WHITE),
            [STATE_IO] = C(51, COLOR_CYAN),
            [STATE_SLEEP] = C(147, COLOR_BLUE),
            [STATE_BLOCKED] = C(199, COLOR_MAGENTA),
            [STATE_LOCK] = C(201, COLOR_MAGENTA),
            [STATE_GIL] = C(208, COLOR_YELLOW),
            [STATE_GIL_INFERRED] = C(214, COLOR_YELLOW), /* a GIL wait too: its glyph g */
            [STATE_JOIN] = C(231, COLOR_WHITE),
            [STATE_IDLE] = C(250, COLOR_WHITE),
            [STATE_DONE] = C(244, COLOR_WHITE),
        },
    [THEME_CB] =
        {
            [STATE_RUNNING] = C(74, COLOR_BLUE),
            [STATE_PREEMPTED] = C(166, COLOR_RED),
            [STATE_READY] = C(221, COLOR_WHITE),
            [STATE_IO] = C(36, COLOR_CYAN),
            [STATE_SLEEP] = C(32, COLOR_WHITE),
            [STATE_BLOCKED] = C(231, COLOR_WHITE),
            [STATE_LOCK] = C(175, COLOR_MAGENTA),
            [STATE_GIL] = C(214, COLOR_YELLOW),
            [STATE_GIL_INFERRED] = C(178, COLOR_YELLOW), /* a GIL wait too: its glyph g */
            [STATE_JOIN] = C(252, COLOR_WHITE),
            [STATE_IDLE] = C(245, COLOR_WHITE),
            [STATE_DONE] = C(240, COLOR_WHITE),
        },
};

/* How a task ended, per theme: a finish draws nothing (DONE's colour); a
 * cancelled task's cross after its last cell has a colour no state has in
 * that theme with 256 colours (light purple on dark, deep violet on light,
 * orchid on contrast, the palest grey in cb, whose Okabe-Ito colours all
 * name states); with 8, red, which only preempted shares, a cell glyph
 * the cross never stands among. */
static const struct tui_color theme_end_fg[TUI_THEME_COUNT][TASK_END_COUNT] = {
    [THEME_DARK] = {[TASK_END_FINISHED] = C(240, COLOR_WHITE), [TASK_END_CANCELLED] = C(141, COLOR_RED)},
    [THEME_LIGHT] = {[TASK_END_FINISHED] = C(250, COLOR_BLACK), [TASK_END_CANCELLED] = C(55, COLOR_RED)},
    [THEME_CONTRAST] = {[TASK_END_FINISHED] = C(244, COLOR_WHITE), [TASK_END_CANCELLED] = C(213, COLOR_RED)},
    [THEME_CB] = {[TASK_END_FINISHED] = C(240, COLOR_WHITE), [TASK_END_CANCELLED] = C(255, COLOR_RED)},
};

/* Background (-1: the terminal's own) and plain text of each theme. */
static const short theme_bg[TUI_THEME_COUNT] = {
    [THEME_DARK] = -1, [THEME_LIGHT] = COLOR_WHITE, [THEME_CONTRAST] = COLOR_BLACK, [THEME_CB] = -1};
static const short theme_bg256[TUI_THEME_COUNT] = {
    [THEME_DARK] = -1, [THEME_LIGHT] = 231, [THEME_CONTRAST] = 16, [THEME_CB] = -1};
static const short theme_text[TUI_THEME_COUNT] = {
    [THEME_DARK] = COLOR_WHITE, [THEME_LIGHT] = COLOR_BLACK, [THEME_CONTRAST] = COLOR_WHITE,
    [THEME_CB] = COLOR_WHITE};

/* Lane names cycle through these. */
static const short task_fg[TUI_TASK_COLORS] = {COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA,
                                               COLOR_BLUE, COLOR_RED};

int tui_theme_from_name(const char *name)
{
	for (int i = 0; i < TUI_THEME_COUNT; i++)
		if (name != NULL && strcmp(name, theme_names[i]) == 0)
			return i;
	return -1;
}

const char *tui_theme_name(int theme)
{
	return theme >= 0 && theme < TUI_THEME_COUNT ? theme_names[theme] : "?";
}

short tui_theme_state_fg(int theme, enum state s, int colors256)
{
	return (short)((colors256 ? theme_fg[theme][s].c256 : theme_fg[theme][s].c8) - 1);
}

short tui_theme_end_fg(int theme, enum task_end e, int colors256)
{
	return (short)((colors256 ? theme_end_fg[theme][e].c256 : theme_end_fg[theme][e].c8) - 1);
}

void tui_colors_apply(struct tui *t)
{
	if (!t->color)
		return;
	int c256 = COLORS >= 256;
	short bg = c256 ? theme_bg256[t->theme] : theme_bg[t->theme];
	for (int s = 0; s < STATE_COUNT; s++)
		init_pair(PAIR_STATE(s), tui_theme_state_fg(t->theme, (enum state)s, c256), bg);
	for (int e = 0; e < TASK_END_COUNT; e++)
		init_pair(PAIR_END(e), tui_theme_end_fg(t->theme, (enum task_end)e, c256), bg);
	/* yellow does not read on the light theme's white */
	for (int i = 0; i < TUI_TASK_COLORS; i++)
		init_pair(PAIR_TASK(i),
		          t->theme == THEME_LIGHT && task_fg[i] == COLOR_YELLOW ? COLOR_BLACK : task_fg[i], bg);
	init_pair(PAIR_TEXT, theme_text[t->theme], bg);
	bkgd(COLOR_PAIR(PAIR_TEXT));
}

/* A state's colour; without colour, running is bold. The contrast theme
 * and the presenter layout make every state bold. */
attr_t tui_state_attr(const struct tui *t, enum state s)
{
	if (!t->color)
		return s == STATE_RUNNING ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(PAIR_STATE(s)) | (t->theme == THEME_CONTRAST || t->present ? A_BOLD : A_NORMAL);
}

/* An end's colour, bold: a cross that stands alone after a lane. */
attr_t tui_end_attr(const struct tui *t, enum task_end e)
{
	return A_BOLD | (t->color ? COLOR_PAIR(PAIR_END(e)) : A_NORMAL);
}

/* Secondary text: dim, except where dim washes out (the contrast theme,
 * the presenter layout on a projector). */
attr_t tui_dim(const struct tui *t)
{
	return t->theme == THEME_CONTRAST || t->present ? A_NORMAL : A_DIM;
}

/* ---- text helpers ---- */

/* Display columns of UTF-8 text (bytes when it does not decode). */
int tui_text_width(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0);
	if (n == (size_t)-1)
		return (int)strlen(s);
	int w = 0;
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	while (*s) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s, strlen(s), &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2)
			break;
		int cw = wcwidth(wc);
		w += cw > 0 ? cw : cw == 0 ? 0 : 1;
		s += k;
	}
	return w;
}

/* What curses would store for a character drawn in `attr` on stdscr (as
 * waddch renders it): the attributes of both `attr` and the background,
 * the colour of `attr`, else the background's. */
chtype tui_rendition(attr_t attr)
{
	chtype bg = getbkgd(stdscr);
	attr_t pair = attr & A_COLOR ? attr & A_COLOR : bg & A_COLOR;
	return (attr & A_ATTRIBUTES & ~A_COLOR) | (bg & A_ATTRIBUTES & ~A_COLOR) | pair;
}

/* n printable ASCII characters at (y, x) in rendition r, stored in one
 * call (the cursor stays): curses' character-at-a-time path decodes each
 * byte as part of a possible multibyte character, which made the panes'
 * text a large part of a frame. */
static void tui_put_ascii(int y, int x, const char *s, int n, chtype r)
{
	chtype buf[256];
	while (n > 0) {
		int k = n < (int)(sizeof(buf) / sizeof(buf[0])) ? n : (int)(sizeof(buf) / sizeof(buf[0]));
		for (int i = 0; i < k; i++)
			buf[i] = (chtype)(unsigned char)s[i] | r;
		mvaddchnstr(y, x, buf, k);
		s += k, x += k, n -= k;
	}
}

/* Draw at most w display columns of UTF-8 text; returns columns used. */
int tui_put(int y, int x, int w, const char *s, attr_t attr)
{
	mbstate_t st;
	int used = 0;
	memset(&st, 0, sizeof(st));
	if (w <= 0 || y < 0 || y >= LINES)
		return 0;
	chtype r = tui_rendition(attr);
	attron(attr);
	while (*s && used < w) {
		/* a run of plain ASCII goes to curses in one call */
		size_t run = 0;
		while (s[run] >= ' ' && s[run] < 0x7f && used + (int)run < w)
			run++;
		if (run > 0) {
			tui_put_ascii(y, x + used, s, (int)run, r);
			used += (int)run;
			s += run;
			continue;
		}
		move(y, x + used);
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, strnlen(s, MB_LEN_MAX), &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			addch('?');
			used++;
			s++;
			memset(&st, 0, sizeof(st));
			continue;
		}
		int cw = wc == L'\t' ? 1 : wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (used + cw > w)
			break;
		if (wc == L'\t' || wc == L'\n')
			addch(' ');
		else
			addnstr(s, (int)n);
		used += cw;
		s += n;
	}
	attroff(attr);
	return used;
}

int tui_putf(int y, int x, int w, attr_t attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tui_put(y, x, w, buf, attr);
}

/* A pane separator: h rows of a vertical line at column x from row y. */
void tui_vline(const struct tui *t, int y, int x, int h)
{
	cchar_t cc;
	const wchar_t bar[2] = {t->ascii ? L'|' : L'\u2502', 0};
	if (h <= 0)
		return;
	setcchar(&cc, bar, A_NORMAL, 0, NULL);
	mvvline_set(y, x, &cc, h);
}

void tui_fill(int y, int x, int w, attr_t attr)
{
	if (w <= 0 || y < 0 || y >= LINES)
		return;
	attron(attr);
	mvhline(y, x, ' ', w);
	attroff(attr);
}


#define TUI_FLASH_MS 2500

/* The key bar of `where`, from the key table; a flash message at its right
 * end takes the room it needs first. */
void tui_keybar(const struct tui *t, unsigned where, int y, int w)
{
	char text[512];
	int fw = t->flash[0] ? tui_text_width(t->flash) + 2 : 0;
	if (fw > w / 2)
		fw = w / 2;
	tui_keys_bar(where, t->ascii, w - fw, text, sizeof(text));
	tui_fill(y, 0, w, A_REVERSE);
	tui_put(y, 0, w - fw, text, A_REVERSE);
	if (fw > 0)
		tui_put(y, w - fw + 1, fw - 1, t->flash, A_REVERSE | A_BOLD);
}

static void tui_on_flash_timer(uv_timer_t *h)
{
	struct tui *t = h->data;
	t->flash[0] = '\0';
	tui_draw(t);
}

void tui_flash(struct tui *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->flash, sizeof(t->flash), fmt, ap);
	va_end(ap);
	if (t->flash_timer.data != NULL)
		uv_timer_start(&t->flash_timer, tui_on_flash_timer, TUI_FLASH_MS, 0);
}
