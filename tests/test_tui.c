/*
 * test_tui.c: the TUI's tables. The key table (src/tui/keys.c) against what
 * it drives and what documents it: every key it reads is named in the man
 * page's KEYS section; no key is claimed twice where it acts; every entry
 * the key bar shows has a label; the help of each screen fits 80x24. The
 * themes (src/tui/term.c): every state has a colour in every theme.
 */
#include <ctype.h>
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

/* The help of the biggest screen (a replay's run screen) fits 24 rows:
 * its entries, a blank line, "press any key", the title and margins. */
START_TEST(help_fits_the_smallest_screen)
{
	const struct tui_key *keys[64];
	static const unsigned screens[] = {KEYS_MENU | KEYS_PARAMS, KEYS_RUN, KEYS_REPLAY | KEYS_RUN};
	for (size_t s = 0; s < sizeof(screens) / sizeof(screens[0]); s++) {
		size_t n = tui_keys_help(screens[s], keys, 64);
		ck_assert_msg(n + 2 + 3 <= 24, "help of screen %#x has %zu keys: more than 24 rows", screens[s], n);
	}
	/* a replay's Space plays; the run screen's Space is not listed there */
	size_t n = tui_keys_help(KEYS_REPLAY | KEYS_RUN, keys, 64);
	int spaces = 0;
	for (size_t i = 0; i < n; i++)
		spaces += keys[i]->keys[0] == ' ';
	ck_assert_int_eq(spaces, 1);
}
END_TEST

START_TEST(key_bar_fits_80_columns)
{
	static const unsigned screens[] = {KEYS_MENU, KEYS_PARAMS, KEYS_RUN};
	char bar[512];
	for (size_t s = 0; s < sizeof(screens) / sizeof(screens[0]); s++) {
		tui_keys_bar(screens[s], 1, bar, sizeof(bar));
		ck_assert_msg(strstr(bar, "q quit") != NULL, "key bar %#x lacks quit: %s", screens[s], bar);
	}
	tui_keys_bar(KEYS_MENU, 1, bar, sizeof(bar));
	ck_assert_msg(strlen(bar) <= 80, "menu key bar wider than 80: %s", bar);
}
END_TEST

START_TEST(every_state_has_a_colour_in_every_theme)
{
	for (int th = 0; th < TUI_THEME_COUNT; th++)
		for (int st = 0; st < STATE_COUNT; st++)
			ck_assert_msg(tui_theme_state_fg(th, (enum state)st) >= 0, "theme %d gives state %s no colour",
			              th, state_name((enum state)st));
	ck_assert_int_eq(tui_theme_from_name("cb"), TUI_THEME_COUNT - 1);
	ck_assert_int_eq(tui_theme_from_name("nope"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("tui");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, man_page_names_every_key);
	tcase_add_test(tc, no_key_claimed_twice_where_it_acts);
	tcase_add_test(tc, every_entry_is_complete);
	tcase_add_test(tc, help_fits_the_smallest_screen);
	tcase_add_test(tc, key_bar_fits_80_columns);
	tcase_add_test(tc, every_state_has_a_colour_in_every_theme);
	suite_add_tcase(s, tc);
	return support_main(s);
}
