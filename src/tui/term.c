/*
 * term.c: the terminal: restoring it on a fatal signal, the colour themes,
 * and drawing clipped UTF-8 text, fills and the key bar.
 */
#include "tui_int.h"

/* ---- terminal safety ---- */

static struct termios tui_saved_tty;
static int tui_have_tty;

static void tui_fatal(int sig)
{
	static const char reset[] = "\033[?1000l\033[?1006l\033[?1049l\033[?25h\033[0m\r\n";
	if (write(STDOUT_FILENO, reset, sizeof(reset) - 1) < 0) {
		/* nothing more can be done while dying */
	}
	if (tui_have_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_tty);
	raise(sig);
}

void tui_install_fatal(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_fatal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	tui_have_tty = tcgetattr(STDIN_FILENO, &tui_saved_tty) == 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* ---- themes ---- */

static const char *const theme_names[TUI_THEME_COUNT] = {"dark", "light", "contrast", "cb"};

/* Foreground of each state per theme (the glyphs differ too, so colour is
 * never the only cue). The colour-blind theme keeps to blue/yellow/white
 * contrasts that stay apart under the common deficiencies. */
static const short theme_fg[TUI_THEME_COUNT][STATE_COUNT] = {
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_BLUE, COLOR_CYAN, COLOR_MAGENTA, COLOR_RED,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_BLUE, COLOR_CYAN, COLOR_MAGENTA, COLOR_RED,
	 COLOR_BLACK, COLOR_BLACK, COLOR_BLACK},
	{COLOR_GREEN, COLOR_RED, COLOR_YELLOW, COLOR_CYAN, COLOR_WHITE, COLOR_MAGENTA, COLOR_RED,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
	{COLOR_BLUE, COLOR_YELLOW, COLOR_WHITE, COLOR_CYAN, COLOR_WHITE, COLOR_MAGENTA, COLOR_YELLOW,
	 COLOR_WHITE, COLOR_WHITE, COLOR_WHITE},
};
static const short task_fg[6] = {COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA, COLOR_BLUE,
                                 COLOR_RED};

int tui_theme_from_name(const char *name)
{
	for (int i = 0; i < TUI_THEME_COUNT; i++)
		if (name != NULL && strcmp(name, theme_names[i]) == 0)
			return i;
	return -1;
}

void tui_colors_apply(struct tui *t)
{
	if (!t->color)
		return;
	short bg = -1;
	if (t->theme == 1)
		bg = COLOR_WHITE;
	else if (t->theme == 2)
		bg = COLOR_BLACK;
	for (int s = 0; s < STATE_COUNT; s++) {
		init_pair(PAIR_STATE(s), theme_fg[t->theme][s], bg);
		init_pair(PAIR_MIXED(s), theme_fg[t->theme][STATE_RUNNING], theme_fg[t->theme][s]);
	}
	for (int i = 0; i < 6; i++)
		init_pair(PAIR_TASK(i), t->theme == 1 && task_fg[i] == COLOR_YELLOW ? COLOR_BLACK : task_fg[i],
		          bg);
	init_pair(60, t->theme == 1 ? COLOR_BLACK : COLOR_WHITE, bg);
	bkgd(COLOR_PAIR(60));
}

attr_t tui_state_attr(const struct tui *t, enum state s)
{
	if (!t->color)
		return s == STATE_RUNNING ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(PAIR_STATE(s)) | (t->theme == 2 ? A_BOLD : A_NORMAL);
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
