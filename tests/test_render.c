/*
 * test_render.c: golden tests of the text renderer. A fake clock makes the
 * recorded times exact, so the output is the same on every machine; the
 * expected text lives in tests/golden/. UPDATE_GOLDEN=1 rewrites it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "feed.h"
#include "render.h"
#include "support.h"
#include "trace.h"
#include "view.h"

static uint64_t now;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void golden(const char *name, const char *got)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (getenv("UPDATE_GOLDEN") != NULL) {
		FILE *f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
	}
	char *want = slurp(path);
	ck_assert_msg(want != NULL, "missing %s (run with UPDATE_GOLDEN=1)", path);
	ck_assert_msg(strcmp(want, got) == 0, "%s differs; got:\n%s", path, got);
	free(want);
}

/* The interleave shape: two sleepers printing, main joining. */
static struct model *scripted(void)
{
	trace_reset();
	clock_set_fake(&now);
	struct model *m = model_new(0);
	model_set_origin(m, 0);
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_task_t a = trace_task_new("numbers", KIND_THREAD, NULL);
	trace_task_t b = trace_task_new("letters", KIND_THREAD, NULL);
	now = 0;
	trace_state(main_task, STATE_RUNNING, NULL);
	now = 1 * NS_PER_MS;
	trace_state(main_task, STATE_JOIN, NULL);
	trace_state(a, STATE_SLEEP, NULL);
	trace_state(b, STATE_SLEEP, NULL);
	for (int i = 0; i < 5; i++) {
		now = (uint64_t)(i + 1) * 100 * NS_PER_MS;
		trace_state(a, STATE_RUNNING, NULL);
		trace_markf(a, "Number %d", i + 1);
		now += 20 * NS_PER_MS;
		trace_state(a, STATE_SLEEP, NULL);
		trace_state(b, STATE_RUNNING, NULL);
		trace_markf(b, "Letter %c", 'a' + i);
		now += 20 * NS_PER_MS;
		trace_state(b, i % 2 ? STATE_IO : STATE_SLEEP, NULL);
	}
	now = 600 * NS_PER_MS;
	trace_end(a);
	trace_end(b);
	trace_end(main_task);
	feed_finish(m, now);
	clock_set_fake(NULL);
	return m;
}

START_TEST(timeline_ascii)
{
	struct model *m = scripted();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct text_options o = {.width = 80, .ascii = 1};
	render_text_timeline(f, m, 0, 600 * NS_PER_MS, 0, &o);
	fclose(f);
	golden("timeline_ascii.txt", buf);
	free(buf);
	model_free(m);
}
END_TEST

START_TEST(timeline_utf8_simulated_time)
{
	struct model *m = scripted();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct text_options o = {.width = 72, .ascii = 0};
	/* 600 ms shown as 6 simulated hours: 36,000 simulated s per real s. */
	render_text_timeline(f, m, 0, 600 * NS_PER_MS, 36000, &o);
	fclose(f);
	golden("timeline_sim_utf8.txt", buf);
	free(buf);
	model_free(m);
}
END_TEST

START_TEST(durations_read_well)
{
	char b[32];
	view_format_duration(850, 1, b, sizeof(b));
	ck_assert_str_eq(b, "850 ns");
	view_format_duration(12500, 1, b, sizeof(b));
	ck_assert_str_eq(b, "12.5 us");
	view_format_duration(12500, 0, b, sizeof(b));
	ck_assert_str_eq(b, "12.5 \u00b5s");
	view_format_duration(3200000, 1, b, sizeof(b));
	ck_assert_str_eq(b, "3.20 ms");
	view_format_duration(1500000000ull, 1, b, sizeof(b));
	ck_assert_str_eq(b, "1.50 s");
	view_format_duration(125 * NS_PER_S, 1, b, sizeof(b));
	ck_assert_str_eq(b, "2 m 05 s");
	view_format_duration(43200 * NS_PER_S, 1, b, sizeof(b));
	ck_assert_str_eq(b, "12 h 00 m");
	struct viewport v = {.origin = 1000, .sim_scale = 3600};
	view_format_time(&v, 1000 + NS_PER_S, 1, b, sizeof(b));
	ck_assert_str_eq(b, "1:00:00");
}
END_TEST

START_TEST(zoom_keeps_the_cursor_instant)
{
	struct viewport v = {.origin = 0};
	view_fit(&v, 0, 1000000, 100);
	ck_assert_uint_eq(v.dt, 10000);
	uint64_t before = v.t0 + 40 * v.dt;
	view_zoom(&v, 0.5, 40);
	ck_assert_uint_eq(v.dt, 5000);
	ck_assert_uint_eq(v.t0 + 40 * v.dt, before);
	ck_assert_int_eq(view_col(&v, before), 40);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, timeline_ascii);
	tcase_add_test(tc, timeline_utf8_simulated_time);
	tcase_add_test(tc, durations_read_well);
	tcase_add_test(tc, zoom_keeps_the_cursor_instant);
	suite_add_tcase(s, tc);
	return support_main(s);
}
