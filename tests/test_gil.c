/*
 * test_gil.c: the emulated GIL lets one thread at a time hold it, hands it
 * over about every switch interval when asked, and does nothing when off.
 * Each hand-over to a thread that waited is a wake, by the thread that let
 * the GIL go.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "feed.h"
#include "gil.h"
#include "support.h"

struct spinner {
	struct gil *g;
	trace_task_t task;
	atomic_int *inside;
	int overlap;    /* saw another holder while holding it */
	uint64_t work_ns;
	int switched;   /* gil_check handed over at least once */
};

static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	uint64_t units = cpuburn_units(s->work_ns), chunk = cpuburn_units(50 * NS_PER_US);
	trace_bind(s->task);
	gil_acquire(s->g, s->task, 0);
	for (uint64_t done = 0; done < units; done += chunk) {
		if (atomic_fetch_add(s->inside, 1) != 0)
			s->overlap = 1;
		cpuburn_run(chunk);
		atomic_fetch_sub(s->inside, 1);
		s->switched |= gil_check(s->g, s->task, 0);
	}
	gil_release(s->g, s->task);
	trace_end(s->task);
	return NULL;
}

/* Two spinners, "a" and "b", each working work_ns under the GIL; returns
 * once both are done. */
static void run_spinners(struct gil *g, struct spinner s[2], atomic_int *inside, uint64_t work_ns)
{
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		s[i] = (struct spinner){.g = g, .task = trace_task_new(i ? "b" : "a", KIND_THREAD, NULL),
		                        .inside = inside, .work_ns = work_ns};
		gil_name_task(g, s[i].task, i ? "b" : "a");
	}
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, spinner_main, &s[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

START_TEST(one_holder_and_forced_switches)
{
	struct gil *g = gil_new(0);
	ck_assert_ptr_nonnull(g);
	atomic_int inside = 0;
	struct spinner s[2];
	run_spinners(g, s, &inside, 150 * NS_PER_MS);
	ck_assert_int_eq(s[0].overlap | s[1].overlap, 0);
	ck_assert_int_eq(s[0].switched | s[1].switched, 1);
	/* 300 ms of work in 5 ms turns: dozens of hand-overs, each turn near
	 * the interval (generous: the machine is shared). */
	uint64_t n = gil_switches(g);
	ck_assert_msg(n >= 10, "only %llu switches", (unsigned long long)n);
	ck_assert_uint_eq(gil_switch_intervals(g, NULL, 0), n);
	double med = gil_switch_interval_median_ms(g);
	ck_assert_msg(med >= 3 && med < 60, "median turn %.2f ms", med);
	gil_free(g);
}
END_TEST

/* Two spinners: each wait for the GIL ends woken by the other one, in the
 * GIL state, and nearly every hand-over is such a wake (the first takes
 * may find the GIL free). */
START_TEST(handovers_are_wakes_by_the_last_holder)
{
	struct model *m = feed_start();
	struct gil *g = gil_new(0);
	ck_assert_ptr_nonnull(g);
	atomic_int inside = 0;
	struct spinner s[2];
	run_spinners(g, s, &inside, 60 * NS_PER_MS);
	feed_finish(m, clock_now_ns());
	uint64_t n = gil_switches(g);
	size_t nw = model_wake_count(m);
	ck_assert_msg(n >= 4, "only %llu switches", (unsigned long long)n);
	ck_assert_msg(nw + 2 >= n && nw <= n, "%zu wakes for %llu hand-overs", nw, (unsigned long long)n);
	for (size_t k = 0; k < nw; k++) {
		struct model_wake w;
		model_wake_get(m, k, &w);
		ck_assert_int_eq(w.waker, w.task == s[0].task ? s[1].task : s[0].task);
		ck_assert_int_eq(w.state, STATE_GIL);
		ck_assert_uint_gt(w.waited_ns, 0);
		ck_assert_str_eq(w.cause, "let the GIL go");
	}
	gil_free(g);
	model_free(m);
}
END_TEST

START_TEST(interval_is_a_parameter)
{
	struct gil *g = gil_new(20 * NS_PER_MS);
	atomic_int inside = 0;
	struct spinner s[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		s[i] = (struct spinner){.g = g, .task = trace_task_new("t", KIND_THREAD, NULL),
		                        .inside = &inside, .work_ns = 200 * NS_PER_MS};
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, spinner_main, &s[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	double med = gil_switch_interval_median_ms(g);
	ck_assert_msg(med >= 15, "20 ms interval, median turn %.2f ms", med);
	gil_free(g);
}
END_TEST

struct sleeper {
	struct gil *g;
	trace_task_t task;
	uint64_t got_ns; /* how long it waited */
	uint64_t got_at; /* when it had the GIL */
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	trace_bind(s->task);
	uint64_t t0 = clock_now_ns();
	gil_acquire(s->g, s->task, 0);
	s->got_at = clock_now_ns();
	s->got_ns = s->got_at - t0;
	gil_release(s->g, s->task);
	return NULL;
}

START_TEST(release_hands_over_at_once)
{
	/* A long interval: the waiter can only get it early because the holder
	 * releases it (as blocking I/O does). */
	struct gil *g = gil_new(2000 * NS_PER_MS);
	trace_task_t me = trace_task_new("holder", KIND_THREAD, NULL);
	trace_bind(me);
	gil_acquire(g, me, 0);
	struct sleeper s = {.g = g, .task = trace_task_new("waiter", KIND_THREAD, NULL)};
	pthread_t th;
	pthread_create(&th, NULL, sleeper_main, &s);
	usleep(50000);
	uint64_t released_at = clock_now_ns();
	gil_release(g, me);
	pthread_join(th, NULL);
	ck_assert_msg(s.got_ns < 1000 * NS_PER_MS, "waited %.1f ms", (double)s.got_ns / 1e6);
	/* From the release, not from the waiter's start: a thread started late
	 * on a loaded machine waits less than the holder's 50 ms. */
	ck_assert_msg(s.got_at >= released_at, "got it while held (%.1f ms before the release)",
	              (double)(released_at - s.got_at) / 1e6);
	ck_assert_uint_eq(gil_switches(g), 1);
	gil_free(g);
}
END_TEST

START_TEST(null_gil_is_off)
{
	trace_task_t t = trace_task_new("x", KIND_THREAD, NULL);
	gil_acquire(NULL, t, 0);
	ck_assert_int_eq(gil_check(NULL, t, 0), 0);
	gil_release(NULL, t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gil");
	TCase *tc = tcase_create("gil");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, one_holder_and_forced_switches);
	tcase_add_test(tc, handovers_are_wakes_by_the_last_holder);
	tcase_add_test(tc, interval_is_a_parameter);
	tcase_add_test(tc, release_hands_over_at_once);
	tcase_add_test(tc, null_gil_is_off);
	suite_add_tcase(s, tc);
	return support_main(s);
}
