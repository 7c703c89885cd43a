/*
 * test_pace.c: slow motion and pause of a run: the lesson clock's
 * arithmetic, speed parsing, the dilation of CPU work, and a paused run's
 * threads stopping at their trace points (and one event per step).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cpuburn.h"
#include "pace.h"
#include "support.h"
#include "trace.h"

#define S NS_PER_S
#define MS NS_PER_MS

START_TEST(lesson_clock_arithmetic)
{
	struct clock_map m = {.speed = 0.25, .real0 = 1000 * S, .lesson0 = 500 * S};
	/* running: real time x speed */
	ck_assert_uint_eq(clock_map_lesson(&m, 1000 * S), 500 * S);
	ck_assert_uint_eq(clock_map_lesson(&m, 1000 * S + 4 * MS), 500 * S + 1 * MS);
	ck_assert_uint_eq(clock_map_lesson(&m, 1004 * S), 501 * S);
	/* before the start it runs back at the same rate, never below 0 */
	ck_assert_uint_eq(clock_map_lesson(&m, 996 * S), 499 * S);
	ck_assert_uint_eq(clock_map_lesson(&m, 0), 250 * S);
	/* a finished pause of 2 s is left out */
	m.paused_ns = 2 * S;
	ck_assert_uint_eq(clock_map_lesson(&m, 1006 * S), 501 * S);
	/* during a pause the clock stands still */
	m.paused_since = 1008 * S;
	uint64_t at = clock_map_lesson(&m, 1008 * S);
	ck_assert_uint_eq(at, 501 * S + 500 * MS);
	ck_assert_uint_eq(clock_map_lesson(&m, 1009 * S), at);
	ck_assert_uint_eq(clock_map_lesson(&m, 2000 * S), at);
	/* spans: lesson -> real rounds up, so a wait is never short */
	ck_assert_uint_eq(clock_map_real_span(&m, 5 * MS), 20 * MS);
	ck_assert_uint_eq(clock_map_real_span(&m, 1), 4);
	ck_assert_uint_eq(clock_map_lesson_span(&m, 20 * MS), 5 * MS);
	/* speed 1 (or a bad one) is the identity */
	struct clock_map one = {.speed = 1.0, .real0 = 7 * S, .lesson0 = 7 * S};
	ck_assert_uint_eq(clock_map_lesson(&one, 123 * S), 123 * S);
	ck_assert_uint_eq(clock_map_real_span(&one, 5 * MS), 5 * MS);
	struct clock_map bad = {.speed = 0, .real0 = 7 * S, .lesson0 = 7 * S};
	ck_assert_uint_eq(clock_map_lesson(&bad, 9 * S), 9 * S);
	/* speed 0.1 over an hour stays exact to the ns */
	struct clock_map tenth = {.speed = 0.1, .real0 = 10 * S, .lesson0 = 10 * S};
	ck_assert_uint_eq(clock_map_lesson(&tenth, 10 * S + 36000 * S), 10 * S + 3600 * S);
}
END_TEST

START_TEST(shared_block_round_trip)
{
	static struct clock_pace blk;
	struct clock_map in = {.speed = 0.1, .real0 = 11, .lesson0 = 22, .paused_ns = 33, .paused_since = 44};
	struct clock_map out;
	memset(&blk, 0, sizeof(blk));
	clock_pace_read(&blk, &out);
	ck_assert(out.speed == 1.0); /* never written: speed 1 */
	clock_pace_write(&blk, &in);
	clock_pace_read(&blk, &out);
	ck_assert(out.speed == 0.1);
	ck_assert_uint_eq(out.real0, 11);
	ck_assert_uint_eq(out.lesson0, 22);
	ck_assert_uint_eq(out.paused_ns, 33);
	ck_assert_uint_eq(out.paused_since, 44);
	ck_assert_uint_eq(atomic_load(&blk.seq) & 1, 0);
}
END_TEST

START_TEST(speed_parsing)
{
	double v;
	ck_assert_int_eq(pace_speed_parse("0.25", &v), 0);
	ck_assert(v == 0.25);
	ck_assert_int_eq(pace_speed_parse("1/4", &v), 0);
	ck_assert(v == 0.25);
	ck_assert_int_eq(pace_speed_parse("10%", &v), 0);
	ck_assert(v > 0.0999 && v < 0.1001);
	ck_assert_int_eq(pace_speed_parse("1", &v), 0);
	ck_assert_int_eq(pace_speed_parse("0.01", &v), 0);
	static const char *const bad[] = {"", "0", "-0.5", "1.5", "2", "0.001", "abc", "0.5x", "1/0",
	                                  "1/", "nan", "inf", "200%"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pace_speed_parse(bad[i], &v) == -1, "'%s' was taken", bad[i]);
}
END_TEST

START_TEST(cpu_work_cycles)
{
	ck_assert_uint_eq(cpuburn_dilated_units(100, 1.0), 100);
	ck_assert_uint_eq(cpuburn_dilated_units(100, 0.5), 100); /* never less work */
	ck_assert_uint_eq(cpuburn_dilated_units(100, 4.0), 400);
	ck_assert_uint_eq(cpuburn_dilated_units(100, 10.0), 1000);
	ck_assert_uint_eq(cpuburn_dilated_units(3, 1.0 / 0.3), 10);
	ck_assert_uint_eq(cpuburn_dilated_units(0, 4.0), 0);
	/* the checksum of the work does not depend on the speed */
	pace_begin(1.0);
	uint64_t a = cpuburn_run(40);
	pace_begin(0.25);
	ck_assert(pace_cycles() == 4.0);
	uint64_t b = cpuburn_run(40);
	pace_end();
	ck_assert_uint_eq(a, b);
}
END_TEST

START_TEST(slow_sleep_is_longer_in_real_time_only)
{
	pace_begin(0.25);
	uint64_t r0 = clock_real_ns(), l0 = clock_now_ns();
	ck_assert_int_eq(pace_sleep_ns(20 * MS, NULL), 0);
	uint64_t real = clock_real_ns() - r0, lesson = clock_now_ns() - l0;
	pace_end();
	/* 20 ms of lesson time are 80 ms real at a quarter speed */
	ck_assert_msg(real >= 80 * MS, "real %llu ns", (unsigned long long)real);
	ck_assert_msg(lesson >= 20 * MS, "lesson %llu ns", (unsigned long long)lesson);
	/* the lesson clock ran at a quarter of the real one (two reads apart) */
	int64_t off = (int64_t)(lesson * 4) - (int64_t)real;
	ck_assert_msg(off < (int64_t)MS && off > -(int64_t)MS, "lesson %llu ns vs real %llu ns",
	              (unsigned long long)lesson, (unsigned long long)real);
	/* a stop flag already set cuts the sleep short */
	atomic_int stop = 1;
	ck_assert_int_eq(pace_sleep_ns(10 * S, &stop), -1);
}
END_TEST

struct worker {
	trace_task_t task;
	atomic_int quit;
	atomic_ulong events;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	while (!atomic_load(&w->quit)) {
		trace_state(w->task, STATE_RUNNING, "tick");
		atomic_fetch_add(&w->events, 1);
		struct timespec ts = {0, 200 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Until the count stays put for 50 ms (the worker is at its gate). */
static unsigned long settled(struct worker *w)
{
	unsigned long a = atomic_load(&w->events);
	for (int i = 0; i < 100; i++) {
		sleep_ms(50);
		unsigned long b = atomic_load(&w->events);
		if (a == b)
			return a;
		a = b;
	}
	ck_abort_msg("the worker never stopped");
	return 0;
}

START_TEST(pause_stops_threads_and_clock_then_step_lets_one_event_through)
{
	struct worker w = {0};
	pthread_t th;
	trace_reset();
	w.task = trace_task_new("worker", KIND_THREAD, "");
	pace_begin(1.0);
	ck_assert_int_eq(pthread_create(&th, NULL, worker_main, &w), 0);
	while (atomic_load(&w.events) < 5)
		sleep_ms(1);

	pace_pause();
	ck_assert(pace_paused());
	unsigned long at = settled(&w);
	uint64_t frozen = clock_now_ns();
	sleep_ms(100);
	ck_assert_uint_eq(clock_now_ns(), frozen);         /* the lesson clock stood still */
	ck_assert_uint_eq(atomic_load(&w.events), at);     /* and the thread */
	ck_assert_uint_ge(pace_paused_ns(), 100 * MS);

	pace_step(); /* exactly one more event, then paused again */
	for (int i = 0; i < 2000 && !(pace_paused() && !pace_stepping()); i++)
		sleep_ms(1);
	ck_assert(pace_paused());
	ck_assert_uint_eq(settled(&w), at + 1);
	ck_assert_uint_ge(clock_now_ns(), frozen);

	pace_resume();
	ck_assert(!pace_paused());
	while (atomic_load(&w.events) < at + 10)
		sleep_ms(1);
	uint64_t paused = pace_paused_ns();
	ck_assert_uint_ge(paused, 200 * MS);
	atomic_store(&w.quit, 1);
	pace_pause(); /* quitting while paused: pace_wake releases the gate */
	pace_wake();
	pthread_join(th, NULL);
	pace_end();
	ck_assert_uint_ge(pace_paused_ns(), paused);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("pace");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lesson_clock_arithmetic);
	tcase_add_test(tc, shared_block_round_trip);
	tcase_add_test(tc, speed_parsing);
	tcase_add_test(tc, cpu_work_cycles);
	tcase_add_test(tc, slow_sleep_is_longer_in_real_time_only);
	tcase_add_test(tc, pause_stops_threads_and_clock_then_step_lets_one_event_through);
	suite_add_tcase(s, tc);
	return support_main(s);
}
