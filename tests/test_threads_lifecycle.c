/*
 * test_threads_lifecycle.c: threads/daemon and threads/wakeup for real.
 * A program waits at its end for a non-daemon thread and not for a daemon
 * one, which is cut off with its process (a real exit); join waits for
 * either. Threads waiting on sockets, and an event loop, are not woken
 * by the kernel until their own data comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "support.h"

START_TEST(daemon_cut_off_at_exit)
{
	static const char *const sets[] = {"steps=8", "step_ms=50", "main_ms=120", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/daemon", sets, &run);
	support_check_invariants(m, 1, 0.02);
	/* Waited for: every step, and the program lasts the worker's time. */
	ck_assert_double_eq(support_result(&run, "nondaemon_steps"), 8);
	ck_assert_double_ge(support_result(&run, "nondaemon_ms"), 8 * 50);
	ck_assert_double_ge(support_result(&run, "exit_wait_ms"), 8 * 50 - 120 - 30);
	ck_assert_double_eq(support_result(&run, "join_steps"), 8);
	ck_assert_double_ge(support_result(&run, "join_ms"), 8 * 50);
	/* Not waited for: the process ends with main, the worker mid-way. */
	ck_assert_double_lt(support_result(&run, "daemon_steps"), 8);
	ck_assert_double_lt(support_result(&run, "daemon_ms"), 8 * 50);
	ck_assert(support_lane_has_mark(m, "worker 2 (daemon=True)", "cut off after"));
	ck_assert(!support_lane_has_mark(m, "worker 2 (daemon=True)", "step 8 of 8"));
	ck_assert(support_lane_has_mark(m, "worker 1 (daemon=False)", "step 8 of 8"));
	ck_assert(support_lane_has_mark(m, "worker 3 (daemon=True)", "step 8 of 8"));
	/* Each program was a process of its own: its threads are not ours. */
	for (int i = 1; i <= 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "main %d (%s)", i, i == 1 ? "non-daemon" : i == 2 ? "daemon" : "daemon+join");
		int t = support_task(m, name);
		ck_assert_msg(t >= 0, "no lane %s", name);
		ck_assert_int_ne(model_task(m, (size_t)t)->pid, getpid());
	}
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

START_TEST(wakeup_only_the_ready_one)
{
	static const char *const sets[] = {"ready_ms=100", "others_ms=700", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/wakeup", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "thread_wakeups_waiting"), 0);
	ck_assert_double_eq(support_result(&run, "loop_wakeups_waiting"), 0);
	ck_assert_double_eq(support_result(&run, "window_ms"), 400);
	/* T3 is done long before T1 and T2, in both halves. */
	const char *first[] = {"T3", "task T3"}, *later[] = {"T1", "task T1"};
	for (int i = 0; i < 2; i++) {
		const struct model_task *a = model_task(m, (size_t)support_task(m, first[i]));
		const struct model_task *b = model_task(m, (size_t)support_task(m, later[i]));
		ck_assert_uint_gt(b->end_ns - a->end_ns, 400 * NS_PER_MS);
	}
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(lifecycle_demos_stop_soon)
{
	static const char *const d[] = {"steps=100", "step_ms=500", NULL};
	static const char *const w[] = {"others_ms=20000", NULL};
	char err[256];
	double ms = support_stop_after("threads/daemon", d, 400, err, sizeof(err));
	ck_assert_msg(ms >= 0 && ms < 1500, "threads/daemon: %.0f ms to stop (%s)", ms, err);
	support_assert_nothing_left();
	ms = support_stop_after("threads/wakeup", w, 400, err, sizeof(err));
	ck_assert_msg(ms >= 0 && ms < 1500, "threads/wakeup: %.0f ms to stop (%s)", ms, err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("threads_lifecycle");
	TCase *tc = tcase_create("lifecycle");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, daemon_cut_off_at_exit);
	tcase_add_test(tc, wakeup_only_the_ready_one);
	tcase_add_test(tc, lifecycle_demos_stop_soon);
	suite_add_tcase(s, tc);
	return support_main(s);
}
