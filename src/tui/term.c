/*
 * term.c: the terminal: restoring it on a fatal signal, the colour themes,
 * and drawing clipped UTF-8 text, fills and the key bar.
 */
#include "tui_int.h"

#include <errno.h>

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

/* A colour in the tables below, stored plus one so that a state a theme
 * forgot reads 0, "no colour", which tests/test_tui.c catches. */
#define FG(c) ((short)((c) + 1))

/* Foreground of each state per theme (the glyphs differ too, so colour is
 * never the only cue). The colour-blind theme keeps to blue/yellow/white
 * contrasts that stay apart under the common deficiencies. */
static const short theme_fg[TUI_THEME_COUNT][STATE_COUNT] = {
    [THEME_DARK] =
        {
            [STATE_RUNNING] = FG(COLOR_GREEN),
            [STATE_PREEMPTED] = FG(COLOR_RED),
            [STATE_READY] = FG(COLOR_YELLOW),
            [STATE_IO] = FG(COLOR_BLUE),
            [STATE_SLEEP] = FG(COLOR_CYAN),
            [STATE_BLOCKED] = FG(COLOR_MAGENTA),
            [STATE_LOCK] = FG(COLOR_MAGENTA),
            [STATE_GIL] = FG(COLOR_RED),
            [STATE_JOIN] = FG(COLOR_WHITE),
            [STATE_IDLE] = FG(COLOR_WHITE),
            [STATE_DONE] = FG(COLOR_WHITE),
        },
    [THEME_LIGHT] =
        {
            [STATE_RUNNING] = FG(COLOR_GREEN),
            [STATE_PREEMPTED] = FG(COLOR_RED),
            [STATE_READY] = FG(COLOR_YELLOW),
            [STATE_IO] = FG(COLOR_BLUE),
            [STATE_SLEEP] = FG(COLOR_CYAN),
            [STATE_BLOCKED] = FG(COLOR_MAGENTA),
            [STATE_LOCK] = FG(COLOR_MAGENTA),
            [STATE_GIL] = FG(COLOR_RED),
            [STATE_JOIN] = FG(COLOR_BLACK),
            [STATE_IDLE] = FG(COLOR_BLACK),
            [STATE_DONE] = FG(COLOR_BLACK),
        },
    [THEME_CONTRAST] =
        {
            [STATE_RUNNING] = FG(COLOR_GREEN),
            [STATE_PREEMPTED] = FG(COLOR_RED),
            [STATE_READY] = FG(COLOR_YELLOW),
            [STATE_IO] = FG(COLOR_CYAN),
            [STATE_SLEEP] = FG(COLOR_WHITE),
            [STATE_BLOCKED] = FG(COLOR_MAGENTA),
            [STATE_LOCK] = FG(COLOR_MAGENTA),
            [STATE_GIL] = FG(COLOR_RED),
            [STATE_JOIN] = FG(COLOR_WHITE),
            [STATE_IDLE] = FG(COLOR_WHITE),
            [STATE_DONE] = FG(COLOR_WHITE),
        },
    [THEME_CB] =
        {
            [STATE_RUNNING] = FG(COLOR_BLUE),
            [STATE_PREEMPTED] = FG(COLOR_YELLOW),
            [STATE_READY] = FG(COLOR_WHITE),
            [STATE_IO] = FG(COLOR_CYAN),
            [STATE_SLEEP] = FG(COLOR_WHITE),
            [STATE_BLOCKED] = FG(COLOR_YELLOW),
            [STATE_LOCK] = FG(COLOR_MAGENTA),
            [STATE_GIL] = FG(COLOR_YELLOW),
            [STATE_JOIN] = FG(COLOR_WHITE),
            [STATE_IDLE] = FG(COLOR_WHITE),
            [STATE_DONE] = FG(COLOR_WHITE),
        },
};

/* Background (-1: the terminal's own) and plain text of each theme. */
static const short theme_bg[TUI_THEME_COUNT] = {
    [THEME_DARK] = -1, [THEME_LIGHT] = COLOR_WHITE, [THEME_CONTRAST] = COLOR_BLACK, [THEME_CB] = -1};
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

short tui_theme_state_fg(int theme, enum state s)
{
	return (short)(theme_fg[theme][s] - 1);
}

void tui_colors_apply(struct tui *t)
{
	if (!t->color)
		return;
	short bg = theme_bg[t->theme];
	for (int s = 0; s < STATE_COUNT; s++) {
		short fg = tui_theme_state_fg(t->theme, (enum state)s);
		init_pair(PAIR_STATE(s), fg, bg);
		init_pair(PAIR_MIXED(s), tui_theme_state_fg(t->theme, STATE_RUNNING), fg);
	}
	/* yellow does not read on the light theme's white */
	for (int i = 0; i < TUI_TASK_COLORS; i++)
		init_pair(PAIR_TASK(i),
		          t->theme == THEME_LIGHT && task_fg[i] == COLOR_YELLOW ? COLOR_BLACK : task_fg[i], bg);
	init_pair(PAIR_TEXT, theme_text[t->theme], bg);
	bkgd(COLOR_PAIR(PAIR_TEXT));
}

/* A state's colour; without colour, running is bold. The contrast theme
 * makes every state bold. */
attr_t tui_state_attr(const struct tui *t, enum state s)
{
	if (!t->color)
		return s == STATE_RUNNING ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(PAIR_STATE(s)) | (t->theme == THEME_CONTRAST ? A_BOLD : A_NORMAL);
}

/* ---- text helpers ---- */

/* Draw at most w display columns of UTF-8 text; returns columns used. */
int tui_put(int y, int x, int w, const char *s, attr_t attr)
{
	mbstate_t st;
	int used = 0;
	memset(&st, 0, sizeof(st));
	if (w <= 0 || y < 0 || y >= LINES)
		return 0;
	move(y, x);
	attron(attr);
	while (*s && used < w) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, strlen(s), &st);
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

void tui_fill(int y, int x, int w, attr_t attr)
{
	attron(attr);
	for (int i = 0; i < w; i++)
		mvaddch(y, x + i, ' ');
	attroff(attr);
}


/* The key bar of `where`, from the key table. */
void tui_keybar(const struct tui *t, unsigned where, int y, int w)
{
	char text[512];
	tui_keys_bar(where, t->ascii, text, sizeof(text));
	tui_fill(y, 0, w, A_REVERSE);
	tui_put(y, 0, w, text, A_REVERSE);
}
