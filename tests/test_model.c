/*
 * test_model.c: the timeline model: spans from state changes, the kernel's
 * preemption overlay, ordering across threads, range summaries against a
 * brute-force sum, groups, and the span cap.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "feed.h"
#include "model_queue.h"
#include "support.h"
#include "trace.h"

static uint64_t now;

static void at(uint64_t t)
{
	now = t;
}

static struct model *fresh(size_t cap)
{
	trace_reset();
	clock_set_fake(&now);
	now = 0;
	struct model *m = model_new(cap);
	ck_assert_ptr_nonnull(m);
	model_set_origin(m, 0);
	return m;
}

/* A task given to the model directly, as the save-file loader does. */
static trace_task_t add_task(struct model *m, const char *name, enum task_kind kind)
{
	struct trace_task_info info = {.name = name, .kind = kind, .group = "", .parent = TRACE_NO_TASK};
	return (trace_task_t)model_task_add(m, &info);
}

static void span_is(const struct model *m, size_t task, size_t k, uint64_t s, uint64_t e, enum state st)
{
	struct model_span sp;
	ck_assert_int_eq(model_span_get(m, task, k, &sp), 0);
	ck_assert_uint_eq(sp.start_ns, s);
	ck_assert_uint_eq(sp.end_ns, e);
	ck_assert_str_eq(state_name(sp.state), state_name(st));
}

START_TEST(spans_from_state_changes)
{
	struct model *m = fresh(0);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	at(100); trace_state(t, STATE_RUNNING, "work");
	at(200); trace_state(t, STATE_SLEEP, "sleep 1 s");
	at(300); trace_state(t, STATE_SLEEP, "sleep 1 s"); /* no change: no new span */
	at(500); trace_state(t, STATE_RUNNING, NULL);
	at(600); trace_end(t);
	feed_finish(m, 1000);
	ck_assert_uint_eq(model_span_count(m, 0), 4);
	span_is(m, 0, 0, 100, 200, STATE_RUNNING);
	span_is(m, 0, 1, 200, 500, STATE_SLEEP);
	span_is(m, 0, 2, 500, 600, STATE_RUNNING);
	span_is(m, 0, 3, 600, 600, STATE_DONE);
	struct model_span sp;
	model_span_get(m, 0, 1, &sp);
	ck_assert_str_eq(sp.reason, "sleep 1 s");
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, 0, tot);
	ck_assert_uint_eq(tot[STATE_RUNNING], 200);
	ck_assert_uint_eq(tot[STATE_SLEEP], 300);
	const struct model_task *mt = model_task(m, 0);
	ck_assert_uint_eq(mt->start_ns, 100);
	ck_assert_uint_eq(mt->end_ns, 600);
	support_check_invariants(m, 1, 0.0);

	struct model_cell cells[7];
	model_task_columns(m, 0, 0, 100, 7, cells);
	ck_assert_uint_eq(cells[0].ns[STATE_RUNNING], 0);
	ck_assert_uint_eq(cells[1].ns[STATE_RUNNING], 100);
	ck_assert_uint_eq(cells[2].ns[STATE_SLEEP], 100);
	ck_assert_uint_eq(cells[4].ns[STATE_SLEEP], 100);
	ck_assert_uint_eq(cells[5].ns[STATE_RUNNING], 100);
	ck_assert_uint_eq(cells[6].ns[STATE_RUNNING] + cells[6].ns[STATE_SLEEP], 0);
	ck_assert_int_eq(model_task_state_at(m, 0, 250), STATE_SLEEP);
	ck_assert_int_eq(model_task_state_at(m, 0, 50), STATE_DONE);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(preempted_overlay_from_sampler)
{
	struct model *m = fresh(0);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	at(50); trace_bind_to(t, 10, 11);
	at(100); trace_state(t, STATE_RUNNING, NULL);
	trace_raw(150, TRACE_EV_PREEMPT, -1, 1, 0, 10, 11);
	trace_raw(180, TRACE_EV_PREEMPT, -1, 0, 0, 10, 11);
	trace_raw(190, TRACE_EV_CORE, -1, 0, 1, 10, 11);
	at(300); trace_state(t, STATE_IO, "recv");
	/* Waiting for a core while blocked means nothing for this task. */
	trace_raw(320, TRACE_EV_PREEMPT, -1, 1, 0, 10, 11);
	trace_raw(330, TRACE_EV_PREEMPT, -1, 0, 0, 10, 11);
	/* Another thread's preemption does not touch this task. */
	trace_raw(340, TRACE_EV_PREEMPT, -1, 1, 0, 10, 12);
	at(400); trace_end(t);
	feed_finish(m, 400);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, 0, tot);
	ck_assert_uint_eq(tot[STATE_RUNNING], 170);
	ck_assert_uint_eq(tot[STATE_PREEMPTED], 30);
	ck_assert_uint_eq(tot[STATE_IO], 100);
	struct model_span sp;
	model_span_get(m, 0, model_span_find(m, 0, 200), &sp);
	ck_assert_int_eq(sp.core, 1);
	ck_assert_int_eq(model_task(m, 0)->pid, 10);
	ck_assert_int_eq(model_task(m, 0)->tid, 11);
	support_check_invariants(m, 1, 0.0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

/* A CPython thread that says it runs but sleeps on a futex (the sampler's
 * KWAIT) waits for the GIL, inferred; asleep in a wrapped call, it is not. */
START_TEST(futex_sleep_while_running_is_gil_inferred)
{
	struct model *m = fresh(0);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	trace_task_t c = trace_task_new("coro", KIND_COROUTINE, NULL);
	at(50); trace_bind_to(t, 10, 11);
	at(50); trace_bind_to(c, 10, 11);
	at(100); trace_state(t, STATE_RUNNING, NULL);
	trace_raw(150, TRACE_EV_KWAIT, -1, 1, 0, 10, 11);
	trace_raw(180, TRACE_EV_KWAIT, -1, 0, 0, 10, 11);
	at(200); trace_state(c, STATE_RUNNING, "step");
	trace_raw(210, TRACE_EV_KWAIT, -1, 1, 0, 10, 11);
	at(250); trace_state(t, STATE_SLEEP, "time.sleep(0.1)");
	trace_raw(260, TRACE_EV_KWAIT, -1, 0, 0, 10, 11);
	at(300); trace_state(c, STATE_IO, "await");
	/* Another thread's futex sleep does not touch these tasks. */
	trace_raw(310, TRACE_EV_KWAIT, -1, 1, 0, 10, 12);
	at(400); trace_end(t);
	at(400); trace_end(c);
	feed_finish(m, 400);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, 0, tot);
	ck_assert_uint_eq(tot[STATE_GIL_INFERRED], 30 + 40);
	ck_assert_uint_eq(tot[STATE_RUNNING], 50 + 30);
	ck_assert_uint_eq(tot[STATE_SLEEP], 150);
	model_task_totals(m, 1, tot);
	ck_assert_uint_eq(tot[STATE_GIL_INFERRED], 50);
	ck_assert_uint_eq(tot[STATE_RUNNING], 50);
	ck_assert_uint_eq(tot[STATE_IO], 100);
	support_check_invariants(m, 2, 0.0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(events_are_put_in_time_order)
{
	struct model *m = fresh(0);
	trace_task_t t = add_task(m, "job", KIND_WORKER);
	struct trace_record r = {.task = t, .type = TRACE_EV_STATE, .text = ""};
	/* The worker's event was drained before the submitter's older one. */
	r.t_ns = 200; r.state = STATE_RUNNING; model_ingest(m, &r);
	r.t_ns = 100; r.state = STATE_READY; model_ingest(m, &r);
	r.t_ns = 300; r.type = TRACE_EV_END; model_ingest(m, &r);
	model_apply(m, 1000);
	span_is(m, 0, 0, 100, 200, STATE_READY);
	span_is(m, 0, 1, 200, 300, STATE_RUNNING);
	ck_assert_uint_eq(model_late_events(m), 0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(a_state_left_and_taken_again_at_one_instant_is_one_span)
{
	struct model *m = fresh(0);
	trace_task_t t = add_task(m, "t", KIND_THREAD);
	struct trace_record r = {.task = t, .type = TRACE_EV_BIND, .a = 10, .b = 11, .text = ""};
	r.t_ns = 0; model_ingest(m, &r);
	r.type = TRACE_EV_STATE; r.state = STATE_RUNNING;
	r.t_ns = 100; model_ingest(m, &r);
	/* The sampler: waiting for a core from 200 to 300, and again from 300
	 * (two sweeps meet at 300): one preempted span, 200 to 400. */
	struct trace_record p = {.task = -1, .type = TRACE_EV_PREEMPT, .a = 10, .b = 11, .text = ""};
	p.t_ns = 200; p.state = 1; model_ingest(m, &p);
	p.t_ns = 300; p.state = 0; model_ingest(m, &p);
	p.t_ns = 300; p.state = 1; model_ingest(m, &p);
	p.t_ns = 400; p.state = 0; model_ingest(m, &p);
	r.type = TRACE_EV_END; r.t_ns = 500; model_ingest(m, &r);
	model_apply(m, 1000);
	ck_assert_uint_eq(model_span_count(m, 0), 4);
	span_is(m, 0, 0, 100, 200, STATE_RUNNING);
	span_is(m, 0, 1, 200, 400, STATE_PREEMPTED);
	span_is(m, 0, 2, 400, 500, STATE_RUNNING);
	ck_assert_uint_eq(model_span_total(m), 4);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, 0, tot);
	ck_assert_uint_eq(tot[STATE_PREEMPTED], 200);
	ck_assert_uint_eq(tot[STATE_RUNNING], 200);
	/* Range queries agree with the spans (the checkpoints were mended). */
	struct model_cell cells[5];
	model_task_columns(m, 0, 0, 100, 5, cells);
	ck_assert_uint_eq(cells[2].ns[STATE_PREEMPTED], 100);
	ck_assert_uint_eq(cells[3].ns[STATE_PREEMPTED], 100);
	ck_assert_uint_eq(cells[4].ns[STATE_RUNNING], 100);
	support_check_invariants(m, 1, 0.0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(late_events_are_counted_not_reordered)
{
	struct model *m = fresh(0);
	trace_task_t t = add_task(m, "t", KIND_THREAD);
	struct trace_record r = {.task = t, .type = TRACE_EV_STATE, .text = ""};
	r.t_ns = 100; r.state = STATE_RUNNING; model_ingest(m, &r);
	r.t_ns = 500; r.state = STATE_SLEEP; model_ingest(m, &r);
	model_apply(m, 600);
	r.t_ns = 300; r.state = STATE_IO; model_ingest(m, &r); /* too late */
	model_apply(m, 700);
	ck_assert_uint_eq(model_late_events(m), 1);
	support_check_invariants(m, 0, 0.0);
	ck_assert_int_eq(model_task(m, 0)->state, STATE_IO);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

/* Brute force: time in each state of task within [a, b). */
static void brute(const struct model *m, size_t task, uint64_t a, uint64_t b, uint64_t out[STATE_COUNT])
{
	memset(out, 0, sizeof(uint64_t) * STATE_COUNT);
	for (size_t k = 0; k < model_span_count(m, task); k++) {
		struct model_span sp;
		model_span_get(m, task, k, &sp);
		uint64_t lo = sp.start_ns > a ? sp.start_ns : a;
		uint64_t hi = sp.end_ns < b ? sp.end_ns : b;
		if (hi > lo)
			out[sp.state] += hi - lo;
	}
}

START_TEST(range_summaries_match_brute_force)
{
	struct model *m = fresh(0);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	uint64_t seed = 42, time = 1000;
	for (int i = 0; i < 8000; i++) {
		/* A third of the changes come at the same instant as the one
		 * before: spans replaced and merged, across checkpoints. */
		time += run_rand(&seed) % 3 == 0 ? 0 : 1 + run_rand(&seed) % 997;
		at(time);
		trace_state(t, (enum state)(run_rand(&seed) % STATE_DONE), NULL);
		if (i % 1000 == 999) /* drain before the ring fills */
			feed_drain(m, 0);
	}
	at(time + 500);
	trace_end(t);
	feed_finish(m, time + 500);
	ck_assert_uint_gt(model_span_count(m, 0), 4000);
	for (int q = 0; q < 100; q++) {
		uint64_t t0 = run_rand(&seed) % (time + 1000);
		uint64_t dt = 1 + run_rand(&seed) % 50000;
		struct model_cell cells[13];
		model_task_columns(m, 0, t0, dt, 13, cells);
		for (int c = 0; c < 13; c++) {
			uint64_t want[STATE_COUNT];
			brute(m, 0, t0 + (uint64_t)c * dt, t0 + (uint64_t)(c + 1) * dt, want);
			for (int s = 0; s < STATE_DONE; s++)
				ck_assert_uint_eq(cells[c].ns[s], want[s]);
		}
	}
	support_check_invariants(m, 1, 0.0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(groups_sum_their_tasks)
{
	struct model *m = fresh(0);
	trace_task_t a = trace_task_new("a", KIND_COROUTINE, "co");
	trace_task_t b = trace_task_new("b", KIND_COROUTINE, "co");
	trace_task_t c = trace_task_new("c", KIND_THREAD, NULL);
	at(0); trace_state(a, STATE_RUNNING, NULL); trace_state(b, STATE_READY, NULL);
	trace_state(c, STATE_RUNNING, NULL);
	at(100); trace_state(a, STATE_IO, NULL); trace_state(b, STATE_RUNNING, NULL);
	at(200); trace_end(a); trace_end(b); trace_end(c);
	feed_finish(m, 300);
	ck_assert_uint_eq(model_group_count(m), 1);
	ck_assert_str_eq(model_group_name(m, 0), "co");
	ck_assert_uint_eq(model_group_size(m, 0), 2);
	ck_assert_int_eq(model_task(m, (size_t)c)->group_index, -1);
	struct model_cell cells[3];
	model_group_columns(m, 0, 0, 100, 3, cells);
	ck_assert_uint_eq(cells[0].ns[STATE_RUNNING], 100);
	ck_assert_uint_eq(cells[0].ns[STATE_READY], 100);
	ck_assert_uint_eq(cells[1].ns[STATE_RUNNING], 100);
	ck_assert_uint_eq(cells[1].ns[STATE_IO], 100);
	ck_assert_uint_eq(cells[2].ns[STATE_RUNNING] + cells[2].ns[STATE_IO], 0);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

/* A group's columns are its tasks' columns summed, across many
 * checkpoints of its steps. */
START_TEST(group_summaries_match_their_tasks)
{
	struct model *m = fresh(0);
	enum { NT = 6 }; /* several tasks in one state at once */
	static const char *const names[NT] = {"a", "b", "c", "d", "e", "f"};
	trace_task_t t[NT];
	for (int i = 0; i < NT; i++)
		t[i] = trace_task_new(names[i], KIND_THREAD, "g");
	uint64_t seed = 7, time = 1000, times[3000];
	for (int i = 0; i < 3000; i++) {
		time += 1 + run_rand(&seed) % 499;
		times[i] = time;
		at(time);
		trace_state(t[run_rand(&seed) % NT], (enum state)(run_rand(&seed) % STATE_DONE), NULL);
		if (i % 1000 == 999)
			feed_drain(m, 0);
	}
	at(time + 500);
	for (int i = 0; i < NT; i++)
		trace_end(t[i]);
	feed_finish(m, time + 500);
	for (int q = 0; q < 200; q++) {
		/* wide columns (a checkpoint's steps and more in each), narrow ones
		 * (inside one checkpoint's steps: the walk forward, and back from
		 * the next checkpoint), and columns that end on an event's time */
		uint64_t t0 = run_rand(&seed) % (time + 1000), dt = 1 + run_rand(&seed) % 40000;
		if (q % 4 == 1)
			dt = 1 + run_rand(&seed) % 600;
		if (q % 4 == 2)
			t0 = times[run_rand(&seed) % 3000], dt = 1 + run_rand(&seed) % 600;
		if (q % 4 == 3)
			t0 = times[run_rand(&seed) % 3000] - 1, dt = 1;
		struct model_cell g[11], one[11];
		uint64_t want[11][STATE_COUNT];
		memset(want, 0, sizeof(want));
		model_group_columns(m, 0, t0, dt, 11, g);
		for (int i = 0; i < NT; i++) {
			model_task_columns(m, (size_t)i, t0, dt, 11, one);
			for (int c = 0; c < 11; c++)
				for (int s = 0; s < STATE_DONE; s++)
					want[c][s] += one[c].ns[s];
		}
		for (int c = 0; c < 11; c++)
			for (int s = 0; s < STATE_DONE; s++)
				ck_assert_uint_eq(g[c].ns[s], want[c][s]);
	}
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(span_cap_keeps_totals_exact)
{
	struct model *m = fresh(10);
	trace_task_t t = trace_task_new("t", KIND_THREAD, NULL);
	for (int i = 0; i < 100; i++) {
		at((uint64_t)i * 10);
		trace_state(t, i % 2 ? STATE_SLEEP : STATE_RUNNING, NULL);
	}
	at(1000);
	trace_end(t);
	feed_finish(m, 1000);
	ck_assert_uint_eq(model_span_total(m), 10);
	ck_assert_uint_gt(model_spans_dropped(m), 0);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, 0, tot);
	ck_assert_uint_eq(tot[STATE_RUNNING], 500);
	ck_assert_uint_eq(tot[STATE_SLEEP], 500);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

START_TEST(marks_in_time_order_with_milestones)
{
	struct model *m = fresh(0);
	trace_task_t a = trace_task_new("a", KIND_THREAD, NULL);
	trace_task_t b = trace_task_new("b", KIND_THREAD, NULL);
	struct trace_record r = {.type = TRACE_EV_MARK};
	r.task = b; r.t_ns = 20; r.text = "second"; r.text_len = 6; model_ingest(m, &r);
	r.task = a; r.t_ns = 10; r.text = "first"; r.text_len = 5; model_ingest(m, &r);
	at(15); trace_milestone("halfway");
	feed_finish(m, 100);
	ck_assert_uint_eq(model_mark_count(m), 2);
	struct model_mark mk;
	model_mark_get(m, 0, &mk);
	ck_assert_str_eq(mk.text, "first");
	ck_assert_int_eq(mk.task, a);
	model_mark_get(m, 1, &mk);
	ck_assert_str_eq(mk.text, "second");
	ck_assert_uint_eq(model_milestone_count(m), 1);
	model_milestone_get(m, 0, &mk);
	ck_assert_str_eq(mk.text, "halfway");
	ck_assert_uint_eq(mk.t_ns, 15);
	clock_set_fake(NULL);
	model_free(m);
}
END_TEST

/* The queue as the model uses it: batches made of a few ascending runs
 * (one per ring), ties included, an applied front dropped after each; what
 * is left is always in time order, ties in the order they came. */
START_TEST(queue_merges_runs_stably)
{
	struct mqueue q = {0};
	uint64_t seed = 7, applied_upto = 0;
	uint32_t next_id = 0, last_checked = 0;
	for (int batch = 0; batch < 200; batch++) {
		int runs = 1 + (int)(run_rand(&seed) % 4);
		for (int r = 0; r < runs; r++) {
			uint64_t t = applied_upto + run_rand(&seed) % 50;
			int len = (int)(run_rand(&seed) % 300);
			for (int i = 0; i < len; i++) {
				t += run_rand(&seed) % 3; /* ties often */
				mqueue_push(&q, &(struct pending){.t = t, .a = next_id++});
			}
		}
		mqueue_order(&q);
		size_t n = mqueue_len(&q);
		for (size_t i = 1; i < n; i++) {
			const struct pending *x = mqueue_at(&q, i - 1), *y = mqueue_at(&q, i);
			ck_assert_uint_le(x->t, y->t);
			if (x->t == y->t)
				ck_assert_uint_lt(x->a, y->a);
		}
		/* Apply (drop) what is older than a point in the middle. */
		applied_upto += 40;
		size_t k = 0;
		while (k < n && mqueue_at(&q, k)->t <= applied_upto)
			k++;
		mqueue_drop(&q, k);
		last_checked += (uint32_t)k;
	}
	ck_assert_uint_le(last_checked, next_id);
	mqueue_free(&q);
}
END_TEST

/* A wake keeps the wait it ended: its state and how long since the task
 * entered it, over spans whose reason changed on the way (the GIL's holder
 * changed), even when the woken task runs again at the wake's nanosecond;
 * 0 for a task that was not waiting. A task is not woken by itself, nor
 * by a task there is not. How a task ended comes with its end. */
START_TEST(wakes_keep_the_wait_they_ended)
{
	struct model *m = fresh(0);
	trace_task_t a = trace_task_new("a", KIND_THREAD, NULL);
	trace_task_t b = trace_task_new("b", KIND_THREAD, NULL);
	at(100); trace_state(a, STATE_RUNNING, "holds the GIL");
	at(100); trace_state(b, STATE_GIL, "waiting for the GIL held by a");
	at(300); trace_state(b, STATE_GIL, "waiting for the GIL held by c");
	at(700); trace_wake(b, a, "let the GIL go");
	at(700); trace_state(b, STATE_RUNNING, "holds the GIL");
	at(800); trace_wake(a, b, "not waiting");
	at(800); trace_wake(b, b, "itself");
	at(900); trace_end_as(b, TASK_END_CANCELLED);
	at(950); trace_end(a);
	feed_finish(m, 1000);
	ck_assert_uint_eq(model_wake_count(m), 2);
	struct model_wake w;
	ck_assert_int_eq(model_wake_get(m, 0, &w), 0);
	ck_assert_uint_eq(w.t_ns, 700);
	ck_assert_int_eq(w.task, b);
	ck_assert_int_eq(w.waker, a);
	ck_assert_int_eq(w.state, STATE_GIL);
	ck_assert_uint_eq(w.waited_ns, 600);
	ck_assert_str_eq(w.cause, "let the GIL go");
	ck_assert_int_eq(model_wake_get(m, 1, &w), 0);
	ck_assert_int_eq(w.task, a);
	ck_assert_int_eq(w.state, STATE_RUNNING);
	ck_assert_uint_eq(w.waited_ns, 0);
	ck_assert_int_eq(model_wake_get(m, 2, &w), -1);
	ck_assert_int_eq(model_task(m, (size_t)b)->end_how, TASK_END_CANCELLED);
	ck_assert_int_eq(model_task(m, (size_t)a)->end_how, TASK_END_FINISHED);
	ck_assert_int_eq(model_wake_ending(m, (size_t)b, 100, 700), 0);
	ck_assert_int_eq(model_wake_ending(m, (size_t)b, 701, 1000), -1);
	ck_assert_int_eq(model_wake_ending(m, (size_t)a, 0, 799), -1);
	ck_assert_uint_eq(model_wake_first_at(m, 701), 1);
	ck_assert_uint_eq(model_wake_first_at(m, 801), 2);
	model_free(m);

	/* A save file's or a child's word only: a waker that is no task, an
	 * end that is no end. */
	m = fresh(0);
	trace_task_t c = add_task(m, "c", KIND_THREAD);
	support_feed(m, 10, TRACE_EV_STATE, c, STATE_LOCK, 0, 0, 0, "waiting");
	support_feed(m, 20, TRACE_EV_WAKE, c, 0, 0, 7, 0, "nobody");
	support_feed(m, 30, TRACE_EV_END, c, STATE_DONE, 0, 99, 0, NULL);
	model_apply(m, 40);
	ck_assert_uint_eq(model_wake_count(m), 0);
	ck_assert_int_eq(model_task(m, (size_t)c)->end_how, TASK_END_FINISHED);
	model_free(m);
	clock_set_fake(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, spans_from_state_changes);
	tcase_add_test(tc, preempted_overlay_from_sampler);
	tcase_add_test(tc, futex_sleep_while_running_is_gil_inferred);
	tcase_add_test(tc, events_are_put_in_time_order);
	tcase_add_test(tc, a_state_left_and_taken_again_at_one_instant_is_one_span);
	tcase_add_test(tc, late_events_are_counted_not_reordered);
	tcase_add_test(tc, range_summaries_match_brute_force);
	tcase_add_test(tc, groups_sum_their_tasks);
	tcase_add_test(tc, group_summaries_match_their_tasks);
	tcase_add_test(tc, span_cap_keeps_totals_exact);
	tcase_add_test(tc, marks_in_time_order_with_milestones);
	tcase_add_test(tc, queue_merges_runs_stably);
	tcase_add_test(tc, wakes_keep_the_wait_they_ended);
	suite_add_tcase(s, tc);
	return support_main(s);
}
