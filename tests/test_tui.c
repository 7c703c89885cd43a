/*
 * test_tui.c: the TUI's tables. The key table (src/tui/keys.c) against what
 * it drives and what documents it: every key it reads is named in the man
 * page's KEYS section; no key is claimed twice where it acts; every entry
 * the key bar shows has a label; the help of each screen fits 80x24. The
 * themes (src/tui/term.c): every state has a colour in every theme, and a
 * cancelled task's end one no state has.
 */
#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "tui/tui_int.h"

/* A key as the man page spells it. */
static const char *key_label(int ch, char *buf, size_t n)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
	    {' ', "Space"},      {'\n', "Enter"},      {'\r', "Enter"},      {KEY_ENTER, "Enter"},
	    {'\t', "Tab"},       {KEY_BTAB, "Shift-Tab"}, {TUI_KEY_ESC, "Esc"}, {KEY_UP, "Up"},
	    {KEY_DOWN, "Down"},  {KEY_LEFT, "Left"},   {KEY_RIGHT, "Right"}, {KEY_HOME, "Home"},
	    {KEY_END, "End"},    {KEY_NPAGE, "PgDn"},  {KEY_PPAGE, "PgUp"},  {KEY_MOUSE, "mouse"},
	    {KEY_F(1), "F1"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].key == ch)
			return names[i].name;
	if (ch > ' ' && ch < TUI_KEY_DEL) {
		snprintf(buf, n, "%c", ch);
		return buf;
	}
	return NULL;
}

/* The words of the man page's KEYS section, troff macros and quotes gone,
 * each between spaces (" Space ", " Enter ", ...). */
static char *man_keys_words(void)
{
	FILE *f = fopen("assets/simul.1", "r");
	ck_assert_msg(f != NULL, "cannot open assets/simul.1 (run from the top of the tree)");
	static char out[16384];
	char line[1024];
	size_t k = 0;
	int in = 0;
	out[k++] = ' ';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".SH ", 4) == 0) {
			in = strncmp(line, ".SH KEYS", 8) == 0;
			continue;
		}
		if (!in)
			continue;
		const char *p = line;
		if (*p == '.') /* the macro name */
			p += strcspn(p, " \n");
		for (; *p && k + 2 < sizeof(out); p++) {
			if (p[0] == '\\' && p[1] == '-') {
				out[k++] = '-';
				p++;
			} else if (*p == '"' || isspace((unsigned char)*p)) {
				if (out[k - 1] != ' ')
					out[k++] = ' ';
			} else {
				out[k++] = *p;
			}
		}
		if (out[k - 1] != ' ')
			out[k++] = ' ';
	}
	fclose(f);
	out[k] = '\0';
	ck_assert_msg(k > 100, "no KEYS section in assets/simul.1");
	return out;
}

/* The stats pane's shares: whole per cent as printf's %.0f would print
 * them, halves to even, without printf's floating point. */
START_TEST(shares_round_as_printf_does)
{
	ck_assert_uint_eq(tui_share_percent(1, 6), 17);
	ck_assert_uint_eq(tui_share_percent(1, 3), 33);
	ck_assert_uint_eq(tui_share_percent(1, 8), 12); /* 12.5 */
	ck_assert_uint_eq(tui_share_percent(3, 8), 38); /* 37.5 */
	ck_assert_uint_eq(tui_share_percent(0, 5), 0);
	ck_assert_uint_eq(tui_share_percent(5, 5), 100);
	ck_assert_uint_eq(tui_share_percent(7, 0), 0);
	uint64_t seed = 11;
	for (int i = 0; i < 20000; i++) {
		uint64_t whole = 1 + run_rand(&seed) % (i < 10000 ? 1000 : 1ull << 50);
		uint64_t part = run_rand(&seed) % (whole + 1);
		char want[16], got[16];
		snprintf(want, sizeof(want), "%.0f", 100.0 * (double)part / (double)whole);
		snprintf(got, sizeof(got), "%u", tui_share_percent(part, whole));
		ck_assert_str_eq(got, want);
	}
}
END_TEST

START_TEST(man_page_names_every_key)
{
	const char *words = man_keys_words();
	for (size_t i = 0; i < tui_nkeys; i++)
		for (int a = 0; a < TUI_KEY_ALIASES && tui_keys[i].keys[a] != 0; a++) {
			char buf[8], word[32];
			const char *l = key_label(tui_keys[i].keys[a], buf, sizeof(buf));
			ck_assert_msg(l != NULL, "key %d of '%s' has no name here", tui_keys[i].keys[a],
			              tui_keys[i].name);
			snprintf(word, sizeof(word), " %s ", l);
			ck_assert_msg(strstr(words, word) != NULL,
			              "the man page's KEYS section does not name '%s' (%s: %s)", l,
			              tui_keys[i].name, tui_keys[i].note);
		}
}
END_TEST

START_TEST(no_key_claimed_twice_where_it_acts)
{
	for (unsigned where = 1; where <= KEYS_DETAIL; where <<= 1)
		for (size_t i = 0; i < tui_nkeys; i++)
			for (size_t j = i + 1; j < tui_nkeys; j++) {
				if (!(tui_keys[i].where & where) || !(tui_keys[j].where & where))
					continue;
				for (int a = 0; a < TUI_KEY_ALIASES && tui_keys[i].keys[a] != 0; a++)
					for (int b = 0; b < TUI_KEY_ALIASES && tui_keys[j].keys[b] != 0; b++)
						ck_assert_msg(tui_keys[i].keys[a] != tui_keys[j].keys[b],
						              "key %d is both '%s' and '%s' in screen %#x",
						              tui_keys[i].keys[a], tui_keys[i].name, tui_keys[j].name, where);
			}
}
END_TEST

START_TEST(every_entry_is_complete)
{
	for (size_t i = 0; i < tui_nkeys; i++) {
		const struct tui_key *k = &tui_keys[i];
		ck_assert_msg(k->name != NULL && k->note != NULL && k->where != 0, "entry %zu", i);
		ck_assert_msg(k->bar_in == 0 || k->bar != NULL, "'%s' is in a key bar without a label", k->name);
		ck_assert_msg((k->bar_in & ~k->where) == 0, "'%s' is in the key bar where it does not act",
		              k->name);
		ck_assert_msg(k->keys[0] == 0 || k->handler != NULL, "'%s' has keys but no handler", k->name);
	}
}
END_TEST

/* The help of the run screen lists its keys, a replay's and the glyphs of
 * every state; a replay's lists its Space (play) and not the run screen's. */
START_TEST(help_lists_every_key_replay_keys_and_glyphs)
{
	static char lines[128][TUI_LINE_MAX];
	int n = tui_help_lines(KEYS_RUN, 0, lines, 128);
	int replay = 0, gil = 0, cores = 0;
	for (int i = 0; i < n; i++) {
		replay |= strstr(lines[i], "play or pause the saved run") != NULL;
		gil |= strstr(lines[i], "G  gil") != NULL;
		cores |= strstr(lines[i], "per-core view") != NULL;
	}
	ck_assert_msg(replay && gil && cores, "run help: replay %d, gil glyph %d, cores %d", replay, gil, cores);
	const struct tui_key *keys[64];
	size_t nk = tui_keys_help(KEYS_REPLAY | KEYS_RUN, keys, 64);
	int spaces = 0;
	for (size_t i = 0; i < nk; i++)
		spaces += keys[i]->keys[0] == ' ';
	ck_assert_int_eq(spaces, 1);
	n = tui_help_lines(KEYS_MENU | KEYS_PARAMS, 1, lines, 128);
	for (int i = 0; i < n; i++)
		ck_assert_msg(strstr(lines[i], "saved run") == NULL, "menu help lists replay keys: %s", lines[i]);
}
END_TEST

/* However narrow, the key bar keeps help and quit and fits its width. */
START_TEST(key_bar_keeps_help_and_quit)
{
	static const unsigned screens[] = {KEYS_MENU, KEYS_PARAMS, KEYS_RUN};
	static const int widths[] = {30, 60, 80, 120, 200};
	char bar[512];
	for (size_t s = 0; s < sizeof(screens) / sizeof(screens[0]); s++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (int ascii = 0; ascii < 2; ascii++) {
				tui_keys_bar(screens[s], ascii, widths[w], bar, sizeof(bar));
				ck_assert_msg(strstr(bar, "q quit") != NULL, "key bar %#x at %d lacks quit: %s", screens[s],
				              widths[w], bar);
				ck_assert_msg(screens[s] == KEYS_PARAMS || strstr(bar, "? help") != NULL,
				              "key bar %#x at %d lacks help: %s", screens[s], widths[w], bar);
				ck_assert_msg(tui_text_width(bar) <= widths[w], "key bar %#x wider than %d: %s",
				              screens[s], widths[w], bar);
			}
	/* with room, nothing is dropped */
	tui_keys_bar(KEYS_RUN, 1, 1000, bar, sizeof(bar));
	ck_assert_msg(strstr(bar, "r rerun") != NULL, "%s", bar);
}
END_TEST

/* Every state has a colour in every theme, with 256 colours and with 8;
 * with 256 no two states share one; with 8, GIL still differs from
 * preempted and lock, and running from every wait. */
START_TEST(every_state_has_its_own_colour_in_every_theme)
{
	for (int th = 0; th < TUI_THEME_COUNT; th++)
		for (int c256 = 0; c256 < 2; c256++)
			for (int a = 0; a < STATE_COUNT; a++) {
				short ca = tui_theme_state_fg(th, (enum state)a, c256);
				ck_assert_msg(ca >= 0, "theme %s gives state %s no colour (%d colours)", tui_theme_name(th),
				              state_name((enum state)a), c256 ? 256 : 8);
				for (int b = 0; b < a; b++) {
					short cb = tui_theme_state_fg(th, (enum state)b, c256);
					int apart = c256 ? a != STATE_DONE
					                 : (a == STATE_GIL && (b == STATE_PREEMPTED || b == STATE_LOCK)) ||
					                       (b == STATE_RUNNING && a != STATE_DONE);
					ck_assert_msg(!apart || ca != cb, "theme %s: %s and %s share colour %d (%d colours)",
					              tui_theme_name(th), state_name((enum state)a), state_name((enum state)b), ca,
					              c256 ? 256 : 8);
				}
			}
	ck_assert_int_eq(tui_theme_from_name("cb"), TUI_THEME_COUNT - 1);
	ck_assert_int_eq(tui_theme_from_name("nope"), -1);
	ck_assert_str_eq(tui_theme_name(tui_theme_from_name("contrast")), "contrast");
}
END_TEST

/* A cancelled task's cross has a colour in every theme, with 256 colours
 * one that no state has there; with 8, it differs from running and from a
 * finished task's. Its glyph and label, and a wake's glyph, are no
 * state's. */
START_TEST(cancelled_end_has_its_own_colour_in_every_theme)
{
	for (int th = 0; th < TUI_THEME_COUNT; th++)
		for (int c256 = 0; c256 < 2; c256++) {
			short c = tui_theme_end_fg(th, TASK_END_CANCELLED, c256);
			ck_assert_msg(c >= 0, "theme %s gives cancelled no colour", tui_theme_name(th));
			ck_assert_int_ge(tui_theme_end_fg(th, TASK_END_FINISHED, c256), 0);
			ck_assert_int_ne(c, tui_theme_end_fg(th, TASK_END_FINISHED, c256));
			ck_assert_int_ne(c, tui_theme_state_fg(th, STATE_RUNNING, c256));
			for (int s = 0; s < STATE_COUNT && c256; s++)
				ck_assert_msg(c != tui_theme_state_fg(th, (enum state)s, 1),
				              "theme %s: cancelled and %s share colour %d", tui_theme_name(th),
				              state_name((enum state)s), c);
		}
	/* and its own glyph and label, apart from every state's */
	for (int s = 0; s < STATE_COUNT; s++) {
		ck_assert_str_ne(end_glyph(TASK_END_CANCELLED, 0), state_glyph((enum state)s, 0));
		ck_assert_str_ne(end_glyph(TASK_END_CANCELLED, 1), state_glyph((enum state)s, 1));
		ck_assert_str_ne(end_label(TASK_END_CANCELLED), state_label((enum state)s));
		ck_assert_str_ne(VIEW_WAKE_GLYPH, state_glyph((enum state)s, 0)); /* and a wake's */
		ck_assert_str_ne(VIEW_WAKE_ASCII, state_glyph((enum state)s, 1));
	}
}
END_TEST

/* The colour-blind theme's colours, in 256, are the Okabe-Ito palette's
 * nearest (or greys, for the states that wait on nothing in particular). */
START_TEST(cb_theme_is_okabe_ito)
{
	static const short okabe_ito[] = {214, 178, 74, 36, 221, 32, 166, 175}; /* 178: orange too */
	int th = tui_theme_from_name("cb");
	for (int s = 0; s < STATE_COUNT; s++) {
		short c = tui_theme_state_fg(th, (enum state)s, 1);
		int ok = c >= 231 || c == 252 || c == 245 || c == 240; /* white and greys */
		for (size_t i = 0; i < sizeof(okabe_ito) / sizeof(okabe_ito[0]); i++)
			ok |= c == okabe_ito[i];
		ck_assert_msg(ok, "cb gives %s colour %d, not an Okabe-Ito one", state_name((enum state)s), c);
	}
}
END_TEST

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("tui");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, shares_round_as_printf_does);
	tcase_add_test(tc, man_page_names_every_key);
	tcase_add_test(tc, no_key_claimed_twice_where_it_acts);
	tcase_add_test(tc, every_entry_is_complete);
	tcase_add_test(tc, help_lists_every_key_replay_keys_and_glyphs);
	tcase_add_test(tc, key_bar_keeps_help_and_quit);
	tcase_add_test(tc, every_state_has_its_own_colour_in_every_theme);
	tcase_add_test(tc, cb_theme_is_okabe_ito);
	tcase_add_test(tc, cancelled_end_has_its_own_colour_in_every_theme);
	suite_add_tcase(s, tc);
	return support_main(s);
}
