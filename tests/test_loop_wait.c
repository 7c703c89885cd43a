/*
 * test_loop_wait.c: loop/wait for real: asyncio.wait returns with the
 * first task and the rest are cancelled at once; wait_for cancels the
 * slow task at its timeout; a TaskGroup cancels the siblings of a task
 * that failed. Every lane ends, and says how.
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
