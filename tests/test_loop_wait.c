/*
 * test_loop_wait.c: loop/wait for real: asyncio.wait returns with the
 * first task and the rest are cancelled at once; wait_for cancels the
 * slow task at its timeout; a TaskGroup cancels the siblings of a task
 * that failed. Every lane ends, and says how: a task cancelled ends as
 * cancelled, every other one (the failed one too) as finished; the tasks
 * cancelled were woken by main's cancel, and main by the task it awaited.
 */
#include <string.h>

#include "clock.h"
#include "support.h"

/* When a lane ended, in ms from the start of the run. */
static double end_ms(const struct model *m, const char *task)
{
	int t = support_task(m, task);
	ck_assert_msg(t >= 0, "no lane %s", task);
	const struct model_task *mt = model_task(m, (size_t)t);
	ck_assert_uint_ne(mt->end_ns, 0);
	return (double)(mt->end_ns - model_origin(m)) / (double)NS_PER_MS;
}

static enum task_end end_how(const struct model *m, const char *task)
{
	int t = support_task(m, task);
	ck_assert_msg(t >= 0, "no lane %s", task);
	ck_assert_msg(model_task(m, (size_t)t)->end_ns != 0, "%s never ended", task);
	return model_task(m, (size_t)t)->end_how;
}

/* The first wake of `task` by `waker` (-1: none); *w gets it. */
static long woken_by(const struct model *m, const char *task, const char *waker, struct model_wake *w)
{
	int t = support_task(m, task), by = support_task(m, waker);
	ck_assert_msg(t >= 0 && by >= 0, "no lane %s or %s", task, waker);
	for (size_t k = 0; k < model_wake_count(m); k++) {
		model_wake_get(m, k, w);
		if (w->task == t && w->waker == by)
			return (long)k;
	}
	return -1;
}

START_TEST(wait_cancels_what_is_left)
{
	static const char *const sets[] = {"tasks=3", "step_ms=100", "slow_ms=2000", "timeout_ms=150", "fail_ms=80",
	                                   NULL};
	struct run run;
	struct model *m = support_run_demo("loop/wait", sets, &run);
	support_check_invariants(m, 1, 0.02);
	/* 1. The first after one step; the others cancelled then, their sleeps
	 * cut short (fetch 3 would have slept 300 ms). */
	double first = support_result(&run, "first_ms");
	ck_assert_double_ge(first, 95);
	ck_assert_double_lt(first, 200);
	ck_assert(support_lane_has_mark(m, "fetch 1", "done after 100 ms"));
	ck_assert(support_lane_has_mark(m, "fetch 2", "CancelledError"));
	ck_assert(support_lane_has_mark(m, "fetch 3", "CancelledError"));
	ck_assert_double_lt(end_ms(m, "fetch 3") - end_ms(m, "fetch 1"), 150);
	/* 2. The slow task (2 s) is cut off at the 150 ms timeout. */
	double wf = support_result(&run, "wait_for_ms");
	ck_assert_double_ge(wf, 145);
	ck_assert_double_lt(wf, 1000);
	ck_assert(support_lane_has_mark(m, "slow", "CancelledError"));
	ck_assert(support_lane_has_mark(m, "main", "TimeoutError"));
	/* 3. bad fails at 80 ms; a (160) and c (240) are cancelled then: the
	 * group ends well before c's own time. */
	double tg = support_result(&run, "taskgroup_ms");
	ck_assert_double_ge(tg, 75);
	ck_assert_double_lt(tg, 200);
	ck_assert(support_lane_has_mark(m, "bad", "RuntimeError"));
	ck_assert(support_lane_has_mark(m, "a", "CancelledError") && support_lane_has_mark(m, "c", "CancelledError"));
	ck_assert(support_lane_has_mark(m, "main", "ExceptionGroup"));
	ck_assert_double_eq(support_result(&run, "cancelled"), 2 + 1 + 2);
	/* Ends: cancelled exactly where a CancelledError ended the task. */
	static const char *const cancelled[] = {"fetch 2", "fetch 3", "slow", "a", "c"};
	static const char *const finished[] = {"fetch 1", "bad", "main", "event loop"};
	for (size_t i = 0; i < sizeof(cancelled) / sizeof(cancelled[0]); i++)
		ck_assert_msg(end_how(m, cancelled[i]) == TASK_END_CANCELLED, "%s did not end cancelled", cancelled[i]);
	for (size_t i = 0; i < sizeof(finished) / sizeof(finished[0]); i++)
		ck_assert_msg(end_how(m, finished[i]) == TASK_END_FINISHED, "%s did not end finished", finished[i]);
	/* Wakes: main's cancel wakes the sleepers; fetch 1's return wakes
	 * main from asyncio.wait, after about first_ms of waiting. */
	struct model_wake w;
	for (size_t i = 0; i < sizeof(cancelled) / sizeof(cancelled[0]); i++) {
		ck_assert_msg(woken_by(m, cancelled[i], "main", &w) >= 0, "%s not woken by main", cancelled[i]);
		ck_assert_str_eq(w.cause, "cancelled");
		ck_assert_int_eq(w.state, STATE_SLEEP);
	}
	ck_assert_msg(woken_by(m, "main", "fetch 1", &w) >= 0, "main not woken by fetch 1");
	ck_assert_str_eq(w.cause, "returned");
	ck_assert_int_eq(w.state, STATE_JOIN);
	ck_assert_double_ge((double)w.waited_ns / NS_PER_MS, first * 0.9);
	ck_assert_double_le((double)w.waited_ns / NS_PER_MS, first * 1.1);
	/* no wake by a timer: fetch 1's own sleep ended by none */
	ck_assert_msg(woken_by(m, "fetch 1", "main", &w) < 0, "fetch 1 was woken by main");
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* A timeout longer than the task: wait_for returns its result, nothing
 * is cancelled there. */
START_TEST(wait_for_in_time)
{
	static const char *const sets[] = {"tasks=2", "step_ms=20", "slow_ms=50", "timeout_ms=1000", "fail_ms=20",
	                                   NULL};
	struct run run;
	struct model *m = support_run_demo("loop/wait", sets, &run);
	ck_assert(support_lane_has_mark(m, "slow", "done after 50 ms"));
	ck_assert_double_lt(support_result(&run, "wait_for_ms"), 500);
	ck_assert_double_eq(support_result(&run, "cancelled"), 1 + 0 + 2);
	ck_assert_int_eq(end_how(m, "slow"), TASK_END_FINISHED);
	ck_assert_int_eq(end_how(m, "fetch 2"), TASK_END_CANCELLED);
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(wait_stops_soon)
{
	static const char *const sets[] = {"slow_ms=10000", "timeout_ms=10000", NULL};
	char err[256];
	double ms = support_stop_after("loop/wait", sets, 700, err, sizeof(err));
	ck_assert_msg(ms >= 0, "ended before it was stopped: %s", err);
	ck_assert_msg(ms < 1500, "took %.0f ms to stop", ms);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop_wait");
	TCase *tc = tcase_create("wait");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, wait_cancels_what_is_left);
	tcase_add_test(tc, wait_for_in_time);
	tcase_add_test(tc, wait_stops_soon);
	suite_add_tcase(s, tc);
	return support_main(s);
}
