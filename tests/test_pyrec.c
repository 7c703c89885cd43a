/*
 * test_pyrec.c: the Python agent's records (src/pyrec.h) and what simul
 * makes of them (scenarios/lib/pylanes.h).
 *
 * The format: a record round-trips; a partial one waits for more; a bad
 * length, type or state is refused; the agent (assets/agent/simul_agent.py,
 * run by python3 when there is one) writes bytes the parser reads back with
 * the same fields, and uses the same numbers as the C side. The lanes: one
 * per thread, task and process, with parents, pids on process lanes, a
 * multiprocessing child registered only once it says its name, the agent's
 * states mapped, printed `key: value` lines as results, every lane ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "feed.h"
#include "model.h"
#include "pylanes.h"
#include "pyrec.h"
#include "run.h"
#include "support.h"
#include "trace.h"

static struct pyrec rec(enum pyrec_type type, int state, uint32_t pid, uint32_t lane, int32_t arg, int32_t line,
                        uint64_t t, const char *text)
{
	return (struct pyrec){.type = type, .state = state, .pid = pid, .lane = lane, .arg = arg, .line = line,
	                      .t_ns = t, .text = text, .text_len = text ? strlen(text) : 0};
}

START_TEST(round_trip)
{
	unsigned char buf[PYREC_MAX];
	struct pyrec in = rec(PYREC_STATE, PYREC_SLEEP, 4242, 0x80000007u, -3, 12, 0x0123456789abcdefull,
	                      "time.sleep(0.1) \xc3\xa9");
	size_t n = pyrec_encode(buf, &in);
	ck_assert_uint_eq(n, PYREC_HEADER + strlen(in.text));
	struct pyrec out;
	ck_assert_int_eq(pyrec_parse(buf, n, &out), (long)n);
	ck_assert_int_eq(out.type, PYREC_STATE);
	ck_assert_int_eq(out.state, PYREC_SLEEP);
	ck_assert_uint_eq(out.pid, 4242);
	ck_assert_uint_eq(out.lane, 0x80000007u);
	ck_assert_int_eq(out.arg, -3);
	ck_assert_int_eq(out.line, 12);
	ck_assert_uint_eq(out.t_ns, 0x0123456789abcdefull);
	ck_assert_uint_eq(out.text_len, strlen(in.text));
	ck_assert(memcmp(out.text, in.text, out.text_len) == 0);
}
END_TEST

START_TEST(partial_waits_bad_refused)
{
	unsigned char buf[2 * PYREC_MAX];
	struct pyrec a = rec(PYREC_PRINT, 0, 1, 2, 0, 3, 100, "Number 1");
	struct pyrec b = rec(PYREC_END, PYREC_END_DONE, 1, 2, 0, 0, 200, NULL);
	size_t na = pyrec_encode(buf, &a);
	size_t nb = pyrec_encode(buf + na, &b);
	struct pyrec out;
	for (size_t k = 0; k < na; k++)
		ck_assert_int_eq(pyrec_parse(buf, k, &out), 0);
	ck_assert_int_eq(pyrec_parse(buf, na + nb, &out), (long)na);
	ck_assert_int_eq(pyrec_parse(buf + na, nb, &out), (long)nb);
	ck_assert_int_eq(out.type, PYREC_END);
	ck_assert_uint_eq(out.text_len, 0);

	unsigned char bad[PYREC_HEADER];
	memcpy(bad, buf, sizeof(bad));
	bad[0] = 27; /* shorter than a header */
	bad[1] = 0;
	ck_assert_int_eq(pyrec_parse(bad, sizeof(bad), &out), -1);
	bad[0] = 0x01; /* 4097: longer than any record */
	bad[1] = 0x10;
	ck_assert_int_eq(pyrec_parse(bad, sizeof(bad), &out), -1);
	memcpy(bad, buf, sizeof(bad));
	bad[2] = 0;
	ck_assert_int_eq(pyrec_parse(bad, sizeof(bad), &out), -1);
	bad[2] = PYREC_TYPE_MAX + 1;
	ck_assert_int_eq(pyrec_parse(bad, sizeof(bad), &out), -1);
	bad[2] = PYREC_STATE;
	bad[3] = PYREC_STATE_COUNT;
	ck_assert_int_eq(pyrec_parse(bad, sizeof(bad), &out), -1);

	/* a text too long for one record is cut to fit */
	char *big = malloc(PYREC_MAX + 10);
	memset(big, 'x', PYREC_MAX + 9);
	big[PYREC_MAX + 9] = '\0';
	struct pyrec c = rec(PYREC_PRINT, 0, 1, 2, 0, 0, 1, big);
	ck_assert_uint_eq(pyrec_encode(buf, &c), PYREC_MAX);
	ck_assert_int_eq(pyrec_parse(buf, PYREC_MAX, &out), PYREC_MAX);
	free(big);
}
END_TEST

START_TEST(states_map_apart)
{
	int seen[STATE_COUNT] = {0};
	for (int s = 0; s < PYREC_STATE_COUNT; s++) {
		enum state m = pyrec_state_of(s);
		ck_assert_int_lt(m, STATE_COUNT);
		ck_assert_msg(!seen[m], "two agent states map to %s", state_name(m));
		seen[m] = 1;
	}
	ck_assert_int_eq(pyrec_state_of(PYREC_RUN), STATE_RUNNING);
	ck_assert_int_eq(pyrec_state_of(PYREC_SLEEP), STATE_SLEEP);
	ck_assert_int_eq(pyrec_state_of(PYREC_BLOCKED), STATE_BLOCKED);
	ck_assert_int_eq(pyrec_state_of(PYREC_IDLE), STATE_IDLE);
}
END_TEST

/* python3 imports the agent from the source tree and writes one record of
 * each kind to a pipe; its constants are printed first. */
static const char agent_py[] =
	"import os, sys\n"
	"sys.path.insert(0, 'assets/agent')\n"
	"import simul_agent as a\n"
	"print(a.HELLO, a.THREAD, a.TASK, a.STATE, a.PRINT, a.END, a.NAME, a.EXIT, a.RUN, a.IO, a.SLEEP,"
	" a.LOCK, a.JOIN, a.IDLE, a.READY, a.BLOCKED, a.TASK_LANE, a.F_FREE_THREADED, a.F_GIL_OFF, flush=True)\n"
	"r, w = os.pipe()\n"
	"a._fd, a._pid = w, 4242\n"
	"a.record(a.STATE, 77, a.SLEEP, 5, 12, 'time.sleep(1) \\u00e9')\n"
	"a.record(a.PRINT, a.TASK_LANE | 3, 1, 0, 9, 'x' * 5000)\n"
	"sys.stdout.buffer.write(os.read(r, 65536))\n";

START_TEST(agent_writes_what_simul_reads)
{
	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "skipped: no python3\n");
		return;
	}
	FILE *f = fopen("/tmp/simul-test-pyrec.py", "w");
	ck_assert_ptr_nonnull(f);
	fputs(agent_py, f);
	fclose(f);
	FILE *p = popen("python3 /tmp/simul-test-pyrec.py", "r");
	ck_assert_ptr_nonnull(p);
	int c[19];
	for (int i = 0; i < 19; i++)
		ck_assert_int_eq(fscanf(p, "%d", &c[i]), 1);
	ck_assert_int_eq(fgetc(p), '\n');
	int want[19] = {PYREC_HELLO, PYREC_THREAD, PYREC_TASK, PYREC_STATE, PYREC_PRINT, PYREC_END, PYREC_NAME,
	                PYREC_EXIT, PYREC_RUN, PYREC_IO, PYREC_SLEEP, PYREC_LOCK, PYREC_JOIN, PYREC_IDLE,
	                PYREC_READY, PYREC_BLOCKED, (int)PYREC_TASK_BIT, PYREC_F_FREE_THREADED, PYREC_F_GIL_OFF};
	for (int i = 0; i < 19; i++)
		ck_assert_int_eq(c[i], want[i]);
	unsigned char buf[2 * PYREC_MAX];
	size_t n = fread(buf, 1, sizeof(buf), p);
	ck_assert_int_eq(pclose(p), 0);
	unlink("/tmp/simul-test-pyrec.py");

	struct pyrec r;
	uint64_t now = clock_real_ns();
	long k = pyrec_parse(buf, n, &r);
	ck_assert_int_gt(k, 0);
	ck_assert_int_eq(r.type, PYREC_STATE);
	ck_assert_int_eq(r.state, PYREC_SLEEP);
	ck_assert_uint_eq(r.pid, 4242);
	ck_assert_uint_eq(r.lane, 77);
	ck_assert_int_eq(r.arg, 5);
	ck_assert_int_eq(r.line, 12);
	ck_assert_uint_eq(r.text_len, strlen("time.sleep(1) \xc3\xa9"));
	ck_assert(memcmp(r.text, "time.sleep(1) \xc3\xa9", r.text_len) == 0);
	/* its clock is simul's: CLOCK_MONOTONIC, a moment ago */
	ck_assert_uint_le(r.t_ns, now);
	ck_assert_uint_gt(r.t_ns + 60 * NS_PER_S, now);
	long k2 = pyrec_parse(buf + k, n - (size_t)k, &r);
	ck_assert_int_eq((size_t)(k + k2), n);
	ck_assert_int_eq(r.type, PYREC_PRINT);
	ck_assert_uint_eq(r.lane, PYREC_TASK_BIT | 3);
	ck_assert_uint_le(r.text_len, 400); /* the agent cuts long texts */
}
END_TEST

/* ---- lanes ---- */

static int fake_main(struct run *run)
{
	(void)run;
	return 0;
}

static const struct demo fake_demo = {.name = "fake", .summary = "", .main = fake_main};
static const struct demo_module fake_module = {.name = "test", .demos = &fake_demo, .ndemos = 1};

static void feed(struct pylanes *L, struct pyrec r)
{
	pylanes_record(L, &r);
}

static int task_named(const struct model *m, const char *prefix)
{
	for (size_t i = 0; i < model_task_count(m); i++)
		if (strncmp(model_task(m, i)->name, prefix, strlen(prefix)) == 0)
			return (int)i;
	return -1;
}

START_TEST(lanes_per_thread_task_process)
{
	struct run run;
	run_init(&run, &fake_module, &fake_demo);
	struct model *m = feed_start();
	uint64_t t = clock_now_ns(), ms = NS_PER_MS;
	struct pylanes_options o = {.root = 100, .root_name = "python x.py", .group = "", .result_prefix = "cpython."};
	struct pylanes *L = pylanes_new(&run, &o);

	feed(L, rec(PYREC_HELLO, 0, 100, 100, 1, 0, t, "3.11.2|/usr/bin/python3|linux"));
	feed(L, rec(PYREC_THREAD, PYREC_RUN, 100, 101, 100, 0, t + 1 * ms, "Thread-1 (numbers)"));
	feed(L, rec(PYREC_STATE, PYREC_SLEEP, 100, 101, 0, 9, t + 2 * ms, "time.sleep(0.1)"));
	feed(L, rec(PYREC_PRINT, 0, 100, 101, 0, 10, t + 12 * ms, "Number 1"));
	feed(L, rec(PYREC_TASK, PYREC_READY, 100, PYREC_TASK_BIT | 1, 100, 20, t + 3 * ms, "main (Task-1)"));
	feed(L, rec(PYREC_STATE, PYREC_JOIN, 100, PYREC_TASK_BIT | 1, 0, 22, t + 4 * ms, "gather()"));
	/* a child: its HELLO alone makes no lane, its NAME does */
	feed(L, rec(PYREC_HELLO, 0, 200, 200, 100, 0, t + 5 * ms, "3.11.2|/usr/bin/python3|linux"));
	feed(L, rec(PYREC_HELLO, 0, 300, 300, 100, 0, t + 5 * ms, "3.11.2|/usr/bin/python3|linux"));
	feed(L, rec(PYREC_NAME, 0, 200, 200, 100, 0, t + 6 * ms, "Process-1"));
	feed(L, rec(PYREC_PRINT, 0, 200, 200, 0, 0, t + 7 * ms, "speedup: 9.5"));
	feed(L, rec(PYREC_EXIT, 0, 200, 200, 0, 0, t + 8 * ms, ""));
	feed(L, rec(PYREC_END, PYREC_END_CANCELLED, 100, PYREC_TASK_BIT | 1, 0, 0, t + 9 * ms, "cancelled"));
	feed(L, rec(PYREC_PRINT, 0, 100, 100, 0, 30, t + 13 * ms, "speedup: 1.75"));
	feed(L, rec(PYREC_PRINT, 0, 100, 100, 0, 30, t + 13 * ms, "order: 3,2,1"));
	feed(L, rec(PYREC_PRINT, 0, 100, 100, 0, 30, t + 13 * ms, "Not a key: 1"));
	pylanes_end_all(L, t + 20 * ms);
	feed_finish(m, t + 20 * ms);

	ck_assert_int_eq(model_task_count(m), 4); /* main, thread, task, Process-1: no lane for pid 300 */
	int mn = task_named(m, "MainThread pid 100"), th = task_named(m, "Thread-1 (numbers)");
	int tk = task_named(m, "main (Task-1)"), pr = task_named(m, "Process-1 pid 200 ppid 100");
	ck_assert_int_ge(mn, 0);
	ck_assert_int_ge(th, 0);
	ck_assert_int_ge(tk, 0);
	ck_assert_int_ge(pr, 0);
	ck_assert_int_eq(model_task(m, (size_t)mn)->kind, KIND_MAIN);
	ck_assert_int_eq(model_task(m, (size_t)th)->kind, KIND_THREAD);
	ck_assert_int_eq(model_task(m, (size_t)tk)->kind, KIND_COROUTINE);
	ck_assert_int_eq(model_task(m, (size_t)pr)->kind, KIND_PROCESS);
	ck_assert_int_eq(model_task(m, (size_t)th)->parent, mn);
	ck_assert_int_eq(model_task(m, (size_t)tk)->parent, mn);
	ck_assert_int_eq(model_task(m, (size_t)pr)->parent, mn);
	/* bound to their threads: the task to its loop's */
	ck_assert_int_eq(model_task(m, (size_t)th)->tid, 101);
	ck_assert_int_eq(model_task(m, (size_t)tk)->tid, 100);
	ck_assert_int_eq(model_task(m, (size_t)pr)->pid, 200);

	uint64_t tot[STATE_COUNT];
	model_task_totals(m, (size_t)th, tot);
	ck_assert_uint_ge(tot[STATE_SLEEP], 17 * ms); /* from 2 ms to its end at 20 ms */
	model_task_totals(m, (size_t)tk, tot);
	ck_assert_uint_eq(tot[STATE_JOIN], 5 * ms);
	ck_assert_uint_eq(model_task(m, (size_t)tk)->end_ns, t + 9 * ms);
	ck_assert_uint_eq(model_task(m, (size_t)pr)->end_ns, t + 8 * ms);
	for (size_t i = 0; i < model_task_count(m); i++)
		ck_assert_uint_ne(model_task(m, i)->end_ns, 0);
	/* the first process's figures only */
	double v;
	ck_assert_int_eq(run_result_get(&run, "cpython.speedup", &v), 0);
	ck_assert_double_eq_tol(v, 1.75, 1e-9);
	ck_assert_int_ne(run_result_get(&run, "cpython.Not a key", &v), 0);
	int found = 0;
	for (int i = 0; i < run.nresults; i++)
		found |= strcmp(run.results[i].key, "cpython.order") == 0 && strcmp(run.results[i].text, "3,2,1") == 0;
	ck_assert(found);
	const char *ver;
	int ft, off;
	ck_assert_int_eq(pylanes_python(L, &ver, &ft, &off), 0);
	ck_assert_str_eq(ver, "3.11.2");
	ck_assert_int_eq(ft, 0);
	ck_assert_int_eq(pylanes_processes(L), 3);
	pylanes_free(L);
	model_free(m);
	run_destroy(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pyrec");
	TCase *tc = tcase_create("pyrec");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, partial_waits_bad_refused);
	tcase_add_test(tc, states_map_apart);
	tcase_add_test(tc, agent_writes_what_simul_reads);
	tcase_add_test(tc, lanes_per_thread_task_process);
	suite_add_tcase(s, tc);
	return support_main(s);
}
