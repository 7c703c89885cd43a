/*
 * test_render.c: golden tests of the text renderer. A fake clock makes the
 * recorded times exact, so the output is the same on every machine; the
 * expected text lives in tests/golden/. UPDATE_GOLDEN=1 rewrites it.
 */
#include <ctype.h>
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

/* render_text_timeline of [0, end) as a string (free it). */
static char *timeline_text(const struct model *m, uint64_t end, double sim_scale, int width, int ascii)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct text_options o = {.width = width, .ascii = ascii};
	render_text_timeline(f, m, 0, end, sim_scale, &o);
	fclose(f);
	return buf;
}

START_TEST(timeline_ascii)
{
	struct model *m = scripted();
	char *buf = timeline_text(m, 600 * NS_PER_MS, 0, 80, 1);
	golden("timeline_ascii.txt", buf);
	free(buf);
	model_free(m);
}
END_TEST

START_TEST(timeline_utf8_simulated_time)
{
	struct model *m = scripted();
	/* 600 ms shown as 6 simulated hours: 36,000 simulated s per real s. */
	char *buf = timeline_text(m, 600 * NS_PER_MS, 36000, 72, 0);
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

static enum state look(uint64_t run, enum state w, uint64_t wait, enum state w2, uint64_t wait2,
                       struct view_cell_look *lk)
{
	struct model_cell c;
	memset(&c, 0, sizeof(c));
	c.ns[STATE_RUNNING] = run;
	c.ns[w] += wait;
	c.ns[w2] += wait2;
	view_cell_look(&c, 100, lk);
	return lk->state;
}

/* A cell shows its longest wait unless running lasted twice as long; a
 * GIL or lock wait that lost the cell still shows (brief); running shows
 * its share in eighths. */
START_TEST(a_cell_never_hides_a_wait)
{
	struct view_cell_look lk;
	ck_assert_int_eq(look(50, STATE_GIL, 50, STATE_DONE, 0, &lk), STATE_GIL);
	ck_assert_int_eq(lk.brief, STATE_DONE);
	ck_assert_int_eq(look(60, STATE_GIL, 40, STATE_DONE, 0, &lk), STATE_GIL);
	ck_assert_int_eq(look(70, STATE_GIL, 30, STATE_DONE, 0, &lk), STATE_RUNNING);
	ck_assert_int_eq(lk.brief, STATE_GIL);
	ck_assert_int_eq(lk.eighths, 6);
	ck_assert_int_eq(look(100, STATE_DONE, 0, STATE_DONE, 0, &lk), STATE_RUNNING);
	ck_assert_int_eq(lk.eighths, 8);
	ck_assert_int_eq(lk.brief, STATE_DONE);
	/* an I/O wait wins, and a shorter lock wait still shows */
	ck_assert_int_eq(look(10, STATE_IO, 60, STATE_LOCK, 30, &lk), STATE_IO);
	ck_assert_int_eq(lk.brief, STATE_LOCK);
	/* the GIL wins over preemption when longer, and needs no brief */
	ck_assert_int_eq(look(20, STATE_GIL, 50, STATE_PREEMPTED, 30, &lk), STATE_GIL);
	ck_assert_int_eq(lk.brief, STATE_DONE);
	/* a task absent from most of the cell is blank */
	ck_assert_int_eq(look(10, STATE_GIL, 10, STATE_DONE, 0, &lk), STATE_DONE);
	ck_assert(view_state_never_hidden(STATE_GIL) && view_state_never_hidden(STATE_LOCK) &&
	          view_state_never_hidden(STATE_BLOCKED));
	ck_assert(!view_state_never_hidden(STATE_IO) && !view_state_never_hidden(STATE_PREEMPTED));
	ck_assert(view_state_never_hidden(STATE_GIL_INFERRED));
	/* their brief form, the small letter, is no other state's glyph, but
	 * for the GIL's: g, the glyph of an inferred GIL wait (both GIL waits) */
	for (int s = 0; s < STATE_COUNT; s++) {
		if (!view_state_never_hidden((enum state)s))
			continue;
		char g = state_glyph((enum state)s, 1)[0];
		ck_assert(isalpha((unsigned char)g));
		for (int o = 0; o < STATE_COUNT; o++)
			if (o != s && state_glyph((enum state)o, 1)[0] == tolower((unsigned char)g))
				ck_assert(s == STATE_GIL && o == STATE_GIL_INFERRED);
	}
}
END_TEST

START_TEST(numbers_read_as_written)
{
	char b[32];
	static const struct {
		double v;
		const char *s;
	} cases[] = {{10000, "10000"}, {1e6, "1000000"}, {870.4, "870.4"}, {0.1494, "0.1494"},
	             {1.992, "1.992"}, {0.5, "0.5"}, {12345.67, "12346"}, {-2.25, "-2.25"}, {0, "0"},
	             {1.10, "1.1"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		view_format_number(cases[i].v, b, sizeof(b));
		ck_assert_str_eq(b, cases[i].s);
	}
}
END_TEST

START_TEST(mark_text_drops_a_repeated_name)
{
	ck_assert_str_eq(view_mark_text("worker 0", "worker 0: pid 12"), "pid 12");
	ck_assert_str_eq(view_mark_text("worker 0", "worker 01: x"), "worker 01: x");
	ck_assert_str_eq(view_mark_text("process 0", "worker 0: pid 12"), "worker 0: pid 12");
	ck_assert_str_eq(view_mark_text("", ": x"), ": x");
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

/* The lanes view_lanes gives, as "t3" (task 3) or "g1" (group 1). */
static void lane_say(void *arg, int is_group, size_t index)
{
	char *out = arg;
	snprintf(out + strlen(out), 16, "%s%c%zu", out[0] ? " " : "", is_group ? 'g' : 't', index);
}

/* Tasks: main (no group), then workers of group "w" and "v" interleaved,
 * and a logger of no group among them. */
static struct model *grouped_model(int nworkers)
{
	trace_reset();
	clock_set_fake(&now);
	now = 0;
	struct model *m = model_new(0);
	model_set_origin(m, 0);
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_state(main_task, STATE_RUNNING, NULL);
	for (int i = 0; i < nworkers; i++) {
		char name[16];
		snprintf(name, sizeof(name), "w%d", i);
		trace_task_t w = trace_task_new(name, KIND_THREAD, i % 2 ? "v" : "w");
		trace_state(w, STATE_RUNNING, NULL);
		if (i == 1)
			trace_state(trace_task_new("logger", KIND_THREAD, NULL), STATE_SLEEP, NULL);
	}
	now = 10 * NS_PER_MS;
	feed_finish(m, now);
	clock_set_fake(NULL);
	return m;
}

/* One grouping policy for the TUI and --plain: tasks while they fit, then
 * a group's lane where its first task stood; an open group alone. */
START_TEST(lanes_group_past_the_limit)
{
	struct model *m = grouped_model(4); /* main w0 w1 logger w2 w3 */
	char got[256] = "";
	ck_assert_int_eq(view_lanes(m, 6, -1, lane_say, got), 6);
	ck_assert_str_eq(got, "t0 t1 t2 t3 t4 t5");
	got[0] = '\0';
	ck_assert_int_eq(view_lanes(m, 5, -1, lane_say, got), 4);
	ck_assert_str_eq(got, "t0 g0 g1 t3");
	got[0] = '\0';
	ck_assert_int_eq(view_lanes(m, 5, 1, lane_say, got), 2);
	ck_assert_str_eq(got, "t2 t5");
	model_free(m);

	/* --plain groups past its limit too, naming each group's size. */
	m = grouped_model(80);
	char *buf = timeline_text(m, 10 * NS_PER_MS, 0, 80, 1);
	ck_assert_msg(strstr(buf, "\nw x40 ") != NULL && strstr(buf, "\nv x40 ") != NULL &&
	                  strstr(buf, "\nlogger ") != NULL && strstr(buf, "\nw0 ") == NULL,
	              "got:\n%s", buf);
	free(buf);
	model_free(m);
}
END_TEST

/* Two threads trading the GIL every 5 ms (each waits 5 ms, woken by the
 * other), a job cancelled at 300 ms after a long sleep, and main woken at
 * 400 ms by the job's sibling returning. */
static struct model *scripted_wakes(void)
{
	trace_reset();
	clock_set_fake(&now);
	struct model *m = model_new(0);
	model_set_origin(m, 0);
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_task_t ga = trace_task_new("gil-a", KIND_THREAD, NULL);
	trace_task_t gb = trace_task_new("gil-b", KIND_THREAD, NULL);
	trace_task_t job = trace_task_new("job", KIND_COROUTINE, NULL);
	trace_task_t sib = trace_task_new("sibling", KIND_COROUTINE, NULL);
	now = 0;
	trace_state(main_task, STATE_JOIN, "await gather");
	trace_state(job, STATE_SLEEP, NULL);
	trace_state(sib, STATE_SLEEP, NULL);
	for (int i = 0; i < 100; i++) { /* 500 ms of hand-overs */
		trace_task_t run = i % 2 ? gb : ga, wait = i % 2 ? ga : gb;
		now = (uint64_t)i * 5 * NS_PER_MS;
		if (i > 0)
			trace_wake(run, wait, "let the GIL go");
		trace_state(run, STATE_RUNNING, NULL);
		trace_state(wait, STATE_GIL, "waiting for the GIL");
	}
	now = 300 * NS_PER_MS;
	trace_wake(job, main_task, "cancelled");
	trace_state(job, STATE_READY, NULL);
	trace_end_as(job, TASK_END_CANCELLED);
	now = 400 * NS_PER_MS;
	trace_wake(main_task, sib, "returned");
	trace_end(sib);
	trace_state(main_task, STATE_RUNNING, NULL);
	now = 500 * NS_PER_MS;
	trace_end(ga);
	trace_end(gb);
	now = 600 * NS_PER_MS;
	trace_end(main_task);
	feed_finish(m, now);
	clock_set_fake(NULL);
	return m;
}

/* The cells of lane `name` in a timeline's text (after the name column). */
static const char *lane_of(const char *text, const char *name, char *buf, size_t n)
{
	char key[32];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(text, key);
	ck_assert_msg(p != NULL, "no lane %s in:\n%s", name, text);
	p += strlen(key);
	while (*p == ' ')
		p++;
	size_t k = 0;
	while (p[k] && p[k] != '\n' && k + 1 < n) {
		buf[k] = p[k];
		k++;
	}
	buf[k] = '\0';
	return buf;
}

static int count_of(const char *s, char c)
{
	int n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* A wake is marked where the wait it ended is a column wide or more: at
 * the whole run's zoom the 5 ms GIL hand-overs are not, main's 400 ms join
 * and the job's 300 ms sleep are; zoomed in to 1 ms a column, every
 * hand-over is. The cancelled job's cross stands right after its last
 * cell, its lane blank after it. */
START_TEST(wakes_marked_where_their_wait_is_a_column)
{
	struct model *m = scripted_wakes();
	char lane[256];
	char *all = timeline_text(m, 600 * NS_PER_MS, 0, 80, 1);
	ck_assert_msg(count_of(lane_of(all, "gil-a", lane, sizeof(lane)), '>') == 0, "%s", all);
	ck_assert_msg(count_of(lane_of(all, "gil-b", lane, sizeof(lane)), '>') == 0, "%s", all);
	ck_assert_int_eq(count_of(lane_of(all, "main", lane, sizeof(lane)), '>'), 1);
	ck_assert_int_eq(count_of(lane_of(all, "sibling", lane, sizeof(lane)), '>'), 0);
	const char *j = lane_of(all, "job", lane, sizeof(lane));
	ck_assert_int_eq(count_of(j, '>'), 1);
	const char *x = strchr(j, 'x');
	ck_assert_msg(x != NULL && x > j && strspn(x + 1, " ") == strlen(x + 1) && x[-1] != ' ',
	              "no cross right after job's last cell: '%s'", j);
	ck_assert_msg(strstr(all, "> woken by another task") != NULL && strstr(all, "x cancelled") != NULL,
	              "legend: %s", all);
	char *zoomed = timeline_text(m, 60 * NS_PER_MS, 0, 72, 1); /* under 1 ms a column */
	ck_assert_int_ge(count_of(lane_of(zoomed, "gil-a", lane, sizeof(lane)), '>'), 5);
	ck_assert_int_ge(count_of(lane_of(zoomed, "gil-b", lane, sizeof(lane)), '>'), 5);
	free(zoomed);
	free(all);
	model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("render");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, timeline_ascii);
	tcase_add_test(tc, lanes_group_past_the_limit);
	tcase_add_test(tc, timeline_utf8_simulated_time);
	tcase_add_test(tc, durations_read_well);
	tcase_add_test(tc, zoom_keeps_the_cursor_instant);
	tcase_add_test(tc, a_cell_never_hides_a_wait);
	tcase_add_test(tc, mark_text_drops_a_repeated_name);
	tcase_add_test(tc, numbers_read_as_written);
	tcase_add_test(tc, wakes_marked_where_their_wait_is_a_column);
	suite_add_tcase(s, tc);
	return support_main(s);
}
