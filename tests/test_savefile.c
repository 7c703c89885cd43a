/*
 * test_savefile.c: a saved run comes back as it was. A real run and a
 * synthetic one with awkward text (quotes, newlines, control bytes, UTF-8),
 * groups, parents, cores, preempted spans, a task still alive and
 * milestones are written, loaded and written again: the save file, the JSON
 * report, the Chrome trace and the text view are byte for byte the same, and
 * the loaded model answers span by span as the original, wakes and how
 * tasks ended included (a wake at the very nanosecond of the woken task's
 * next state keeps its place before it). Version 1 and 2 files load; their
 * counters stay, every task that ended has finished and none was woken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_trace.h"
#include "render.h"
#include "savefile.h"
#include "support.h"

typedef int (*writer)(FILE *f, struct run *run, const struct model *m);

static int write_plain(FILE *f, struct run *run, const struct model *m)
{
	struct text_options o = {.width = 100, .ascii = 1};
	render_text(f, run, m, &o);
	return ferror(f) ? -1 : 0;
}

/* What w writes, as a string (caller frees). */
static char *written(writer w, struct run *run, const struct model *m, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(w(f, run, m), 0);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static void same_output(writer w, const char *what, struct run *a, const struct model *ma, struct run *b,
                        const struct model *mb)
{
	char *x = written(w, a, ma, NULL), *y = written(w, b, mb, NULL);
	ck_assert_msg(strcmp(x, y) == 0, "%s differs after a round trip:\n%s\n---\n%s", what, x, y);
	free(x);
	free(y);
}

/* The wakes and how tasks ended: the same in both models. */
static void same_wakes_and_ends(const struct model *a, const struct model *b)
{
	for (size_t i = 0; i < model_task_count(a); i++)
		ck_assert_int_eq(model_task(a, i)->end_how, model_task(b, i)->end_how);
	ck_assert_uint_eq(model_wake_count(a), model_wake_count(b));
	for (size_t k = 0; k < model_wake_count(a); k++) {
		struct model_wake p, q;
		model_wake_get(a, k, &p);
		model_wake_get(b, k, &q);
		ck_assert_uint_eq(p.t_ns, q.t_ns);
		ck_assert_int_eq(p.task, q.task);
		ck_assert_int_eq(p.waker, q.waker);
		ck_assert_int_eq(p.state, q.state);
		ck_assert_uint_eq(p.waited_ns, q.waited_ns);
		ck_assert_str_eq(p.cause, q.cause);
	}
}

/* Every query a view makes gives the same answer on both models (but for
 * wakes and ends, which an old file does not have). */
static void same_model_but_wakes(const struct model *a, const struct model *b)
{
	ck_assert_uint_eq(model_task_count(a), model_task_count(b));
	ck_assert_uint_eq(model_origin(a), model_origin(b));
	for (size_t i = 0; i < model_task_count(a); i++) {
		const struct model_task *x = model_task(a, i), *y = model_task(b, i);
		ck_assert_str_eq(x->name, y->name);
		ck_assert_str_eq(x->group, y->group);
		ck_assert_int_eq(x->kind, y->kind);
		ck_assert_int_eq(x->parent, y->parent);
		ck_assert_int_eq(x->pid, y->pid);
		ck_assert_int_eq(x->tid, y->tid);
		ck_assert_uint_eq(x->start_ns, y->start_ns);
		ck_assert_uint_eq(x->end_ns, y->end_ns);
		ck_assert_uint_eq(x->nmarks, y->nmarks);
		ck_assert_uint_eq(model_span_count(a, i), model_span_count(b, i));
		for (size_t k = 0; k < model_span_count(a, i); k++) {
			struct model_span p, q;
			model_span_get(a, i, k, &p);
			model_span_get(b, i, k, &q);
			ck_assert_uint_eq(p.start_ns, q.start_ns);
			ck_assert_uint_eq(p.end_ns, q.end_ns);
			ck_assert_int_eq(p.state, q.state);
			ck_assert_int_eq(p.line, q.line);
			ck_assert_int_eq(p.core, q.core);
			ck_assert_str_eq(p.reason, q.reason);
		}
	}
	ck_assert_uint_eq(model_mark_count(a), model_mark_count(b));
	for (size_t k = 0; k < model_mark_count(a); k++) {
		struct model_mark p, q;
		model_mark_get(a, k, &p);
		model_mark_get(b, k, &q);
		ck_assert_uint_eq(p.t_ns, q.t_ns);
		ck_assert_int_eq(p.task, q.task);
		ck_assert_str_eq(p.text, q.text);
	}
	ck_assert_uint_eq(model_milestone_count(a), model_milestone_count(b));
}

static void same_model(const struct model *a, const struct model *b)
{
	same_model_but_wakes(a, b);
	same_wakes_and_ends(a, b);
}

/* Save, load, and compare everything; returns the loaded model (the
 * caller frees it and destroys *back). */
static struct model *round_trip(struct run *run, const struct model *m, struct run *back)
{
	size_t len;
	char *saved = written(savefile_write, run, m, &len);
	char err[512];
	struct model *m2;
	ck_assert_msg(savefile_parse(saved, len, back, &m2, err, sizeof(err)) == 0, "load: %s", err);
	same_model(m, m2);
	ck_assert_mem_eq(&run->counters, &back->counters, sizeof(run->counters));
	same_output(savefile_write, "the save file", run, m, back, m2);
	same_output(report_write, "the report", run, m, back, m2);
	same_output(export_trace_write, "the Chrome trace", run, m, back, m2);
	same_output(write_plain, "the text view", run, m, back, m2);
	free(saved);
	return m2;
}

START_TEST(real_run_round_trips)
{
	static const char *const sets[] = {"pause_ms=5", "count=3", "busy=1", NULL};
	struct run run, back;
	struct model *m = support_run_demo("threads/interleave", sets, &run);
	ck_assert_uint_gt(run.counters.events, 0);
	ck_assert_uint_gt(run.counters.model_bytes, 0);
	ck_assert_int_ge(run.counters.cores, 1);
	ck_assert_msg(strcmp(run.counters.clock, "tsc") == 0 || strcmp(run.counters.clock, "monotonic") == 0,
	              "clock '%s'", run.counters.clock);
	struct model *m2 = round_trip(&run, m, &back);
	model_free(m2);
	run_destroy(&back);
	model_free(m);
	run_destroy(&run);
}
END_TEST

static int add(struct model *m, const char *name, enum task_kind kind, const char *group, int parent)
{
	struct trace_task_info info = {.name = name, .kind = kind, .group = group, .parent = parent};
	return (int)model_task_add(m, &info);
}

START_TEST(awkward_run_round_trips)
{
	const struct demo_module *mod;
	const struct demo *d = registry_find("threads/interleave", &mod);
	struct run run, back;
	run_init(&run, mod, d);
	const uint64_t t0 = 5000000000ull, ms = 1000000;
	struct model *m = model_new(0);
	model_set_origin(m, t0);
	int main_task = add(m, "main \"quoted\"", KIND_MAIN, "", -1);
	int w1 = add(m, "worker\tone", KIND_THREAD, "pool é", main_task);
	int w2 = add(m, "worker\\two", KIND_THREAD, "pool é", main_task);
	int alive = add(m, "still alive", KIND_PROCESS, "", -1);
	support_feed(m, t0, TRACE_EV_BIND, main_task, 0, 0, 100, 100, NULL);
	support_feed(m, t0, TRACE_EV_STATE, main_task, STATE_RUNNING, 1, 0, 0, "start");
	support_feed(m, t0 + ms, TRACE_EV_BIND, w1, 0, 0, 100, 101, NULL);
	support_feed(m, t0 + ms, TRACE_EV_BIND, w2, 0, 0, 100, 101, NULL); /* same thread: coroutines */
	support_feed(m, t0 + ms, TRACE_EV_STATE, w1, STATE_RUNNING, 7, 0, 0, "line one\nline two\x01");
	support_feed(m, t0 + 2 * ms, TRACE_EV_CORE, -1, 0, 1, 100, 101, NULL);
	support_feed(m, t0 + 3 * ms, TRACE_EV_PREEMPT, -1, 1, 0, 100, 101, NULL);
	support_feed(m, t0 + 4 * ms, TRACE_EV_PREEMPT, -1, 0, 0, 100, 101, NULL);
	support_feed(m, t0 + 4 * ms, TRACE_EV_STATE, w2, STATE_READY, 8, 0, 0, "waiting \"its\" turn");
	support_feed(m, t0 + 5 * ms, TRACE_EV_MARK, w1, 0, 0, 0, 0, "printed: \"ok\" \\ done\r");
	support_feed(m, t0 + 5 * ms, TRACE_EV_MILESTONE, -1, 0, 0, 0, 0, "halfway \xe2\x86\x92 there");
	support_feed(m, t0 + 6 * ms, TRACE_EV_STATE, w1, STATE_IO, 9, 0, 0, "");
	/* main wakes w2 at the instant w2 runs again: the wake, recorded
	 * first, ends the ready wait of 2 ms (not the running that follows) */
	support_feed(m, t0 + 6 * ms, TRACE_EV_WAKE, w2, 0, 0, (uint32_t)main_task, 0, "let \"it\" go\n");
	support_feed(m, t0 + 6 * ms, TRACE_EV_STATE, w2, STATE_RUNNING, 8, 0, 0, NULL);
	support_feed(m, t0 + 7 * ms, TRACE_EV_END, w1, STATE_DONE, 0, 0, 0, NULL);
	support_feed(m, t0 + 7 * ms, TRACE_EV_END, w2, STATE_DONE, 0, TASK_END_CANCELLED, 0, NULL);
	support_feed(m, t0 + 7 * ms, TRACE_EV_STATE, alive, STATE_SLEEP, 0, 0, 0, "time.sleep(60)");
	support_feed(m, t0 + 8 * ms, TRACE_EV_END, main_task, STATE_DONE, 0, 0, 0, NULL);
	model_apply(m, t0 + 9 * ms);
	run.end_ns = t0 + 9 * ms;
	run.cpu_ns = 3 * ms;
	run.counters = (struct run_counters){
		.events = 17, .dropped = 2, .late = 1, .model_bytes = 12345, .cores = 3};
	run_result_num(&run, "speedup", 1.0 / 3.0);
	run_result_text(&run, "threads.order", "b,a \"then\" c");
	run_panel_set(&run, 0, "panel \"title\"", "row\tone");
	snprintf(run.error, sizeof(run.error), "an error \"quoted\"");

	ck_assert_uint_eq(model_wake_count(m), 1);
	struct model_wake wk;
	model_wake_get(m, 0, &wk);
	ck_assert_int_eq(wk.state, STATE_READY);
	ck_assert_uint_eq(wk.waited_ns, 2 * ms);
	ck_assert_int_eq(model_task(m, (size_t)w2)->end_how, TASK_END_CANCELLED);
	struct model *m2 = round_trip(&run, m, &back);
	ck_assert_uint_eq(model_task(m2, (size_t)alive)->end_ns, 0);
	model_free(m2);
	run_destroy(&back);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* A save file as version `to` (1 or 2) wrote it: no wakes, no HOW on the
 * task lines and, in version 1, no model size on the recorder line. */
static char *downgrade(const char *saved, size_t len, int to, size_t *n_out)
{
	char *old = malloc(len + 1);
	size_t n = 0;
	for (const char *line = saved; *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line + 1) : strlen(line);
		if (strncmp(line, "simul-save ", 11) == 0) {
			n += (size_t)sprintf(old + n, "simul-save %d\n", to);
		} else if (to == 1 && strncmp(line, "recorder ", 9) == 0) {
			unsigned long long e, dr, la, by;
			ck_assert_int_eq(sscanf(line, "recorder %llu %llu %llu %llu", &e, &dr, &la, &by), 4);
			n += (size_t)sprintf(old + n, "recorder %llu %llu %llu\n", e, dr, la);
		} else if (strncmp(line, "task ", 5) == 0) {
			const char *sp = line + ll - 1; /* the last space: before HOW */
			while (*sp != ' ')
				sp--;
			memcpy(old + n, line, (size_t)(sp - line));
			n += (size_t)(sp - line);
			old[n++] = '\n';
		} else if (strncmp(line, "wake ", 5) != 0) {
			memcpy(old + n, line, ll);
			n += ll;
		}
		line += ll;
	}
	old[n] = '\0';
	*n_out = n;
	return old;
}

START_TEST(version_1_still_loads)
{
	static const char *const sets[] = {"pause_ms=2", "count=2", NULL};
	struct run run, back;
	struct model *m = support_run_demo("threads/interleave", sets, &run);
	size_t len, n;
	char *saved = written(savefile_write, &run, m, &len);
	char *v1 = downgrade(saved, len, 1, &n);
	char err[512];
	struct model *m2;
	ck_assert_msg(savefile_parse(v1, n, &back, &m2, err, sizeof(err)) == 0, "load: %s", err);
	same_model_but_wakes(m, m2);
	ck_assert_uint_eq(back.counters.events, run.counters.events);
	ck_assert_uint_eq(back.counters.dropped, run.counters.dropped);
	ck_assert_int_eq(back.counters.cores, run.counters.cores);
	ck_assert_uint_gt(back.counters.model_bytes, 0); /* the loaded model's, for want of the original's */
	/* A version 2 file with a version 1 recorder line is refused. */
	char *bad = strdup(v1);
	memcpy(bad, "simul-save 2", 12);
	struct run r3;
	struct model *m3;
	ck_assert_int_eq(savefile_parse(bad, n, &r3, &m3, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "recorder EVENTS DROPPED LATE BYTES") != NULL, "%s", err);
	/* A version 3 file without HOW is refused too, naming it. */
	memcpy(bad, "simul-save 3", 12);
	ck_assert_int_eq(savefile_parse(bad, n, &r3, &m3, err, sizeof(err)), -1);
	free(bad);
	free(v1);
	free(saved);
	model_free(m2);
	run_destroy(&back);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* loop/wait cancels tasks and wakes its main: the round trip keeps both;
 * as a version 2 file, the same run loads with every task finished and no
 * wake, all else the same. */
START_TEST(wakes_and_cancelled_round_trip_and_version_2_loads)
{
	static const char *const sets[] = {"tasks=2", "step_ms=20", "slow_ms=400", "timeout_ms=30", "fail_ms=20",
	                                   NULL};
	struct run run, back, back2;
	struct model *m = support_run_demo("loop/wait", sets, &run);
	ck_assert_uint_gt(model_wake_count(m), 0);
	int cancelled = 0;
	for (size_t i = 0; i < model_task_count(m); i++)
		cancelled += model_task(m, i)->end_how == TASK_END_CANCELLED;
	ck_assert_int_gt(cancelled, 0);
	struct model *m2 = round_trip(&run, m, &back);
	size_t len, n;
	char *saved = written(savefile_write, &run, m, &len);
	char *v2 = downgrade(saved, len, 2, &n);
	char err[512];
	struct model *m3;
	ck_assert_msg(savefile_parse(v2, n, &back2, &m3, err, sizeof(err)) == 0, "load: %s", err);
	same_model_but_wakes(m, m3);
	ck_assert_uint_eq(model_wake_count(m3), 0);
	for (size_t i = 0; i < model_task_count(m3); i++)
		ck_assert_int_eq(model_task(m3, i)->end_how, TASK_END_FINISHED);
	free(v2);
	free(saved);
	model_free(m3);
	run_destroy(&back2);
	model_free(m2);
	run_destroy(&back);
	model_free(m);
	run_destroy(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("savefile");
	TCase *tc = tcase_create("savefile");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, real_run_round_trips);
	tcase_add_test(tc, awkward_run_round_trips);
	tcase_add_test(tc, version_1_still_loads);
	tcase_add_test(tc, wakes_and_cancelled_round_trip_and_version_2_loads);
	suite_add_tcase(s, tc);
	return support_main(s);
}
