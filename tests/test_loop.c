/*
 * test_loop.c: the loop module's demos run for real, at small sizes, and
 * what they record has the shape their lessons describe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "app.h"
#include "clock.h"
#include "support.h"
#include "trace.h"

#define MS 1000000ull

/* Longest span in state s of task i. */
static uint64_t longest_span(const struct model *m, size_t i, enum state s)
{
	uint64_t best = 0;
	for (size_t k = 0; k < model_span_count(m, i); k++) {
		struct model_span sp;
		model_span_get(m, i, k, &sp);
		if (sp.state == s && sp.end_ns - sp.start_ns > best)
			best = sp.end_ns - sp.start_ns;
	}
	return best;
}

/* Fails when two coroutine tasks were `running` at the same instant: one
 * loop thread runs one task at a time. */
static void check_one_running(const struct model *m)
{
	for (size_t a = 0; a < model_task_count(m); a++) {
		if (model_task(m, a)->kind != KIND_COROUTINE)
			continue;
		for (size_t b = a + 1; b < model_task_count(m); b++) {
			if (model_task(m, b)->kind != KIND_COROUTINE)
				continue;
			for (size_t i = 0; i < model_span_count(m, a); i++) {
				struct model_span x;
				model_span_get(m, a, i, &x);
				if (x.state != STATE_RUNNING || x.end_ns == x.start_ns)
					continue;
				for (size_t j = 0; j < model_span_count(m, b); j++) {
					struct model_span y;
					model_span_get(m, b, j, &y);
					if (y.state != STATE_RUNNING || y.end_ns == y.start_ns)
						continue;
					ck_assert_msg(x.end_ns <= y.start_ns || y.end_ns <= x.start_ns,
					              "%s and %s both running at once", model_task(m, a)->name,
					              model_task(m, b)->name);
				}
			}
		}
	}
}

START_TEST(sleep_alternates_one_at_a_time)
{
	static const char *const sets[] = {"pause_ms=30", "count=4", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/sleep", sets, &run);
	support_check_invariants(m, 1, 0.01);
	check_one_running(m);

	ck_assert_uint_eq(model_mark_count(m), 8);
	int num = support_task(m, "numbers"), let = support_task(m, "letters");
	for (size_t k = 0; k < 8; k++) {
		struct model_mark mk;
		char want[32];
		model_mark_get(m, k, &mk);
		ck_assert_int_eq(mk.task, k % 2 == 0 ? num : let);
		if (k % 2 == 0)
			snprintf(want, sizeof(want), "Number %zu", k / 2 + 1);
		else
			snprintf(want, sizeof(want), "Letter %c", (char)('a' + k / 2));
		ck_assert_str_eq(mk.text, want);
	}
	/* The loop waits in poll most of the time, by its own lane and by
	 * libuv's metric. */
	int loop = support_task(m, "event loop");
	ck_assert_int_ge(loop, 0);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)loop, tot);
	const struct model_task *lt = model_task(m, (size_t)loop);
	ck_assert_uint_gt(tot[STATE_IDLE], (lt->end_ns - lt->start_ns) / 2);
	ck_assert_double_gt(support_result(&run, "loop_idle_ms"), 4 * 30 / 2);
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(gather_overlaps_downloads)
{
	static const char *const sets[] = {"latency_ms=200", "size_kb=16", "downloads=3", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/gather", sets, &run);
	support_check_invariants(m, 1, 0.01);
	check_one_running(m);
	ck_assert_double_ge(support_result(&run, "sequential_ms"), 3 * 200 * 0.95);
	ck_assert_double_gt(support_result(&run, "speedup"), 2.0);
	/* as_completed: the download started first has the longest latency. */
	for (int i = 0; i < run.nresults; i++)
		if (strcmp(run.results[i].key, "as_completed_order") == 0)
			ck_assert_str_eq(run.results[i].text, "3,2,1");
	/* Each download printed its size. */
	size_t got = 0;
	for (size_t k = 0; k < model_mark_count(m); k++) {
		struct model_mark mk;
		model_mark_get(m, k, &mk);
		if (strstr(mk.text, ": 16384 bytes"))
			got++;
	}
	ck_assert_uint_eq(got, 9);
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(blocking_freezes_then_offload_flows)
{
	static const char *const sets[] = {"block_ms=300", "tick_ms=50", "tickers=2", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/blocking", sets, &run);
	support_check_invariants(m, 1, 0.01);
	double blocked = support_result(&run, "blocked_ms");
	double ready_blocked = support_result(&run, "blocked_max_ready_ms");
	double ready_offloaded = support_result(&run, "offloaded_max_ready_ms");
	ck_assert_double_ge(blocked, 300 * 0.95);
	ck_assert_double_ge(support_result(&run, "offloaded_ms"), 300 * 0.95);
	ck_assert_double_ge(ready_blocked, blocked * 0.9);
	ck_assert_double_lt(ready_offloaded, ready_blocked / 4);

	/* The lanes show it: a blocked-round ticker has a long `ready` span,
	 * and a pool thread lane ran the offloaded work. */
	uint64_t longest_ready = 0;
	int pool = -1;
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		if (strcmp(t->group, "blocked") == 0 && strncmp(t->name, "ticker", 6) == 0) {
			uint64_t r = longest_span(m, i, STATE_READY);
			if (r > longest_ready)
				longest_ready = r;
		}
		if (t->kind == KIND_WORKER)
			pool = (int)i;
	}
	ck_assert_uint_ge(longest_ready, (uint64_t)(blocked * 0.8 * MS));
	ck_assert_int_ge(pool, 0);
	/* A time.sleep is a sleep, on a pool thread too: never `running`. */
	ck_assert_uint_ge(longest_span(m, (size_t)pool, STATE_SLEEP), 250 * MS);
	ck_assert_uint_lt(longest_span(m, (size_t)pool, STATE_RUNNING), 50 * MS);
	/* The culprit's time.sleep holds the loop without using a core: its
	 * lane and the loop's are `blocked` for it, not `running`. */
	int culprit = support_task(m, "culprit"), loop = support_task(m, "event loop");
	ck_assert_int_ge(culprit, 0);
	ck_assert_int_ge(loop, 0);
	ck_assert_uint_ge(longest_span(m, (size_t)culprit, STATE_BLOCKED), (uint64_t)(blocked * 0.9 * MS));
	ck_assert_uint_ge(longest_span(m, (size_t)loop, STATE_BLOCKED), (uint64_t)(blocked * 0.9 * MS));
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)culprit, tot);
	ck_assert_uint_lt(tot[STATE_RUNNING] + tot[STATE_PREEMPTED], 50 * MS);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* work=cpu: the culprit's lane and the loop's are on a core (running or
 * preempted) for the blocking time, never `blocked`; offloaded, the work
 * and the loop share the GIL. */
START_TEST(blocking_cpu_work_runs_not_blocked)
{
	static const char *const sets[] = {"block_ms=200", "tick_ms=50", "tickers=1", "work=cpu", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/blocking", sets, &run);
	support_check_invariants(m, 1, 0.01);
	int culprit = support_task(m, "culprit");
	ck_assert_int_ge(culprit, 0);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)culprit, tot);
	ck_assert_uint_eq(tot[STATE_BLOCKED], 0);
	ck_assert_uint_ge(tot[STATE_RUNNING] + tot[STATE_PREEMPTED], 180 * MS);
	for (size_t i = 0; i < model_task_count(m); i++) {
		model_task_totals(m, i, tot);
		ck_assert_msg(tot[STATE_BLOCKED] == 0, "%s blocked with work=cpu", model_task(m, i)->name);
	}
	/* Offloaded, the Python-level CPU work holds the GIL on its pool
	 * thread: each time a ticker is due, the loop waits for the GIL (up
	 * to the 5 ms switch interval) before it can run it. */
	int loop = support_task(m, "event loop");
	ck_assert_int_ge(loop, 0);
	model_task_totals(m, (size_t)loop, tot);
	ck_assert_msg(tot[STATE_GIL] >= 5 * MS, "the loop waited %.1f ms for the GIL", (double)tot[STATE_GIL] / MS);
	ck_assert_double_ge(support_result(&run, "offloaded_max_ready_ms"), 1);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* Both ways of sending (cost=c sends as soon as connect returns, on a
 * socket of its own made; cost=cpython in asyncio's order, by libuv). */
START_TEST(c10k_closes_every_connection)
{
	static const char *const py[] = {"tasks=2000", "latency_ms=200", NULL};
	static const char *const c[] = {"tasks=2000", "latency_ms=200", "cost=c", NULL};
	static const char *const warm[] = {"tasks=5", "latency_ms=1", NULL};
	const char *const *sets = _i == 0 ? py : c;
	struct run run;
	/* A first small run lets libuv make its process-wide descriptors (the
	 * signal lock pipe), which live as long as the process. */
	struct model *m = support_run_demo("loop/c10k", warm, &run);
	model_free(m);
	run_destroy(&run);
	int before = support_open_fds();
	m = support_run_demo("loop/c10k", sets, &run);
	ck_assert_double_eq(support_result(&run, "tasks"), 2000);
	double in_flight = support_result(&run, "max_in_flight");
	ck_assert_double_ge(in_flight, 1);
	ck_assert_double_le(in_flight, 2000);
	/* All 2,000 waited together: far less than 2,000 latencies. */
	ck_assert_double_lt(support_result(&run, "wall_ms"), 2000 * 200 / 20);
	size_t tasks = 0;
	for (size_t i = 0; i < model_task_count(m); i++)
		if (strcmp(model_task(m, i)->group, "tasks") == 0)
			tasks++;
	ck_assert_uint_eq(tasks, 2000);
	model_free(m);
	run_destroy(&run);
	ck_assert_int_eq(support_open_fds(), before);
}
END_TEST

/* The loopback server runs in a child process of its own, so a connection
 * costs this process one descriptor, as it costs the Python mirror: with a
 * limit of 3,000, 2,000 connections fit at once (two each would not). The
 * child is gone afterwards. */
START_TEST(c10k_server_is_a_child)
{
	static const char *const sets[] = {"tasks=2000", "latency_ms=300", "cost=c", NULL};
	struct rlimit rl = {3000, 3000};
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	struct run run;
	struct model *m = support_run_demo("loop/c10k", sets, &run);
	ck_assert_double_eq(support_result(&run, "max_in_flight"), 2000);
	model_free(m);
	run_destroy(&run);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

START_TEST(c10k_sleep_mode)
{
	static const char *const sets[] = {"tasks=3000", "io=sleep", "latency_ms=100", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/c10k", sets, &run);
	ck_assert_double_eq(support_result(&run, "max_in_flight"), 3000);
	ck_assert_double_lt(support_result(&run, "wall_ms"), 3000 * 100 / 20);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* Time task i spent on a core or waiting for one. */
static uint64_t oncpu(const struct model *m, size_t i)
{
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, i, tot);
	return tot[STATE_RUNNING] + tot[STATE_PREEMPTED];
}

/* cost=cpython: every request also costs the loop what CPython and aiohttp
 * spend on one (a third of a millisecond and up), so the loop's one thread
 * is busy for N times that; cost=c leaves only the C loop's own. */
START_TEST(c10k_pays_cpythons_cost_per_request)
{
	static const char *const py[] = {"tasks=300", "latency_ms=100", "cost=cpython", NULL};
	static const char *const c[] = {"tasks=300", "latency_ms=100", "cost=c", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/c10k", py, &run);
	double per_task_us = support_result(&run, "cost_per_task_us");
	ck_assert_double_ge(per_task_us, 100);
	int loop = support_task(m, "event loop");
	ck_assert_int_ge(loop, 0);
	uint64_t busy_py = oncpu(m, (size_t)loop);
	ck_assert_uint_ge(busy_py, (uint64_t)(300 * per_task_us * 1000 * 0.9));
	model_free(m);
	run_destroy(&run);
	m = support_run_demo("loop/c10k", c, &run);
	ck_assert_double_eq(support_result(&run, "cost_per_task_us"), 0);
	loop = support_task(m, "event loop");
	ck_assert_int_ge(loop, 0);
	ck_assert_uint_lt(oncpu(m, (size_t)loop), busy_py / 2);
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(generator_hands_over)
{
	static const char *const sets[] = {"pause_ms=5", NULL};
	static const char *const want[] = {"looking for py", "send python", "python", "send java",
	                                   "send pypy",      "pypy",        "send c", "send pytest",
	                                   "pytest",         "send rust",   "send pyx", "pyx",
	                                   "closing"};
	struct run run;
	struct model *m = support_run_demo("loop/generator", sets, &run);
	support_check_invariants(m, 1, 0.01);
	check_one_running(m);
	ck_assert_uint_eq(model_mark_count(m), sizeof(want) / sizeof(want[0]));
	for (size_t k = 0; k < model_mark_count(m); k++) {
		struct model_mark mk;
		model_mark_get(m, k, &mk);
		ck_assert_str_eq(mk.text, want[k]);
	}
	/* main and grep never run at once: each waits (join) while the other
	 * has control. */
	int a = support_task(m, "main"), b = support_task(m, "grep");
	for (size_t i = 0; i < model_span_count(m, (size_t)a); i++) {
		struct model_span x;
		model_span_get(m, (size_t)a, i, &x);
		if (x.state != STATE_RUNNING || x.end_ns == x.start_ns)
			continue;
		for (size_t j = 0; j < model_span_count(m, (size_t)b); j++) {
			struct model_span y;
			model_span_get(m, (size_t)b, j, &y);
			if (y.state == STATE_RUNNING && y.end_ns > y.start_ns)
				ck_assert(x.end_ns <= y.start_ns || y.end_ns <= x.start_ns);
		}
	}
	ck_assert_double_eq(support_result(&run, "handovers"), 8);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* The pauses that slow the generator down for the eye are sleeps, not
 * work: with pause_ms=40 (14 pauses, about 330 ms), the two lanes are
 * `running` for a small part of that. */
START_TEST(generator_pauses_are_sleeps)
{
	static const char *const sets[] = {"pause_ms=40", NULL};
	struct run run;
	struct model *m = support_run_demo("loop/generator", sets, &run);
	uint64_t running = 0, sleeping = 0, tot[STATE_COUNT];
	for (size_t i = 0; i < model_task_count(m); i++) {
		model_task_totals(m, i, tot);
		running += tot[STATE_RUNNING];
		sleeping += tot[STATE_SLEEP];
	}
	ck_assert_uint_ge(sleeping, 7 * 40 * MS);
	ck_assert_msg(running < 50 * MS, "running %.1f ms for %.1f ms of pauses", (double)running / MS,
	              (double)sleeping / MS);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* ---- stopping ---- */

/* Start demo `name`, and once its task `task` is registered and 100 ms
 * more have passed (so its workload is under way, however loaded the
 * machine), ask it to stop; returns how long it took to return, in ms. */
static double stop_in(const char *name, const char *const *sets, const char *task)
{
	return support_stop_when(name, sets, task, 100, NULL, 0);
}

START_TEST(every_demo_stops_soon)
{
	static const char *const c10k[] = {"tasks=3000", "latency_ms=10000", NULL};
	static const char *const warm[] = {"tasks=5", "latency_ms=1", NULL};
	static const char *const sleep[] = {"pause_ms=10000", NULL};
	static const char *const gather[] = {"latency_ms=10000", NULL};
	static const char *const blocking[] = {"block_ms=10000", "tick_ms=50", NULL};

	stop_in("loop/c10k", warm, "no such task"); /* runs to its end */
	int before = support_open_fds();
	/* Each would take 10 s or more; stopped, each returns within 4 s (a
	 * margin for sanitizer builds, several times slower; it takes well under
	 * 100 ms in a normal build). */
	double ms = stop_in("loop/c10k", c10k, "task 3000");
	ck_assert_msg(ms >= 0 && ms < 4000, "took %.0f ms to stop", ms);
	ck_assert_int_eq(support_open_fds(), before);
	ms = stop_in("loop/sleep", sleep, "letters");
	ck_assert_msg(ms >= 0 && ms < 4000, "took %.0f ms to stop", ms);
	ms = stop_in("loop/gather", gather, "download 1");
	ck_assert_msg(ms >= 0 && ms < 4000, "took %.0f ms to stop", ms);
	ms = stop_in("loop/blocking", blocking, "ticker 1");
	ck_assert_msg(ms >= 0 && ms < 4000, "took %.0f ms to stop", ms);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, sleep_alternates_one_at_a_time);
	tcase_add_test(tc, gather_overlaps_downloads);
	tcase_add_test(tc, blocking_freezes_then_offload_flows);
	tcase_add_test(tc, blocking_cpu_work_runs_not_blocked);
	tcase_add_loop_test(tc, c10k_closes_every_connection, 0, 2);
	tcase_add_test(tc, c10k_server_is_a_child);
	tcase_add_test(tc, c10k_sleep_mode);
	tcase_add_test(tc, c10k_pays_cpythons_cost_per_request);
	tcase_add_test(tc, generator_hands_over);
	tcase_add_test(tc, generator_pauses_are_sleeps);
	tcase_add_test(tc, every_demo_stops_soon);
	suite_add_tcase(s, tc);
	return support_main(s);
}
