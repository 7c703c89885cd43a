/*
 * test_processes.c: the processes module's demos run for real, with real
 * child processes: every child is registered, runs, ends, and is reaped;
 * a killed child is reported; nothing is left behind (no child, no zombie,
 * no shared memory).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pycost.h"
#include "support.h"
#include "trace.h"

START_TEST(workers_children_run_and_end)
{
	static const char *const sets[] = {"workers=3", "job_ms=60", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/workers", sets, &run);
	char parent_pid[48];
	snprintf(parent_pid, sizeof(parent_pid), "parent pid %d", (int)getpid());

	support_check_invariants(m, 1, 0.02);
	int seq = support_task(m, "sequential");
	ck_assert_int_ge(seq, 0);
	ck_assert_int_eq(model_task(m, (size_t)seq)->pid, getpid());
	int pids[3];
	for (int i = 0; i < 3; i++) {
		char name[32], said[128];
		snprintf(name, sizeof(name), "worker %d", i);
		int t = support_task(m, name);
		ck_assert_msg(t >= 0, "%s not registered", name);
		const struct model_task *mt = model_task(m, (size_t)t);
		ck_assert_int_eq(mt->kind, KIND_PROCESS);
		ck_assert_uint_ne(mt->end_ns, 0);
		pids[i] = mt->pid;
		ck_assert_int_gt(pids[i], 0);
		ck_assert_int_ne(pids[i], getpid());
		for (int j = 0; j < i; j++)
			ck_assert_int_ne(pids[i], pids[j]);
		/* It ran: time on a core (or waiting for one), and it said who it
		 * is and who its parent is (this test, which ran the demo). */
		uint64_t tot[STATE_COUNT];
		model_task_totals(m, (size_t)t, tot);
		ck_assert_uint_gt(tot[STATE_RUNNING] + tot[STATE_PREEMPTED], 30 * NS_PER_MS);
		snprintf(said, sizeof(said), "worker %d: pid %d, %s", i, pids[i], parent_pid);
		ck_assert_msg(support_has_mark(m, t, said), "%s did not print '%s'", name, said);
		ck_assert_msg(support_has_mark(m, t, "checksum"), "%s did not finish its job", name);
	}
	ck_assert_double_eq(support_result(&run, "crashed_workers"), 0);
	ck_assert_double_eq(support_result(&run, "workers_started"), 3);
	ck_assert_double_gt(support_result(&run, "sequential_ms"), 0);
	ck_assert_double_gt(support_result(&run, "parallel_ms"), 0);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* Two workers on two cores beat one process by more than x1.3 when the
 * cores are free. The machine is shared: when other programs (measured
 * from /proc/stat minus this test's own CPU, never from the workers' own
 * waits, which a bug such as pinning them to one core would cause) used a
 * quarter of the machine or more during every attempt, the claim cannot
 * be tested now: a counted skip. */
START_TEST(workers_speed_up_on_two_cores)
{
	/* Sanitized builds start processes slowly and run them at another
	 * speed: no timing claim holds there. */
	const char *san = getenv("SIMUL_SANITIZER");
	if (san != NULL && san[0] != '\0') {
		support_skip("a sanitizer build: no timing claim holds");
		return;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		support_skip("one core: nothing to run in parallel on");
		return;
	}
	static const char *const sets[] = {"workers=2", "job_ms=250", NULL};
	double best = 0, worst = 1;
	int busy = 0, attempt = 0;
	for (; attempt < 3 && best <= 1.3; attempt++) {
		struct run run;
		struct support_load load;
		support_load_start(&load);
		struct model *m = support_run_demo("processes/workers", sets, &run);
		double speedup = support_result(&run, "speedup");
		double other = support_load_other(&load);
		if (speedup > best)
			best = speedup;
		if (speedup <= 1.3 && other >= SUPPORT_BUSY) {
			busy++;
			worst = other < worst ? other : worst;
		}
		model_free(m);
		run_destroy(&run);
	}
	support_assert_nothing_left();
	if (best > 1.3)
		return;
	if (busy == attempt) {
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run; "
		             "best speedup x%.2f, not testable now", 100 * worst, best);
		return;
	}
	ck_assert_msg(0, "speedup x%.2f with free cores (want > x1.3)", best);
}
END_TEST

/* Watches this process's --worker children while a demo runs, for the
 * fewest cores the kernel lets any of them use (sched_getaffinity). */
struct affinity_watch {
	atomic_int stop;
	int seen, least;
};

static void *affinity_watch_main(void *arg)
{
	struct affinity_watch *w = arg;
	while (!atomic_load(&w->stop)) {
		pid_t kids[16];
		int n = support_children(kids, 16, "--worker");
		for (int i = 0; i < n && i < 16; i++) {
			cpu_set_t set;
			if (sched_getaffinity(kids[i], sizeof(set), &set) != 0)
				continue;
			int c = CPU_COUNT(&set);
			w->least = w->seen++ == 0 || c < w->least ? c : w->least;
		}
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The OS runs the workers on different cores: the sampler records, for
 * every running span, the core the kernel reports the thread ran on
 * (/proc/PID/task/TID/stat), and two CPU-bound workers on a machine of two
 * cores or more are seen on two of them. Not a timing claim: the kernel
 * moves runnable processes between cores even when others share them; a
 * worker held to one core (sched_setaffinity) never moves. When other
 * programs keep the cores busy the kernel may still keep both on one core
 * for a whole run (seen here): then that part is a counted skip, but the
 * workers' affinity, read while they run, is checked on every run. */
START_TEST(workers_run_on_different_cores)
{
	cpu_set_t allowed;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) < 2)) {
		support_skip("one core: nothing to spread over");
		return;
	}
	static const char *const sets[] = {"workers=2", "job_ms=250", "sequential=off", NULL};
	int distinct = 0, busy = 0, attempt = 0;
	double worst = 1;
	cpu_set_t mine;
	ck_assert_int_eq(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (; attempt < 3 && distinct < 2; attempt++) {
		struct run run;
		struct support_load load;
		struct affinity_watch aw = {.least = 0};
		pthread_t watcher;
		support_load_start(&load);
		ck_assert_int_eq(pthread_create(&watcher, NULL, affinity_watch_main, &aw), 0);
		struct model *m = support_run_demo("processes/workers", sets, &run);
		atomic_store(&aw.stop, 1);
		pthread_join(watcher, NULL);
		/* Whatever the load: nothing holds a worker to fewer cores than
		 * this test may use (a load-free check that the kernel is free to
		 * spread them). */
		ck_assert_msg(aw.seen > 0, "never saw a worker to read its affinity");
		ck_assert_msg(aw.least >= CPU_COUNT(&mine), "a worker may run on %d core(s), this test on %d",
		              aw.least, CPU_COUNT(&mine));
		uint64_t on_core[256] = {0}, known = 0, running = 0;
		for (int w = 0; w < 2; w++) {
			int t = support_task(m, w == 0 ? "worker 0" : "worker 1");
			ck_assert_int_ge(t, 0);
			for (size_t k = 0; k < model_span_count(m, (size_t)t); k++) {
				struct model_span sp;
				ck_assert_int_eq(model_span_get(m, (size_t)t, k, &sp), 0);
				if (sp.state != STATE_RUNNING)
					continue;
				running += sp.end_ns - sp.start_ns;
				if (sp.core >= 0 && sp.core < 256) {
					on_core[sp.core] += sp.end_ns - sp.start_ns;
					known += sp.end_ns - sp.start_ns;
				}
			}
		}
		/* The core is known for most of the time they ran. */
		ck_assert_msg(running > 0 && known >= running / 2, "core known for %.1f of %.1f ms running",
		              (double)known / 1e6, (double)running / 1e6);
		distinct = 0;
		for (int c = 0; c < 256; c++)
			distinct += on_core[c] >= 2 * NS_PER_MS;
		double other = support_load_other(&load);
		if (distinct < 2 && other >= SUPPORT_BUSY) {
			busy++;
			worst = other < worst ? other : worst;
		}
		model_free(m);
		run_destroy(&run);
	}
	support_assert_nothing_left();
	if (distinct < 2 && busy == attempt) {
		support_skip("machine busy: other programs used at least %.0f%% of the cores in every run, "
		             "and the workers stayed on one core", 100 * worst);
		return;
	}
	ck_assert_msg(distinct >= 2, "two CPU-bound workers ran on %d core(s) only, in %d runs", distinct, attempt);
}
END_TEST

struct killer {
	const char *cmd_has; /* the kind of worker to kill */
	pid_t killed;
};

static void *kill_one_worker(void *arg)
{
	struct killer *k = arg;
	for (int i = 0; i < 2000 && k->killed == 0; i++) {
		pid_t kids[4];
		if (support_children(kids, 4, k->cmd_has) > 0) {
			struct timespec ts = {0, 150 * 1000000L};
			nanosleep(&ts, NULL);
			kill(kids[0], SIGKILL);
			k->killed = kids[0];
			break;
		}
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

START_TEST(killed_worker_is_reported)
{
	static const char *const sets[] = {"workers=2", "job_ms=1500", "sequential=off", NULL};
	struct run run;
	struct killer k = {"processes burn", 0};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, kill_one_worker, &k), 0);
	struct model *m = support_run_demo("processes/workers", sets, &run);
	pthread_join(th, NULL);
	pid_t killed = k.killed;
	ck_assert_int_gt(killed, 0);

	ck_assert_double_eq(support_result(&run, "crashed_workers"), 1);
	support_check_invariants(m, 1, 0.02);
	int victim = -1, survivors = 0;
	for (size_t t = 0; t < model_task_count(m); t++) {
		const struct model_task *mt = model_task(m, t);
		if (mt->kind != KIND_PROCESS)
			continue;
		ck_assert_uint_ne(mt->end_ns, 0);
		if (mt->pid == killed)
			victim = (int)t;
		else if (support_has_mark(m, (int)t, "checksum"))
			survivors++;
	}
	ck_assert_int_ge(victim, 0);
	ck_assert_msg(support_has_mark(m, victim, "killed by signal 9"), "the kill is not on the lane");
	ck_assert_int_eq(survivors, 1);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

static void *stop_when_children_run(void *arg)
{
	struct run *run = arg;
	pid_t kids[4];
	for (int i = 0; i < 1000 && support_children(kids, 4, "burn") < 2; i++) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	struct timespec ts = {0, 200 * 1000000L};
	nanosleep(&ts, NULL);
	run_request_stop(run);
	return NULL;
}

START_TEST(stop_kills_and_reaps_every_child)
{
	/* Jobs far longer than the test: only the stop can end them soon. */
	static const char *const sets[] = {"workers=2", "job_ms=10000", "sequential=off", NULL};
	struct run run;
	pthread_t th;
	uint64_t t0 = clock_now_ns();
	/* run is filled in by support_run_demo before the children start,
	 * and the thread only touches it once they run. */
	ck_assert_int_eq(pthread_create(&th, NULL, stop_when_children_run, &run), 0);
	struct model *m = support_run_demo("processes/workers", sets, &run);
	pthread_join(th, NULL);
	ck_assert_uint_lt(clock_now_ns() - t0, 8 * NS_PER_S);
	ck_assert_double_eq(support_result(&run, "stopped"), 1);
	double v;
	ck_assert_msg(run_result_get(&run, "speedup", &v) != 0, "a stopped run reported a speedup");
	for (int i = 0; i < 2; i++) {
		int t = support_task(m, i == 0 ? "worker 0" : "worker 1");
		ck_assert_int_ge(t, 0);
		ck_assert_uint_ne(model_task(m, (size_t)t)->end_ns, 0);
		ck_assert_msg(support_has_mark(m, t, "stopped with the run"), "worker %d: no stop on its lane", i);
	}
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

START_TEST(pool_maps_through_pipes)
{
	static const char *const sets[] = {"workers=2", "items=6", "job_ms=20", "payload_kib=256", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/pool", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "items_done"), 6);
	ck_assert_double_eq(support_result(&run, "checksum_match"), 1);
	ck_assert_double_gt(support_result(&run, "ipc_ms"), 0);
	int owner = support_task(m, "pool owner");
	ck_assert_int_ge(owner, 0);
	int pickled = 0, sent = 0;
	for (int w = 0; w < 2; w++) {
		int t = support_task(m, w == 0 ? "pool worker 0" : "pool worker 1");
		ck_assert_int_ge(t, 0);
		ck_assert_int_ne(model_task(m, (size_t)t)->pid, getpid());
		for (size_t k = 0; k < model_span_count(m, (size_t)t); k++) {
			struct model_span sp;
			model_span_get(m, (size_t)t, k, &sp);
			/* Pickling is CPU work (running); the bytes then go
			 * through the socket (io). */
			if ((sp.state == STATE_RUNNING || sp.state == STATE_PREEMPTED) &&
			    strncmp(sp.reason, "pickling 256.0 KiB", 18) == 0)
				pickled++;
			if (sp.state == STATE_IO && strstr(sp.reason, "sending 256.0 KiB") != NULL)
				sent++;
		}
	}
	/* Each of the 6 results was pickled and sent by a worker. */
	ck_assert_int_ge(pickled, 6);
	ck_assert_int_ge(sent, 6);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* Chunks: 7 items in chunks of 3 (3, 3, 1) all come back, right. */
START_TEST(pool_sends_chunks)
{
	static const char *const sets[] = {"workers=2", "items=7", "job_ms=10", "payload_kib=8", "chunksize=3",
	                                   NULL};
	struct run run;
	struct model *m = support_run_demo("processes/pool", sets, &run);
	ck_assert_double_eq(support_result(&run, "items_done"), 7);
	ck_assert_double_eq(support_result(&run, "checksum_match"), 1);
	int chunks = 0, singles = 0;
	for (int w = 0; w < 2; w++) {
		int t = support_task(m, w == 0 ? "pool worker 0" : "pool worker 1");
		ck_assert_int_ge(t, 0);
		for (size_t k = 0; k < model_span_count(m, (size_t)t); k++) {
			struct model_span sp;
			model_span_get(m, (size_t)t, k, &sp);
			/* One io span per message received (running spans are
			 * split where the kernel preempted them). */
			if (sp.state == STATE_IO && strncmp(sp.reason, "receiving 24.0 KiB (items ", 26) == 0)
				chunks++;
			if (sp.state == STATE_IO && strcmp(sp.reason, "receiving 8.0 KiB (item 6)") == 0)
				singles++;
		}
	}
	ck_assert_int_eq(chunks, 2);
	ck_assert_int_eq(singles, 1);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* A pool worker killed mid-map: the map ends with the others, the item it
 * held is reported lost, and its lane says why it ended. */
START_TEST(pool_survives_a_killed_worker)
{
	static const char *const sets[] = {"workers=2", "items=30", "job_ms=30", "payload_kib=16", NULL};
	struct run run;
	struct killer k = {"processes pool", 0};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, kill_one_worker, &k), 0);
	struct model *m = support_run_demo("processes/pool", sets, &run);
	pthread_join(th, NULL);
	ck_assert_int_gt(k.killed, 0);
	ck_assert_double_eq(support_result(&run, "crashed_workers"), 1);
	double done = support_result(&run, "items_done"), lost = support_result(&run, "items_lost");
	ck_assert_double_le(lost, 1); /* chunksize 1: at most the item it held */
	ck_assert_double_eq(done + lost, 30);
	support_check_invariants(m, 1, 0.02);
	int victim = -1;
	for (size_t t = 0; t < model_task_count(m); t++)
		if (model_task(m, t)->pid == k.killed)
			victim = (int)t;
	ck_assert_int_ge(victim, 0);
	ck_assert_msg(support_has_mark(m, victim, "killed by signal 9"), "the kill is not on the lane");
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

START_TEST(pool_ipc_grows_with_payload)
{
	static const char *const small[] = {"workers=2", "items=4", "job_ms=5", "payload_kib=4", NULL};
	static const char *const big[] = {"workers=2", "items=4", "job_ms=5", "payload_kib=4096", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/pool", small, &run);
	double ipc_small = support_result(&run, "ipc_ms");
	model_free(m);
	run_destroy(&run);
	m = support_run_demo("processes/pool", big, &run);
	double ipc_big = support_result(&run, "ipc_ms");
	ck_assert_double_eq(support_result(&run, "checksum_match"), 1);
	model_free(m);
	run_destroy(&run);
	/* 1024 times the data: far more than 10 times the time. */
	ck_assert_msg(ipc_big > 10 * ipc_small, "ipc %.2f ms for 4 KiB, %.2f ms for 4 MiB", ipc_small,
	              ipc_big);
	support_assert_nothing_left();
}
END_TEST

/* The lesson's own parameters: 8 MiB lists of floats cost what CPython's
 * pickling and pipes cost (tens of ns a float, not a C memcpy's one), so
 * the pool loses to the plain loop; the same bytes as a raw array keep the
 * gain. Both ways run the same CPU work, so load slows both alike. */
START_TEST(pool_big_payloads_eat_the_gain)
{
	static const char *const list[] = {"workers=2", "items=6", "job_ms=50", "payload_kib=8192", NULL};
	static const char *const array[] = {"workers=2", "items=6", "job_ms=50", "payload_kib=8192", "data=array",
	                                    NULL};
	struct run run;
	struct support_load load;
	support_load_start(&load);
	struct model *m = support_run_demo("processes/pool", list, &run);
	double slow = support_result(&run, "speedup");
	ck_assert_double_eq(support_result(&run, "checksum_match"), 1);
	/* CPython's cost, measured or built in: far above C's ns a float. */
	ck_assert_double_gt(support_result(&run, "pickle_send_ns_per_float"), 5);
	ck_assert_double_gt(support_result(&run, "pickle_recv_ns_per_float"), 5);
	model_free(m);
	run_destroy(&run);
	m = support_run_demo("processes/pool", array, &run);
	double fast = support_result(&run, "speedup");
	ck_assert_double_eq(support_result(&run, "checksum_match"), 1);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
	/* Under a sanitizer simul's own C copies and encodes several times
	 * slower than it does in a release build: no timing claim holds. */
	const char *san = getenv("SIMUL_SANITIZER");
	if (san != NULL && san[0] != '\0')
		return;
	ck_assert_msg(slow < 1.0, "8 MiB lists: pool x%.2f, should lose to the loop", slow);
	/* Arrays beating lists by half again needs the two workers' cores:
	 * when other programs took them (from /proc/stat, not from our own
	 * waits), a counted skip, never a pass. */
	double other = support_load_other(&load);
	if (!(fast > slow * 1.5) && other >= SUPPORT_BUSY) {
		support_skip("machine busy: other programs used %.0f%% of the cores; arrays x%.2f, lists x%.2f",
		             other * 100, fast, slow);
		return;
	}
	ck_assert_msg(fast > slow * 1.5, "8 MiB arrays x%.2f, lists x%.2f", fast, slow);
}
END_TEST

/* Time task t spent on a core or waiting for one (running, preempted: the
 * sampler splits them) in spans whose reason starts with prefix. */
static uint64_t oncpu_with(const struct model *m, int t, const char *prefix)
{
	uint64_t sum = 0;
	for (size_t k = 0; k < model_span_count(m, (size_t)t); k++) {
		struct model_span sp;
		model_span_get(m, (size_t)t, k, &sp);
		if ((sp.state == STATE_RUNNING || sp.state == STATE_PREEMPTED) &&
		    strncmp(sp.reason, prefix, strlen(prefix)) == 0)
			sum += sp.end_ns - sp.start_ns;
	}
	return sum;
}

/* start=spawn: every child starts as a fresh interpreter would, a span of
 * CPython's start-up cost before its job; start=fork: no such span. */
START_TEST(start_methods_cost_what_cpython_pays)
{
	static const char *const spawn[] = {"workers=2", "job_ms=30", "sequential=off", "start=spawn", NULL};
	static const char *const fork[] = {"workers=2", "job_ms=30", "sequential=off", "start=fork", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/workers", spawn, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_ge(support_result(&run, "start_cost_ms"), 40);
	for (int i = 0; i < 2; i++) {
		int t = support_task(m, i == 0 ? "worker 0" : "worker 1");
		ck_assert_int_ge(t, 0);
		/* 60 ms of CPU: at least that long on the lane. */
		ck_assert_uint_ge(oncpu_with(m, t, "spawn: "), 50 * NS_PER_MS);
		ck_assert_msg(support_has_mark(m, t, "checksum"), "worker %d did not finish its job", i);
	}
	model_free(m);
	run_destroy(&run);
	m = support_run_demo("processes/workers", fork, &run);
	ck_assert_double_eq(support_result(&run, "start_cost_ms"), 0);
	for (int i = 0; i < 2; i++) {
		int t = support_task(m, i == 0 ? "worker 0" : "worker 1");
		ck_assert_int_ge(t, 0);
		ck_assert_uint_eq(oncpu_with(m, t, "spawn: "), 0);
	}
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* start=forkserver: one fork server lane starts first (a spawned
 * interpreter's cost, once) and lives to the end; the workers start after
 * it is ready, each at the smaller cost of a child forked from it. */
START_TEST(forkserver_starts_once_then_forks)
{
	static const char *const sets[] = {"workers=3", "job_ms=30", "sequential=off", "start=forkserver", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/workers", sets, &run);
	support_check_invariants(m, 1, 0.02);
	ck_assert_double_eq(support_result(&run, "workers_started"), 3);
	ck_assert_double_eq(support_result(&run, "crashed_workers"), 0);
	int server = support_task(m, "fork server");
	ck_assert_int_ge(server, 0);
	ck_assert_uint_ge(oncpu_with(m, server, "the fork server starts"), 50 * NS_PER_MS);
	const struct model_task *st = model_task(m, (size_t)server);
	uint64_t ready = 0;
	for (size_t k = 0; k < model_span_count(m, (size_t)server); k++) {
		struct model_span sp;
		model_span_get(m, (size_t)server, k, &sp);
		if (sp.state == STATE_IDLE && ready == 0)
			ready = sp.start_ns;
	}
	ck_assert_uint_gt(ready, 0);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "worker %d", i);
		int t = support_task(m, name);
		ck_assert_int_ge(t, 0);
		const struct model_task *wt = model_task(m, (size_t)t);
		ck_assert_uint_ge(oncpu_with(m, t, "forked by the fork server"), 5 * NS_PER_MS);
		/* Its job ran after the server was ready, and the server outlived it. */
		ck_assert_uint_ge(wt->end_ns, ready);
		ck_assert_uint_ge(st->end_ns, wt->end_ns);
	}
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* Threads under the GIL take turns (no speedup, gil spans on every thread
 * lane); the processes beside them have no GIL to wait for. */
START_TEST(vs_threads_gil_serialises_threads_not_processes)
{
	static const char *const sets[] = {"jobs=2", "job_ms=150", NULL};
	struct run run;
	struct model *m = support_run_demo("processes/vs-threads", sets, &run);
	support_check_invariants(m, 1, 0.02);
	/* CPU over wall: one GIL lets the threads keep one core busy at most
	 * (measured from the threads' own CPU clocks; load elsewhere only
	 * lowers it). Without the GIL, two free cores would give about 2. */
	ck_assert_double_lt(support_result(&run, "threads_parallelism"), 1.25);
	ck_assert_double_gt(support_result(&run, "processes_parallelism"), 0);
	ck_assert_double_gt(support_result(&run, "gil_switches"), 2);
	ck_assert_double_eq(support_result(&run, "crashed_workers"), 0);
	uint64_t tot[STATE_COUNT];
	int pids[2];
	for (int i = 0; i < 2; i++) {
		int t = support_task(m, i == 0 ? "thread 0" : "thread 1");
		ck_assert_int_ge(t, 0);
		const struct model_task *mt = model_task(m, (size_t)t);
		ck_assert_int_eq(mt->pid, getpid());
		model_task_totals(m, (size_t)t, tot);
		ck_assert_uint_gt(tot[STATE_GIL] * 5, mt->end_ns - mt->start_ns);
		t = support_task(m, i == 0 ? "process 0" : "process 1");
		ck_assert_int_ge(t, 0);
		mt = model_task(m, (size_t)t);
		ck_assert_uint_ne(mt->end_ns, 0);
		pids[i] = mt->pid;
		ck_assert_int_gt(pids[i], 0);
		ck_assert_int_ne(pids[i], getpid());
		model_task_totals(m, (size_t)t, tot);
		ck_assert_uint_eq(tot[STATE_GIL], 0);
		ck_assert_uint_gt(tot[STATE_RUNNING] + tot[STATE_PREEMPTED], 75 * NS_PER_MS);
	}
	ck_assert_int_ne(pids[0], pids[1]);
	model_free(m);
	run_destroy(&run);
	support_assert_nothing_left();
}
END_TEST

/* CPython's costs: spent as CPU time, in the order CPython pays them. */
START_TEST(pycost_spends_cpu_in_cpythons_order)
{
	uint64_t cpu0 = clock_thread_cpu_ns();
	pycost_spend(NULL, 30 * NS_PER_MS);
	uint64_t used = clock_thread_cpu_ns() - cpu0;
	ck_assert_uint_ge(used, 30 * NS_PER_MS);
	ck_assert_uint_lt(used, 40 * NS_PER_MS); /* CPU time: load does not stretch it */
	ck_assert_uint_gt(pycost_child_start_ns(PYCOST_SPAWN), 4 * pycost_child_start_ns(PYCOST_FORKSERVER));
	ck_assert_uint_gt(pycost_child_start_ns(PYCOST_FORKSERVER), pycost_child_start_ns(PYCOST_FORK));
	ck_assert_uint_ge(pycost_forkserver_start_ns(), pycost_child_start_ns(PYCOST_SPAWN));
	ck_assert_uint_le(pycost_aiohttp_get_ns(1000), pycost_aiohttp_get_ns(3000));
	ck_assert_uint_le(pycost_aiohttp_get_ns(3000), pycost_aiohttp_get_ns(10000));
	struct pycost_pickle small, big;
	pycost_pickle(1024, 0, &small);
	pycost_pickle(1 << 20, 0, &big);
	ck_assert_int_eq(small.measured, 0);
	ck_assert_double_ge(big.recv_ns, small.recv_ns);
	ck_assert_double_gt(small.send_ns, 5); /* far above a C memcpy's ns a float */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("processes");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 40);
	tcase_add_test(tc, workers_children_run_and_end);
	tcase_add_test(tc, workers_speed_up_on_two_cores);
	tcase_add_test(tc, workers_run_on_different_cores);
	tcase_add_test(tc, killed_worker_is_reported);
	tcase_add_test(tc, stop_kills_and_reaps_every_child);
	tcase_add_test(tc, pool_maps_through_pipes);
	tcase_add_test(tc, pool_sends_chunks);
	tcase_add_test(tc, pool_survives_a_killed_worker);
	tcase_add_test(tc, pool_ipc_grows_with_payload);
	tcase_add_test(tc, pool_big_payloads_eat_the_gain);
	tcase_add_test(tc, start_methods_cost_what_cpython_pays);
	tcase_add_test(tc, forkserver_starts_once_then_forks);
	tcase_add_test(tc, pycost_spends_cpu_in_cpythons_order);
	tcase_add_test(tc, vs_threads_gil_serialises_threads_not_processes);
	suite_add_tcase(s, tc);
	return support_main(s);
}
