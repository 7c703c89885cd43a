/*
 * test_threads.c: the threads module's demos run for real at small sizes,
 * and what they recorded has the shape each lesson teaches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define MS 1000000ull

/* Under ThreadSanitizer: the sampler closes a /proc directory while the
 * loopback server accepts a socket that the kernel gives the same
 * descriptor number; TSan takes the reuse of the number for a race. Only
 * that is silenced (a closedir in the report), for this binary. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:closedir\n";
}

static void totals(const struct model *m, const char *name, uint64_t tot[STATE_COUNT])
{
	int i = support_task(m, name);
	ck_assert_msg(i >= 0, "no task %s", name);
	model_task_totals(m, (size_t)i, tot);
}

START_TEST(download_threads_overlap_the_waits)
{
	static const char *const sets[] = {"files=3", "latency_ms=200", "size_kb=20", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/download", sets, &run);
	support_check_invariants(m, 1, 0.01);
	double seq = support_result(&run, "sequential_ms"), thr = support_result(&run, "threaded_ms");
	ck_assert_msg(seq >= 3 * 200 * 0.95, "sequential %.1f ms for 3 x 200 ms", seq);
	ck_assert_msg(thr < 0.6 * seq, "threaded %.1f ms vs sequential %.1f ms", thr, seq);
	ck_assert_double_eq_tol(support_result(&run, "speedup"), seq / thr, 1e-6);

	/* Every thread spent its life waiting on I/O, at the same time. */
	uint64_t tot[STATE_COUNT];
	const char *names[] = {"thread-1", "thread-2", "thread-3"};
	for (int i = 0; i < 3; i++) {
		totals(m, names[i], tot);
		ck_assert_uint_ge(tot[STATE_IO], 190 * MS);
	}
	const struct model_task *a = model_task(m, (size_t)support_task(m, "thread-1"));
	const struct model_task *c = model_task(m, (size_t)support_task(m, "thread-3"));
	ck_assert_uint_lt(c->start_ns, a->end_ns);
	totals(m, "main (threads)", tot);
	ck_assert_uint_ge(tot[STATE_JOIN], 150 * MS);

	/* Six lines, each a whole file. */
	ck_assert_uint_eq(model_mark_count(m), 6);
	for (size_t k = 0; k < 6; k++) {
		struct model_mark mk;
		model_mark_get(m, k, &mk);
		ck_assert_msg(strstr(mk.text, ": 20000 bytes") != NULL, "mark %s", mk.text);
	}
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* Nanoseconds during which tasks a and b were both in `running`. */
static uint64_t running_overlap(const struct model *m, int a, int b)
{
	uint64_t sum = 0;
	size_t na = model_span_count(m, (size_t)a), nb = model_span_count(m, (size_t)b);
	for (size_t i = 0; i < na; i++) {
		struct model_span x;
		model_span_get(m, (size_t)a, i, &x);
		if (x.state != STATE_RUNNING)
			continue;
		for (size_t j = 0; j < nb; j++) {
			struct model_span y;
			model_span_get(m, (size_t)b, j, &y);
			if (y.state != STATE_RUNNING)
				continue;
			uint64_t lo = x.start_ns > y.start_ns ? x.start_ns : y.start_ns;
			uint64_t hi = x.end_ns < y.end_ns ? x.end_ns : y.end_ns;
			if (hi > lo)
				sum += hi - lo;
		}
	}
	return sum;
}

/* Cores the GIL-off threads had on average: their running time over the
 * phase's wall time. */
static double cores_used(const struct model *m, double off_ms)
{
	uint64_t ta[STATE_COUNT], tb[STATE_COUNT];
	model_task_totals(m, (size_t)support_task(m, "nogil-1"), ta);
	model_task_totals(m, (size_t)support_task(m, "nogil-2"), tb);
	return off_ms > 0 ? (double)(ta[STATE_RUNNING] + tb[STATE_RUNNING]) / 1e6 / off_ms : 0;
}

START_TEST(gil_serialises_cpu_bound_threads)
{
	static const char *const sets[] = {"threads=2", "work_ms=150", "io_rounds=6", "io_ms=5", NULL};
	struct run run;
	struct support_load load;
	support_load_start(&load);
	struct model *m = support_run_demo("threads/gil", sets, &run);
	support_check_invariants(m, 1, 0.01);
	double med = support_result(&run, "gil_switch_interval_median_ms");
	ck_assert_msg(med > 2 && med < 60, "median turn %.2f ms at a 5 ms interval", med);

	/* Under the GIL the two lanes take turns: both wait in `gil`, and
	 * their running spans (almost) never overlap. */
	int g1 = support_task(m, "gil-1"), g2 = support_task(m, "gil-2");
	uint64_t t1[STATE_COUNT], t2[STATE_COUNT];
	model_task_totals(m, (size_t)g1, t1);
	model_task_totals(m, (size_t)g2, t2);
	/* A turn lasts about one 5 ms interval, so the hand-overs follow from
	 * the time the two threads spent on a core (a busy machine shortens
	 * that time, and the count with it; it never makes a GIL that is
	 * handed over look like one that is not). */
	double ran_ms = (double)(t1[STATE_RUNNING] + t2[STATE_RUNNING]) / 1e6;
	double switches = support_result(&run, "gil_switches");
	ck_assert_msg(switches >= 2 && switches >= 0.3 * ran_ms / 5,
	              "%.0f GIL hand-overs in %.1f ms of running at a 5 ms interval", switches, ran_ms);
	ck_assert_uint_gt(t1[STATE_GIL], 10 * MS);
	ck_assert_uint_gt(t2[STATE_GIL], 10 * MS);
	uint64_t ov = running_overlap(m, g1, g2);
	ck_assert_msg(ov < (t1[STATE_RUNNING] + t2[STATE_RUNNING]) / 20, "running overlap %.2f ms under the GIL",
	              (double)ov / 1e6);
	/* Without it, they do overlap somewhat, unless the machine is so busy
	 * that they never ran at once: not asserted. */

	/* Convoy: the I/O thread waits for the GIL after its replies. */
	uint64_t io[STATE_COUNT];
	totals(m, "io", io);
	ck_assert_uint_gt(io[STATE_GIL], 2 * MS);
	ck_assert_uint_gt(io[STATE_IO], 6 * 4 * MS);
	ck_assert_double_gt(support_result(&run, "convoy_gil_wait_median_ms"), 0.5);

	/* On is slower than off and gains nothing over sequential, when the
	 * GIL-off threads could have two cores. Other programs share these
	 * cores and can leave them about one (the claim then does not apply):
	 * up to three tries; when all miss while other programs used the
	 * cores (measured from /proc/stat, not from our threads' waits, which
	 * a serialising bug would cause), a counted skip. */
	double off = support_result(&run, "gil_off_ms"), on = support_result(&run, "gil_on_ms");
	double sp_on = support_result(&run, "speedup_gil_on"), cores = cores_used(m, off);
	double other = support_load_other(&load), worst = 1;
	int busy = 0, tries = 1;
	model_free(m);
	run_destroy(&run);
	static const char *const again[] = {"threads=2", "work_ms=150", "convoy=off", NULL};
	for (; tries <= 3 && !(on > off && sp_on < 1.3); tries++) {
		if (other >= SUPPORT_BUSY) {
			busy++;
			worst = other < worst ? other : worst;
		}
		if (tries == 3)
			break;
		support_load_start(&load);
		m = support_run_demo("threads/gil", again, &run);
		off = support_result(&run, "gil_off_ms");
		on = support_result(&run, "gil_on_ms");
		sp_on = support_result(&run, "speedup_gil_on");
		cores = cores_used(m, off);
		other = support_load_other(&load);
		model_free(m);
		run_destroy(&run);
	}
	if (!(on > off && sp_on < 1.3) && busy == 3) {
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run; "
		             "GIL on %.1f ms vs off %.1f ms (%.2f cores) not testable now", 100 * worst, on, off, cores);
		return;
	}
	ck_assert_msg(on > off && sp_on < 1.3, "GIL on %.1f ms (speedup %.2f) vs off %.1f ms, which had %.2f cores",
	              on, sp_on, off, cores);
}
END_TEST

START_TEST(race_lock_makes_the_total_exact)
{
	static const char *const sets[] = {"threads=2", "increments=300000", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/race", sets, &run);
	support_check_invariants(m, 1, 0.01);
	double expected = support_result(&run, "expected");
	ck_assert_double_eq(expected, 600000);
	ck_assert_double_eq(support_result(&run, "locked_total"), expected);
	double unlocked = support_result(&run, "unlocked_total");
	ck_assert_double_le(unlocked, expected);
	ck_assert_double_gt(unlocked, 0);
	ck_assert_double_eq(support_result(&run, "lost_updates"), expected - unlocked);

	/* Few events despite 1.2 million increments: the lanes are sampled. */
	ck_assert_uint_lt(model_span_total(m), 20000);
	/* Unlocked threads never wait for a lock. */
	uint64_t tot[STATE_COUNT];
	totals(m, "unlocked-1", tot);
	ck_assert_uint_eq(tot[STATE_LOCK], 0);
	ck_assert_uint_eq(model_mark_count(m), 2);
	struct model_mark mk;
	model_mark_get(m, 1, &mk);
	ck_assert_str_eq(mk.text, "with lock: expected 600000, got 600000");
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* The lesson's point: without the lock, counter += 1 from several threads
 * loses updates; the same work with the lock is exact. Whatever model the
 * demo uses (threads truly in parallel, or CPython's switch points under
 * the GIL), a run must show lost updates. Up to three runs; when none lost
 * any and other programs kept the cores busy during each, the claim is
 * untestable now (a counted skip); on a free machine it fails. */
START_TEST(race_unlocked_loses_updates)
{
	static const char *const sets[] = {"threads=2", "increments=300000", NULL};
	double lost = 0, expected = 0, worst = 1;
	int busy = 0, tries = 0;
	for (; tries < 3 && lost <= 0; tries++) {
		struct run run;
		struct support_load load;
		support_load_start(&load);
		struct model *m = support_run_demo("threads/race", sets, &run);
		expected = support_result(&run, "expected");
		double unlocked = support_result(&run, "unlocked_total");
		lost = support_result(&run, "lost_updates");
		ck_assert_double_eq(lost, expected - unlocked);
		ck_assert_double_eq(support_result(&run, "locked_total"), expected);
		double other = support_load_other(&load);
		if (lost <= 0 && other >= SUPPORT_BUSY) {
			busy++;
			worst = other < worst ? other : worst;
		}
		model_free(m);
		run_destroy(&run);
	}
	if (lost <= 0 && busy == tries) {
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run, "
		             "and no update was lost", 100 * worst);
		return;
	}
	ck_assert_msg(lost > 0, "counter += 1 without the lock lost no update of %.0f in %d runs", expected,
	              tries);
}
END_TEST

START_TEST(pool_completes_out_of_order)
{
	static const char *const sets[] = {"workers=2", "jobs=6", "job_ms=80", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/pool", sets, &run);
	support_check_invariants(m, 1, 0.01);

	/* Main's marks are the jobs in the order they ended. */
	ck_assert_uint_eq(model_mark_count(m), 6);
	uint64_t prev_end = 0;
	int seen[7] = {0};
	for (size_t k = 0; k < 6; k++) {
		struct model_mark mk;
		int job;
		model_mark_get(m, k, &mk);
		ck_assert_int_eq(sscanf(mk.text, "job %d done", &job), 1);
		ck_assert(job >= 1 && job <= 6 && !seen[job]);
		seen[job] = 1;
		char name[16];
		snprintf(name, sizeof(name), "job-%d", job);
		const struct model_task *t = model_task(m, (size_t)support_task(m, name));
		ck_assert_uint_ge(t->end_ns, prev_end);
		ck_assert_uint_le(t->end_ns, mk.t_ns);
		prev_end = t->end_ns;
	}

	/* Never more than 2 jobs at work; the later ones queued (ready). */
	int jobs[6];
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof(name), "job-%d", i + 1);
		jobs[i] = support_task(m, name);
		ck_assert_int_ge(jobs[i], 0);
	}
	const struct model_task *first = model_task(m, (size_t)jobs[0]);
	for (uint64_t t = first->start_ns; t < prev_end; t += MS) {
		int io = 0;
		for (int i = 0; i < 6; i++)
			io += model_task_state_at(m, (size_t)jobs[i], t) == STATE_IO;
		ck_assert_int_le(io, 2);
	}
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)jobs[5], tot);
	ck_assert_uint_ge(tot[STATE_READY], 30 * MS); /* at least the shortest job ahead of it */
	model_free(m);
	run_destroy(&run);
}
END_TEST

START_TEST(interleave_busy_threads_get_preempted)
{
	static const char *const sets[] = {"pause_ms=40", "busy=4", NULL};
	struct run run;
	struct model *m = support_run_demo("threads/interleave", sets, &run);
	support_check_invariants(m, 1, 0.01);
	ck_assert_uint_eq(model_mark_count(m), 10);
	/* Four CPU-bound threads on two cores (plus everyone else's work):
	 * the kernel kept some of them waiting for a core. */
	uint64_t pre = 0, tot[STATE_COUNT];
	const char *names[] = {"busy-1", "busy-2", "busy-3", "busy-4"};
	for (int i = 0; i < 4; i++) {
		totals(m, names[i], tot);
		pre += tot[STATE_PREEMPTED];
	}
	ck_assert_msg(pre > 20 * MS, "only %.1f ms preempted", (double)pre / 1e6);
	model_free(m);
	run_destroy(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("demos");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, download_threads_overlap_the_waits);
	tcase_add_test(tc, gil_serialises_cpu_bound_threads);
	tcase_add_test(tc, race_lock_makes_the_total_exact);
	tcase_add_test(tc, race_unlocked_loses_updates);
	tcase_add_test(tc, pool_completes_out_of_order);
	tcase_add_test(tc, interleave_busy_threads_get_preempted);
	suite_add_tcase(s, tc);
	return support_main(s);
}
