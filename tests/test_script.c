/*
 * test_script.c: the --script parser: every action, every key name, waits
 * in each unit, comments and blank lines; and bad scripts, each refused
 * with one line naming the line number and what is allowed.
 */
#include <string.h>

#include "script.h"
#include "support.h"

static struct script sc;
static char err[512];

static int parse(const char *text)
{
	err[0] = '\0';
	return script_parse(text, strlen(text), &sc, err, sizeof(err));
}

START_TEST(every_action)
{
	const char *text = "# a lecture\n"
	                   "\n"
	                   "wait 2s\n"
	                   "  key space\n"
	                   "key +\n"
	                   "key F5\n"
	                   "key ctrl-l\n"
	                   "key left\r\n"
	                   "select worker-2\n"
	                   "set gil=on\n"
	                   "run\n"
	                   "wait 1.5s\n"
	                   "wait 250ms\n"
	                   "marker \"GIL turned on\"\n"
	                   "quit";
	ck_assert_int_eq(parse(text), 0);
	ck_assert_uint_eq(sc.n, 13);
	ck_assert_int_eq(sc.actions[0].op, SCRIPT_WAIT);
	ck_assert_uint_eq(sc.actions[0].ns, 2000000000ull);
	ck_assert_int_eq(sc.actions[0].line, 3);
	ck_assert_int_eq(sc.actions[1].op, SCRIPT_KEY);
	ck_assert_int_eq(sc.actions[1].key, ' ');
	ck_assert_int_eq(sc.actions[2].key, '+');
	ck_assert_int_eq(sc.actions[3].key, SCRIPT_KEY_F0 + 5);
	ck_assert_int_eq(sc.actions[4].key, 12);
	ck_assert_int_eq(sc.actions[5].key, SCRIPT_KEY_LEFT);
	ck_assert_int_eq(sc.actions[6].op, SCRIPT_SELECT);
	ck_assert_str_eq(sc.actions[6].text, "worker-2");
	ck_assert_int_eq(sc.actions[7].op, SCRIPT_SET);
	ck_assert_str_eq(sc.actions[7].text, "gil=on");
	ck_assert_int_eq(sc.actions[8].op, SCRIPT_RUN);
	ck_assert_uint_eq(sc.actions[9].ns, 1500000000ull);
	ck_assert_uint_eq(sc.actions[10].ns, 250000000ull);
	ck_assert_int_eq(sc.actions[11].op, SCRIPT_MARKER);
	ck_assert_str_eq(sc.actions[11].text, "GIL turned on");
	ck_assert_int_eq(sc.actions[12].op, SCRIPT_QUIT);
	ck_assert_int_eq(sc.actions[12].line, 15);
	script_free(&sc);

	/* Pacing the run. */
	ck_assert_int_eq(parse("speed 1/4\npause\nwait 2s\nstep\nresume\nspeed 1\n"), 0);
	ck_assert_uint_eq(sc.n, 6);
	ck_assert_int_eq(sc.actions[0].op, SCRIPT_SPEED);
	ck_assert(sc.actions[0].speed == 0.25);
	ck_assert_int_eq(sc.actions[1].op, SCRIPT_PAUSE);
	ck_assert_int_eq(sc.actions[3].op, SCRIPT_STEP);
	ck_assert_int_eq(sc.actions[4].op, SCRIPT_RESUME);
	ck_assert(sc.actions[5].speed == 1.0);
	script_free(&sc);

	/* Key names print back as a script writes them. */
	char b[32];
	ck_assert_str_eq(script_key_name(' ', b, sizeof(b)), "space");
	ck_assert_str_eq(script_key_name(SCRIPT_KEY_F0 + 1, b, sizeof(b)), "F1");
	ck_assert_str_eq(script_key_name('+', b, sizeof(b)), "+");
	ck_assert_str_eq(script_key_name(3, b, sizeof(b)), "ctrl-c");
}
END_TEST

static void bad(const char *text, const char *line, const char *must_contain)
{
	ck_assert_msg(parse(text) == -1, "'%s' was accepted", text);
	ck_assert_msg(strstr(err, line) == err, "'%s' gave '%s', not starting '%s'", text, err, line);
	ck_assert_msg(strstr(err, must_contain) != NULL, "'%s' gave '%s'", text, err);
	ck_assert_msg(strchr(err, '\n') == NULL, "message is more than one line");
	ck_assert_ptr_null(sc.actions);
}

START_TEST(bad_scripts)
{
	bad("jump 3\n", "line 1:", "allowed wait, key, select, set, run, pause, resume, step, speed, marker, quit");
	bad("pause now\n", "line 1:", "pause takes nothing");
	bad("step 2\n", "line 1:", "step takes nothing");
	bad("speed\n", "line 1:", "speed takes one speed 0.01..1");
	bad("speed 2\n", "line 1:", "speed takes one speed 0.01..1");
	bad("speed 0.001\n", "line 1:", "speed takes one speed 0.01..1");
	bad("speed 0.5 0.25\n", "line 1:", "speed takes one speed 0.01..1");
	bad("wait 2s\nwait 2\n", "line 2:", "2s, 500ms");
	bad("wait -1s\n", "line 1:", "duration");
	bad("wait 2h\n", "line 1:", "duration");
	bad("wait 99999s\n", "line 1:", "3600s");
	bad("wait 1s 2s\n", "line 1:", "duration");
	bad("# c\nkey\n", "line 2:", "printable character");
	bad("key spacebar\n", "line 1:", "space, enter");
	bad("key F13\n", "line 1:", "F1..F12");
	bad("key a b\n", "line 1:", "one key");
	bad("select\n", "line 1:", "task name");
	bad("set gil\n", "line 1:", "KEY=VALUE");
	bad("set =on\n", "line 1:", "KEY=VALUE");
	bad("run now\n", "line 1:", "run takes nothing");
	bad("quit 1\n", "line 1:", "quit takes nothing");
	bad("marker GIL on\n", "line 1:", "quoted text");
	bad("marker \"\"\n", "line 1:", "quoted text");
	bad("wait 1s\n\n\nkey \x01\n", "line 4:", "one key");
	const char nul[] = "run\nwa\0it 1s\n";
	err[0] = '\0';
	ck_assert_int_eq(script_parse(nul, sizeof(nul) - 1, &sc, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "line 2:") == err, "%s", err);
}
END_TEST

START_TEST(empty_script)
{
	ck_assert_int_eq(parse(""), 0);
	ck_assert_uint_eq(sc.n, 0);
	ck_assert_int_eq(parse("# nothing\n\n   \n"), 0);
	ck_assert_uint_eq(sc.n, 0);
	script_free(&sc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("script");
	TCase *tc = tcase_create("script");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, every_action);
	tcase_add_test(tc, bad_scripts);
	tcase_add_test(tc, empty_script);
	suite_add_tcase(s, tc);
	return support_main(s);
}
