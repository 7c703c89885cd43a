/*
 * test_queue.c: the queue module. Redis URLs parsed and refused; queue/rq
 * run for real (its own redis-server, real worker processes): every job is
 * done, a killed worker's job is requeued or failed, never lost; Redis
 * missing or unable to start is one clear line; and whatever happens no
 * child process and no temporary directory is left.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "queue/redisd.h"
#include "support.h"
#include "trace.h"

/* ---- Redis addresses ---- */

START_TEST(redis_urls)
{
	struct redis_addr a;
	char err[300], back[200];
	ck_assert_int_eq(redis_addr_parse("redis://127.0.0.1:6400/2", &a, err, sizeof(err)), 0);
	ck_assert(!a.is_unix);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_int_eq(a.port, 6400);
	ck_assert_int_eq(a.db, 2);
	redis_addr_format(&a, back, sizeof(back));
	ck_assert_str_eq(back, "redis://127.0.0.1:6400/2");
	ck_assert_int_eq(redis_addr_parse("redis://teacher", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.port, 6379);
	ck_assert_int_eq(redis_addr_parse("redis://[::1]:7000", &a, err, sizeof(err)), 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_int_eq(a.port, 7000);
	ck_assert_int_eq(redis_addr_parse("unix:///tmp/x/redis.sock?db=3", &a, err, sizeof(err)), 0);
	ck_assert(a.is_unix);
	ck_assert_str_eq(a.path, "/tmp/x/redis.sock");
	ck_assert_int_eq(a.db, 3);
	redis_addr_format(&a, back, sizeof(back));
	ck_assert_str_eq(back, "unix:///tmp/x/redis.sock?db=3");

	/* Refused, each with a reason and what is expected, on one line. */
	static const char *const bad[][2] = {
		{"http://x", "expected redis://"},
		{"redis://", "no host"},
		{"redis://h:0", "port"},
		{"redis://h:70000", "port"},
		{"redis://h:12ab", "port"},
		{"redis://h/db", "database"},
		{"redis://:secret@h", "REDISCLI_AUTH"},
		{"rediss://h", "TLS"},
		{"unix://relative.sock", "absolute"},
		{"unix:///x?db=999", "db="},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(redis_url_check(bad[i][0], err, sizeof(err)) == -1, "'%s' accepted", bad[i][0]);
		ck_assert_msg(strstr(err, bad[i][1]) != NULL, "'%s' gave '%s'", bad[i][0], err);
		ck_assert_msg(strstr(err, "expected") != NULL && strchr(err, '\n') == NULL, "'%s' gave '%s'", bad[i][0],
		              err);
	}
	ck_assert(redis_version_at_least("7.0.15", 6, 2));
	ck_assert(redis_version_at_least("6.2.0", 6, 2));
	ck_assert(!redis_version_at_least("6.0.16", 6, 2));
	ck_assert(!redis_version_at_least("garbage", 5, 0));
}
END_TEST

/* ---- what a run leaves behind ---- */

static char tmpdir[64];

/* Each run of queue/rq in this test puts its server's private directory
 * under a TMPDIR of the test's own, so that "nothing left" can be seen. */
static void private_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-queue-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("TMPDIR", tmpdir, 1);
}

/* Nothing of an rq run remains: support_assert_nothing_left, and nothing
 * in its private TMPDIR, which then goes. */
static void assert_nothing_left(void)
{
	support_assert_nothing_left();
	DIR *d = opendir(tmpdir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		ck_assert_msg(e->d_name[0] == '.', "left in TMPDIR: %s", e->d_name);
	closedir(d);
	rmdir(tmpdir);
}

/* ---- queue/threads ---- */

static uint64_t state_ms(const struct model *m, const char *task, enum state st)
{
	int t = support_task(m, task);
	ck_assert_msg(t >= 0, "no lane %s", task);
	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)t, tot);
	return tot[st] / NS_PER_MS;
}

/* Wakes of task `name` by a task whose name starts with `by` (with that
 * cause and, when state >= 0, in that state). */
static int wakes_of(const struct model *m, const char *name, const char *by, const char *cause, int state)
{
	int t = support_task(m, name), n = 0;
	ck_assert_msg(t >= 0, "no lane %s", name);
	for (size_t k = 0; k < model_wake_count(m); k++) {
		struct model_wake w;
		model_wake_get(m, k, &w);
		n += w.task == t && strncmp(model_task(m, (size_t)w.waker)->name, by, strlen(by)) == 0 &&
		     strcmp(w.cause, cause) == 0 && (state < 0 || (int)w.state == state);
	}
	return n;
}

/* maxsize is back-pressure: the producer, faster than the consumers,
 * waits on the full queue and is never more than maxsize ahead; every
 * item is handled once; the consumers wait on the empty queue at first;
 * io work lets two consumers overlap. */
START_TEST(threads_back_pressure)
{
	static const char *const sets[] = {"items=10", "maxsize=2", "produce_ms=5", "work_ms=40", NULL};
	struct run run;
	struct model *m = support_run_demo("queue/threads", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "items_done"), 10);
	ck_assert_double_eq(support_result(&run, "items_put"), 10);
	ck_assert_double_le(support_result(&run, "max_qsize"), 2);
	/* Consumers drain 2 items per 40 ms, the producer makes 8 in that
	 * time: most of its life is spent waiting for a free place. */
	ck_assert_double_gt(support_result(&run, "put_wait_ms"), 40);
	ck_assert_uint_gt(state_ms(m, "producer 1", STATE_LOCK), 40);
	ck_assert(support_has_mark(m, -1, "consumer 1: ") && support_has_mark(m, -1, "consumer 2: "));
	/* The two consumers' sleeps overlap: together they slept longer than
	 * the whole run lasted (a CPU-busy machine delays wake-ups, it does not
	 * make sleeps shorter, so this holds under load too). */
	uint64_t slept = state_ms(m, "consumer 1", STATE_SLEEP) + state_ms(m, "consumer 2", STATE_SLEEP);
	ck_assert_uint_ge(slept, 10 * 40 - 5);
	ck_assert_double_lt(support_result(&run, "wall_ms"), (double)slept);
	/* Who woke whom: a consumer taking an item frees the waiting
	 * producer's place; the producer's put wakes an empty-handed consumer
	 * (each consumer waits on the empty queue at first); the last
	 * task_done wakes main's q.join(). */
	ck_assert_int_gt(wakes_of(m, "producer 1", "consumer", "took an item: a place on the queue", STATE_LOCK), 0);
	ck_assert_int_gt(wakes_of(m, "consumer 1", "producer", "put an item", STATE_LOCK) +
	                     wakes_of(m, "consumer 2", "producer", "put an item", STATE_LOCK),
	                 0);
	ck_assert_int_eq(wakes_of(m, "main", "consumer", "marked the last item done", STATE_JOIN), 1);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* maxsize=0: no limit, the producer never waits and the queue grows. */
START_TEST(threads_unbounded)
{
	static const char *const sets[] = {"items=10", "maxsize=0", "produce_ms=2", "work_ms=40", NULL};
	struct run run;
	struct model *m = support_run_demo("queue/threads", sets, &run);
	ck_assert_double_eq(support_result(&run, "items_done"), 10);
	ck_assert_double_lt(support_result(&run, "put_wait_ms"), 1);
	ck_assert_double_ge(support_result(&run, "max_qsize"), 4);
	ck_assert_uint_eq(state_ms(m, "producer 1", STATE_LOCK), 0);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* work=cpu: the consumers compute under the emulated GIL and wait for it. */
START_TEST(threads_cpu_work_takes_turns)
{
	static const char *const sets[] = {"items=6", "work=cpu", "work_ms=30", NULL};
	struct run run;
	struct model *m = support_run_demo("queue/threads", sets, &run);
	ck_assert_double_eq(support_result(&run, "items_done"), 6);
	ck_assert_double_gt(support_result(&run, "gil_switches"), 2);
	ck_assert_uint_gt(state_ms(m, "consumer 1", STATE_GIL) + state_ms(m, "consumer 2", STATE_GIL), 10);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* ---- queue/asyncio ---- */

/* Every item, the thread's too, is handled once; the producer waits on
 * the full queue; the thread's items go in through tasks on the loop
 * (their own lanes), never from the thread; at the end the consumers are
 * cancelled while they wait on the empty queue. */
START_TEST(asyncio_queue_and_thread)
{
	static const char *const sets[] = {"items=8", "maxsize=2", "thread_items=3", "thread_ms=20", NULL};
	struct run run;
	struct model *m = support_run_demo("queue/asyncio", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "items_done"), 8 + 3);
	ck_assert_double_eq(support_result(&run, "items_from_thread"), 3);
	ck_assert_double_eq(support_result(&run, "consumers_cancelled"), 2);
	ck_assert_double_le(support_result(&run, "max_qsize"), 2);
	ck_assert_double_gt(support_result(&run, "put_wait_ms"), 20);
	ck_assert_uint_gt(state_ms(m, "producer 1", STATE_LOCK), 20);
	for (int i = 1; i <= 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "q.put (thread) %d", i);
		int t = support_task(m, name);
		ck_assert_msg(t >= 0, "no lane %s", name);
		/* A coroutine on the loop's thread, not on the pool thread. */
		ck_assert_int_eq(model_task(m, (size_t)t)->kind, KIND_COROUTINE);
		ck_assert_int_eq(model_task(m, (size_t)t)->tid, model_task(m, (size_t)support_task(m, "main"))->tid);
	}
	int pool = support_task(m, "pool thread 1");
	ck_assert_int_ge(pool, 0);
	ck_assert_int_ne(model_task(m, (size_t)pool)->tid, model_task(m, (size_t)support_task(m, "main"))->tid);
	ck_assert_uint_gt(state_ms(m, "pool thread 1", STATE_JOIN), 0); /* waited for its puts */
	ck_assert(support_lane_has_mark(m, "consumer 1", "CancelledError"));
	/* The consumers end cancelled (c.cancel() while they wait on the
	 * empty queue, woken by main's cancel), the producers finished; the
	 * pool thread's puts wake it when their tasks return. */
	for (int i = 1; i <= 2; i++) {
		char name[32];
		snprintf(name, sizeof(name), "consumer %d", i);
		ck_assert_int_eq(model_task(m, (size_t)support_task(m, name))->end_how, TASK_END_CANCELLED);
		ck_assert_int_eq(wakes_of(m, name, "main", "cancelled", STATE_LOCK), 1);
	}
	ck_assert_int_eq(model_task(m, (size_t)support_task(m, "producer 1"))->end_how, TASK_END_FINISHED);
	ck_assert_int_eq(wakes_of(m, "pool thread 1", "q.put (thread)", "returned: the future is set", STATE_JOIN), 3);
	model_free(m);
	run_destroy(&run);
}
END_TEST

/* Stopped while the thread waits for the loop: it still returns soon. */
START_TEST(asyncio_stops_soon)
{
	static const char *const sets[] = {"items=200", "thread_items=50", "thread_ms=30", "work_ms=200", NULL};
	char err[256];
	double ms = support_stop_after("queue/asyncio", sets, 600, err, sizeof(err));
	ck_assert_msg(ms >= 0, "ended before it was stopped: %s", err);
	ck_assert_msg(ms < 1500, "took %.0f ms to stop", ms);
	ck_assert_int_eq(support_children(NULL, 0, NULL), 0);
}
END_TEST

/* ---- queue/rq for real ---- */

START_TEST(rq_every_job_done)
{
	static const char *const sets[] = {"jobs=12", "workers=2", "job_ms=20", NULL};
	struct run run;
	private_tmpdir();
	struct model *m = support_run_demo("queue/rq", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "jobs_done"), 12);
	ck_assert_double_eq(support_result(&run, "jobs_failed"), 0);
	ck_assert_double_eq(support_result(&run, "jobs_requeued"), 0);
	ck_assert_double_eq(support_result(&run, "workers"), 2);
	ck_assert(redis_version_at_least(support_text_result(&run, "redis_version"), REDIS_MIN_MAJOR, 0));
	/* Enqueueing is quick next to working the jobs off. */
	double enq = support_result(&run, "enqueue_ms"), drain = support_result(&run, "drain_ms");
	ck_assert_double_gt(enq, 0);
	ck_assert_double_gt(drain, enq);
	ck_assert_double_ge(support_result(&run, "queue_max"), 1);
	/* Both workers are real processes that waited on Redis and worked;
	 * together they did every job. */
	for (int i = 1; i <= 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "worker %d", i);
		int t = support_task(m, name);
		ck_assert_msg(t >= 0, "%s has no lane", name);
		const struct model_task *mt = model_task(m, (size_t)t);
		ck_assert_int_eq(mt->kind, KIND_PROCESS);
		ck_assert_int_ne(mt->pid, getpid());
		uint64_t tot[STATE_COUNT];
		model_task_totals(m, (size_t)t, tot);
		ck_assert_uint_gt(tot[STATE_IO], 0);
		ck_assert_uint_gt(tot[STATE_RUNNING] + tot[STATE_PREEMPTED], 0);
		ck_assert_msg(support_has_mark(m, t, "leaves:"), "%s did not leave when the run closed", name);
	}
	ck_assert_int_ge(support_task(m, "redis-server"), 0);
	ck_assert(support_has_mark(m, -1, "jobs done, 0 failed"));
	model_free(m);
	run_destroy(&run);
	assert_nothing_left();
}
END_TEST

/* kill -9 a worker mid-job: its job is found and requeued by another, and
 * every job still ends done (retries=1) or failed (retries=0), none lost. */
static void rq_kill(const char *retries)
{
	const char *const sets[] = {"jobs=10", "workers=2", "job_ms=60", "kind=io", "kill_worker=on", retries, NULL};
	struct run run;
	private_tmpdir();
	struct model *m = support_run_demo("queue/rq", sets, &run);
	support_check_invariants(m, 1, 0.02);
	double done = support_result(&run, "jobs_done"), failed = support_result(&run, "jobs_failed");
	double requeued = support_result(&run, "jobs_requeued");
	ck_assert_double_eq(done + failed, 10);
	ck_assert_double_eq(support_result(&run, "workers_killed"), 1);
	int w1 = support_task(m, "worker 1"), w2 = support_task(m, "worker 2");
	ck_assert(support_has_mark(m, w1, "killed by signal 9"));
	if (strcmp(retries, "retries=1") == 0) {
		ck_assert_double_ge(requeued, 1);
		ck_assert_double_eq(failed, 0);
		ck_assert(support_has_mark(m, w2, "back in the queue"));
	} else {
		ck_assert_double_eq(requeued, 0);
		ck_assert_double_ge(failed, 1);
		ck_assert(support_has_mark(m, w2, "failed (no retry left)"));
	}
	model_free(m);
	run_destroy(&run);
	assert_nothing_left();
}

START_TEST(rq_killed_worker_requeued)
{
	rq_kill("retries=1");
}
END_TEST

START_TEST(rq_killed_worker_job_failed)
{
	rq_kill("retries=0");
}
END_TEST

/* The run cannot have its Redis: one line says why, and nothing is left. */
static void rq_cannot_start(const char *path, const char *server, const char *says)
{
	static const char *const sets[] = {"jobs=4", "workers=2", NULL};
	char err[256], old_path[4096];
	private_tmpdir();
	snprintf(old_path, sizeof(old_path), "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	if (path != NULL)
		setenv("PATH", path, 1);
	if (server != NULL)
		setenv("SIMUL_REDIS_SERVER", server, 1);
	double t = support_stop_after("queue/rq", sets, 30000, err, sizeof(err));
	unsetenv("SIMUL_REDIS_SERVER");
	setenv("PATH", old_path, 1);
	ck_assert_msg(t < 0, "the run did not end on its own");
	ck_assert_msg(strstr(err, says) != NULL, "error was '%s'", err);
	ck_assert(strchr(err, '\n') == NULL);
	assert_nothing_left();
}

START_TEST(rq_redis_missing)
{
	rq_cannot_start("/nonexistent", NULL, "redis-server is not installed");
	rq_cannot_start(NULL, "/nonexistent/redis-server", "cannot run SIMUL_REDIS_SERVER");
}
END_TEST

START_TEST(rq_redis_fails_to_start)
{
	rq_cannot_start(NULL, "/bin/false", "exited with status 1 as it started");
}
END_TEST

/* Stopped mid-run (quit, Ctrl-C): it returns soon, and still cleans up. */
START_TEST(rq_stops_soon)
{
	static const char *const sets[] = {"jobs=200", "workers=2", "job_ms=200", NULL};
	char err[256];
	private_tmpdir();
	double ms = support_stop_after("queue/rq", sets, 1500, err, sizeof(err));
	ck_assert_msg(ms >= 0, "the run ended before it was stopped: %s", err);
	ck_assert_msg(ms < 3000, "took %.0f ms to stop", ms);
	assert_nothing_left();
}
END_TEST

/* Parameters that cannot work together are refused before anything runs. */
START_TEST(rq_kill_needs_two_workers)
{
	static const char *const sets[] = {"workers=1", "kill_worker=on", NULL};
	char err[256];
	private_tmpdir();
	ck_assert(support_stop_after("queue/rq", sets, 30000, err, sizeof(err)) < 0);
	ck_assert_msg(strstr(err, "workers >= 2") != NULL, "error was '%s'", err);
	assert_nothing_left();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("rq");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, redis_urls);
	tcase_add_test(tc, threads_back_pressure);
	tcase_add_test(tc, threads_unbounded);
	tcase_add_test(tc, threads_cpu_work_takes_turns);
	tcase_add_test(tc, asyncio_queue_and_thread);
	tcase_add_test(tc, asyncio_stops_soon);
	tcase_add_test(tc, rq_every_job_done);
	tcase_add_test(tc, rq_killed_worker_requeued);
	tcase_add_test(tc, rq_killed_worker_job_failed);
	tcase_add_test(tc, rq_redis_missing);
	tcase_add_test(tc, rq_redis_fails_to_start);
	tcase_add_test(tc, rq_stops_soon);
	tcase_add_test(tc, rq_kill_needs_two_workers);
	suite_add_tcase(s, tc);
	return support_main(s);
}
