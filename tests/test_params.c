/*
 * test_params.c: demo parameters: defaults, parsing, and every kind of bad
 * input, each with a one-line message naming the problem and what is
 * allowed. Also the registry's lookups and suggestions.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "assets.h"
#include "demo.h"
#include "params.h"
#include "support.h"

static const char *const kinds[] = {"net", "sleep", NULL};
/* A text parameter's own check: a word of letters only. */
static int letters_only(const char *v, char *why, size_t n)
{
	for (; *v; v++)
		if ((*v < 'a' || *v > 'z') && (*v < 'A' || *v > 'Z')) {
			snprintf(why, n, "expected letters only");
			return -1;
		}
	return 0;
}

static const struct param_spec spec[] = {
	{.name = "n", .type = PARAM_INT, .def = 3, .min = 1, .max = 1000, .unit = "threads", .help = "h"},
	{.name = "ratio", .type = PARAM_FLOAT, .def = 0.5, .min = 0, .max = 1, .help = "h"},
	{.name = "gil", .type = PARAM_BOOL, .def = 1, .help = "h"},
	{.name = "io", .type = PARAM_ENUM, .def = 0, .choices = kinds, .help = "h"},
	{.name = "word", .type = PARAM_TEXT, .unit = "a word", .help = "h", .check = letters_only,
	 .def_text = "hello"},
	{.name = "any", .type = PARAM_TEXT, .help = "h"},
};

static struct params p;
static char err[512];

static void setup(void)
{
	params_init(&p, spec, DEMO_COUNT(spec));
	err[0] = '\0';
}

static void bad(const char *kv, const char *must_contain)
{
	ck_assert_int_eq(params_set_kv(&p, kv, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, must_contain) != NULL, "'%s' gave '%s'", kv, err);
	ck_assert_msg(strchr(err, '\n') == NULL, "message is more than one line");
	ck_assert_msg(strstr(err, "allowed") != NULL || strstr(err, "expected") != NULL,
	              "'%s' does not say what is allowed", err);
}

START_TEST(defaults_and_good_values)
{
	ck_assert_int_eq(params_int(&p, "n"), 3);
	ck_assert(params_num(&p, "ratio") == 0.5);
	ck_assert_int_eq(params_bool(&p, "gil"), 1);
	ck_assert_str_eq(params_enum(&p, "io"), "net");
	ck_assert_int_eq(params_set_kv(&p, "n=1000", err, sizeof(err)), 0);
	ck_assert_int_eq(params_set_kv(&p, "ratio=0.25", err, sizeof(err)), 0);
	ck_assert_int_eq(params_set_kv(&p, "gil=off", err, sizeof(err)), 0);
	ck_assert_int_eq(params_set_kv(&p, "io=sleep", err, sizeof(err)), 0);
	ck_assert_int_eq(params_int(&p, "n"), 1000);
	ck_assert(params_num(&p, "ratio") == 0.25);
	ck_assert_int_eq(params_bool(&p, "gil"), 0);
	ck_assert_str_eq(params_enum(&p, "io"), "sleep");
	char buf[32];
	params_format(&p, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "off");
	params_format(&p, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.25");
}
END_TEST

START_TEST(bad_values)
{
	bad("nope=1", "unknown parameter 'nope'");
	bad("nope=1", "n, ratio, gil, io");
	bad("n=abc", "not a whole number");
	bad("n=2.5", "not a whole number");
	bad("n=0", "out of range");
	bad("n=1001", "1..1000 threads");
	bad("n=", "missing value");
	bad("ratio=2", "out of range");
	bad("ratio=nan", "not a number");
	bad("gil=maybe", "on|off");
	bad("io=tcp", "net|sleep");
	bad("=3", "KEY=VALUE");
	bad("n", "KEY=VALUE");
	/* A rejected value leaves the old one. */
	ck_assert_int_eq(params_int(&p, "n"), 3);
}
END_TEST

/* Text parameters: their defaults, their own check, the empty text as
 * "none", and values that cannot be kept; a change to one never touches
 * another. */
START_TEST(text_values)
{
	char buf[64];
	ck_assert_str_eq(params_text(&p, "word"), "hello");
	ck_assert_str_eq(params_text(&p, "any"), "");
	ck_assert_int_eq(params_set_kv(&p, "any=redis://10.0.0.5:6379/0", err, sizeof(err)), 0);
	ck_assert_int_eq(params_set_kv(&p, "word=World", err, sizeof(err)), 0);
	ck_assert_str_eq(params_text(&p, "any"), "redis://10.0.0.5:6379/0");
	ck_assert_str_eq(params_text(&p, "word"), "World");
	params_format(&p, 4, buf, sizeof(buf));
	ck_assert_str_eq(buf, "World");
	params_allowed(&spec[4], buf, sizeof(buf));
	ck_assert_str_eq(buf, "a word");
	ck_assert_int_eq(params_set_kv(&p, "word=", err, sizeof(err)), 0);
	ck_assert_str_eq(params_text(&p, "word"), "");
	bad("word=two words", "expected letters only");
	ck_assert_str_eq(params_text(&p, "word"), ""); /* a refused value changes nothing */
	bad("any=a\tb", "control characters");
	char lng[PARAMS_TEXT_LEN + 16];
	memset(lng, 'x', sizeof(lng));
	memcpy(lng, "any=", 4);
	lng[sizeof(lng) - 1] = '\0';
	bad(lng, "too long");
	ck_assert_str_eq(params_text(&p, "any"), "redis://10.0.0.5:6379/0");
}
END_TEST

START_TEST(registry_lookups)
{
	const struct demo_module *mod = NULL;
	const struct demo *d = registry_find("threads/interleave", &mod);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(mod->name, "threads");
	ck_assert_ptr_nonnull(registry_find("threads", NULL));
	ck_assert_ptr_null(registry_find("threads/nope", NULL));
	ck_assert_ptr_null(registry_find("", NULL));
	char near[256];
	registry_suggest("interleav", near, sizeof(near), 3);
	ck_assert_msg(strstr(near, "threads/interleave") == near, "suggested '%s'", near);
	/* Every demo of every module is reachable and well formed. */
	const struct demo_module *const *mods;
	size_t n = registry_modules(&mods);
	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < mods[i]->ndemos; k++) {
			const struct demo *dd = &mods[i]->demos[k];
			char full[96];
			snprintf(full, sizeof(full), "%s/%s", mods[i]->name, dd->name);
			ck_assert_ptr_eq(registry_find(full, NULL), dd);
			ck_assert_ptr_nonnull(dd->main);
			ck_assert_msg(dd->summary && dd->summary[0], "%s has no summary", full);
			ck_assert_msg(lesson_text(full) != NULL, "%s has no lesson (assets/lessons/%s.md)", full, full);
			ck_assert_msg(lesson_python(full) != NULL, "%s has no Python (assets/lessons/%s.py)", full, full);
			ck_assert_uint_le(dd->nparams, PARAMS_MAX);
			for (size_t j = 0; j < dd->nparams; j++) {
				const struct param_spec *s = &dd->params[j];
				if (s->type == PARAM_INT || s->type == PARAM_FLOAT)
					ck_assert_msg(s->min <= s->def && s->def <= s->max, "%s: %s default out of range",
					              full, s->name);
			}
		}
}
END_TEST

/* Every numeric parameter of every demo, at both edges of its declared
 * range: the edge is taken, the next value past it is refused with a
 * message that gives the range. */
static void edge(struct params *pp, const char *full, const struct param_spec *sp, double v, int ok)
{
	char kv[128], e[512] = "";
	if (sp->type == PARAM_INT)
		snprintf(kv, sizeof(kv), "%s=%.0f", sp->name, v);
	else
		snprintf(kv, sizeof(kv), "%s=%.17g", sp->name, v);
	int rc = params_set_kv(pp, kv, e, sizeof(e));
	if (ok) {
		ck_assert_msg(rc == 0, "%s: %s refused: %s", full, kv, e);
		ck_assert_msg(params_num(pp, sp->name) == v, "%s: %s read as %.17g", full, kv, params_num(pp, sp->name));
	} else {
		char allowed[128];
		params_allowed(sp, allowed, sizeof(allowed));
		ck_assert_msg(rc == -1, "%s: %s accepted (allowed: %s)", full, kv, allowed);
		ck_assert_msg(strstr(e, "out of range") && strstr(e, allowed), "%s: %s said '%s'", full, kv, e);
	}
}

START_TEST(every_numeric_parameter_at_both_edges)
{
	const struct demo_module *const *mods;
	size_t n = registry_modules(&mods), checked = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < mods[i]->ndemos; k++) {
			const struct demo *dd = &mods[i]->demos[k];
			char full[96];
			snprintf(full, sizeof(full), "%s/%s", mods[i]->name, dd->name);
			for (size_t j = 0; j < dd->nparams; j++) {
				const struct param_spec *sp = &dd->params[j];
				if (sp->type != PARAM_INT && sp->type != PARAM_FLOAT)
					continue;
				struct params pp;
				params_init(&pp, dd->params, dd->nparams);
				double below = sp->type == PARAM_INT ? sp->min - 1 : nextafter(sp->min, -INFINITY);
				double above = sp->type == PARAM_INT ? sp->max + 1 : nextafter(sp->max, INFINITY);
				edge(&pp, full, sp, sp->min, 1);
				edge(&pp, full, sp, sp->max, 1);
				edge(&pp, full, sp, below, 0);
				edge(&pp, full, sp, above, 0);
				checked++;
			}
		}
	ck_assert_uint_gt(checked, 10);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params");
	tcase_set_timeout(tc, 10);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, defaults_and_good_values);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, text_values);
	tcase_add_test(tc, registry_lookups);
	tcase_add_test(tc, every_numeric_parameter_at_both_edges);
	suite_add_tcase(s, tc);
	return support_main(s);
}
