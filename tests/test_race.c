/*
 * test_race.c: race runs one workload under every model, for real, and its
 * figures and advice say what CPython would.
 *
 * The machine has 2 cores shared with other people's builds, so a wall-time
 * ratio can be spoiled by a burst of load that has nothing to do with simul.
 * Three kinds of check, then:
 * - what holds whatever the load: results present, lanes grouped, the
 *   advice's rule, the GIL's exclusion on the lanes, CPU / wall bounds that
 *   load can only lower;
 * - wall-time claims, tried on up to three runs and asserted only when race
 *   itself measured the rows involved as quiet (other programs' load), else
 *   counted as not testable now and said on stderr;
 * - with a CPU hog beside it, race must say the machine was busy.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "app.h"
#include "assets.h"
#include "clock.h"
#include "support.h"
#include "trace.h"

#define ATTEMPTS 3

enum { SEQ, GIL, PROCS, LOOP, OFFLOAD, LOOP_PROCS, NOGIL, SEQ_AGAIN, NMODELS };
static const char *const models[NMODELS] = {"sequential",     "threads_gil",   "processes",
                                            "event_loop",     "loop_offload",  "loop_processes",
                                            "threads_nogil",  "sequential_again"};
static const char *const groups[NMODELS] = {"sequential",      "threads+GIL",     "processes",
                                            "event loop",      "loop+to_thread",  "loop+processes",
                                            "threads, no GIL", "sequential again"};

/* What one race gave. */
struct race_out {
	double speedup[NMODELS], wall[NMODELS], par[NMODELS];
	double other[NMODELS]; /* other programs' share of the cores, 0..1, -1 unknown */
	int busy;              /* race said the machine was busy */
	int too_busy;          /* the lesson's order did not show, on a busy machine */
	char advice[200], verdict[200];
	char panel[RUN_PANEL_LINES * RUN_PANEL_WIDTH];
	/* loop+to_thread: time its pool threads held the GIL (running or
	 * preempted), summed, and the time from its first lane to its last. */
	double pool_holding_ms, pool_span_ms;
	int pool_lanes, loop_proc_lanes;
};

static const char *text_of(struct run *run, const char *key)
{
	for (int i = 0; i < run->nresults; i++)
		if (run->results[i].is_text && strcmp(run->results[i].key, key) == 0)
			return run->results[i].text;
	ck_abort_msg("no %s in the results", key);
	return "";
}

static double get(struct run *run, const char *model, const char *field)
{
	char key[64];
	snprintf(key, sizeof(key), "%s.%s", model, field);
	return support_result(run, key);
}

static void read_panel(struct run *run, struct race_out *o)
{
	static char lines[RUN_PANEL_LINES][RUN_PANEL_WIDTH];
	char title[64];
	int n = run_panel_copy(run, lines, RUN_PANEL_LINES, title, sizeof(title), NULL);
	size_t len = 0;
	o->panel[0] = '\0';
	for (int i = 0; i < n && len < sizeof(o->panel); i++) {
		int k = snprintf(o->panel + len, sizeof(o->panel) - len, "%s\n", lines[i]);
		len += k > 0 ? (size_t)k : 0;
	}
}

/* Under the GIL, threads with CPU work take turns, on any machine however
 * busy: each waits for the GIL, and no two of them run at the same
 * instant (within a sampling period of the sampler's placement). */
static void race_check_gil(const struct model *m, struct run *run)
{
	if (run_int(run, "jobs") < 2 || run_int(run, "cpu_ms") < 20)
		return;
	uint64_t gil = 0, running = 0, overlap = 0;
	int lanes[16], n = 0;
	for (size_t i = 0; i < model_task_count(m) && n < 16; i++)
		if (strcmp(model_task(m, i)->group, "threads+GIL") == 0)
			lanes[n++] = (int)i;
	for (int a = 0; a < n; a++) {
		uint64_t tot[STATE_COUNT];
		model_task_totals(m, (size_t)lanes[a], tot);
		gil += tot[STATE_GIL];
		running += tot[STATE_RUNNING];
		for (int b = a + 1; b < n; b++)
			for (size_t i = 0; i < model_span_count(m, (size_t)lanes[a]); i++) {
				struct model_span x;
				model_span_get(m, (size_t)lanes[a], i, &x);
				if (x.state != STATE_RUNNING)
					continue;
				for (size_t k = 0; k < model_span_count(m, (size_t)lanes[b]); k++) {
					struct model_span y;
					model_span_get(m, (size_t)lanes[b], k, &y);
					uint64_t lo = x.start_ns > y.start_ns ? x.start_ns : y.start_ns;
					uint64_t hi = x.end_ns < y.end_ns ? x.end_ns : y.end_ns;
					if (y.state == STATE_RUNNING && hi > lo)
						overlap += hi - lo;
				}
			}
	}
	ck_assert_msg(n >= 2 && gil > running / 10, "threads+GIL: %d lanes waited %.1f ms for the GIL, ran %.1f ms",
	              n, (double)gil / 1e6, (double)running / 1e6);
	ck_assert_msg(overlap < running / 20, "threads+GIL: two lanes ran at once for %.1f ms of %.1f ms",
	              (double)overlap / 1e6, (double)running / 1e6);
}

/* The lanes of each group, and what the to_thread pool's threads did. */
static void read_lanes(struct model *m, struct race_out *o)
{
	uint64_t first = UINT64_MAX, last = 0, holding = 0, tot[STATE_COUNT];
	for (int g = 0; g < NMODELS; g++) {
		int lanes = 0;
		for (size_t i = 0; i < model_task_count(m); i++)
			lanes += strcmp(model_task(m, i)->group, groups[g]) == 0;
		ck_assert_msg(lanes >= 1, "no lane in group %s", groups[g]);
	}
	for (size_t i = 0; i < model_task_count(m); i++) {
		const struct model_task *t = model_task(m, i);
		if (strcmp(t->group, groups[LOOP_PROCS]) == 0 && t->kind == KIND_PROCESS)
			o->loop_proc_lanes++;
		if (strcmp(t->group, groups[OFFLOAD]) != 0)
			continue;
		if (t->start_ns < first)
			first = t->start_ns;
		if (t->end_ns > last)
			last = t->end_ns;
		if (t->kind != KIND_WORKER)
			continue;
		model_task_totals(m, i, tot);
		holding += tot[STATE_RUNNING] + tot[STATE_PREEMPTED];
		o->pool_lanes++;
	}
	o->pool_holding_ms = (double)holding / 1e6;
	o->pool_span_ms = last > first ? (double)(last - first) / 1e6 : 0;
}

/* Run a race; check what must hold on every run; copy its figures out. */
static void race_once(const char *demo, const char *const *sets, struct race_out *o)
{
	struct run run;
	memset(o, 0, sizeof(*o));
	struct model *m = support_run_demo(demo, sets, &run);
	support_check_invariants(m, 1, 0.02);

	for (int k = 0; k < NMODELS; k++) {
		o->speedup[k] = get(&run, models[k], "speedup");
		o->wall[k] = get(&run, models[k], "wall_ms");
		o->par[k] = get(&run, models[k], "parallelism");
		o->other[k] = get(&run, models[k], "other_load");
		ck_assert_double_gt(o->wall[k], 0);
		ck_assert_double_ge(get(&run, models[k], "cpu_ms"), 0);
		ck_assert_double_ge(o->other[k], -1); /* -1: too short a window to tell */
		ck_assert_double_le(o->other[k], 1);
		ck_assert_double_gt(get(&run, models[k], "peak_rss_mb"), 0.5);
		ck_assert_double_gt(get(&run, models[k], "ctx_switches"), 0);
	}
	/* The baseline is the faster of the two sequential runs. */
	double base = o->speedup[SEQ] > o->speedup[SEQ_AGAIN] ? o->speedup[SEQ] : o->speedup[SEQ_AGAIN];
	ck_assert_double_eq_tol(base, 1.0, 1e-9);
	ck_assert_double_le(o->speedup[SEQ], 1.0 + 1e-9);
	ck_assert_double_le(o->speedup[SEQ_AGAIN], 1.0 + 1e-9);
	o->busy = support_result(&run, "machine_busy") != 0;
	o->too_busy = support_result(&run, "too_busy") != 0;
	ck_assert_double_ge(support_result(&run, "other_load"), -1);
	snprintf(o->verdict, sizeof(o->verdict), "%s", text_of(&run, "verdict"));
	const char *advice = text_of(&run, "advice");
	/* The advice fits its result (no truncation) and never rests on a
	 * build plain CPython is not. */
	ck_assert_msg(strlen(advice) < sizeof(run.results[0].text) - 1, "advice cut short: %s", advice);
	ck_assert_msg(strstr(advice, "no-GIL") == NULL && strstr(advice, "free-threaded") == NULL,
	              "advice names a model plain CPython does not have: %s", advice);
	snprintf(o->advice, sizeof(o->advice), "%s", advice);
	read_panel(&run, o);
	read_lanes(m, o);
	race_check_gil(m, &run);
	ck_assert_uint_ge(model_milestone_count(m), NMODELS);
	model_free(m);
	run_destroy(&run);
}

/* Race's own verdict: were these rows measured with the cores to itself
 * (other programs under a quarter of them, load.h's line)? Race measures
 * it per row, from /proc/stat less its own CPU, never from its tasks'
 * waits (which a bug could cause). */
#define BUSY SUPPORT_BUSY
static int quiet(const struct race_out *o, int a, int b)
{
	return o->other[a] >= 0 && o->other[a] < BUSY && o->other[b] >= 0 && o->other[b] < BUSY;
}

/* A claim that needs free cores, skipped (and counted) on a busy machine. */
static void not_testable(const char *test, const char *what, const struct race_out *o, int a, int b)
{
	support_skip_(test, "machine busy: %s not testable now: other programs took %.0f%% and %.0f%% of "
	              "the cores during %s and %s", what, 100 * o->other[a], 100 * o->other[b], models[a],
	              models[b]);
}

/* The "use ..." part of the advice, up to its first ';'. */
static void advice_use(const char *advice, char *out, size_t n)
{
	const char *use = strstr(advice, "use ");
	ck_assert_msg(use != NULL, "advice without a 'use': %s", advice);
	size_t len = strcspn(use, ";");
	snprintf(out, n, "%.*s", (int)len, use);
}

START_TEST(race_cpu_processes_win)
{
	static const char *const sets[] = {"jobs=4", "cpu_ms=200", NULL};
	struct race_out o;
	int procs_ok = 0, gil_ok = 0, procs_testable = 0, gil_testable = 0;
	for (int a = 0; a < ATTEMPTS && !(procs_ok && gil_ok); a++) {
		race_once("race/cpu", sets, &o);
		char use[200];
		advice_use(o.advice, use, sizeof(use));
		ck_assert_msg(strncmp(o.advice, "CPU-bound", 9) == 0 && strstr(use, "processes") &&
		                  !strstr(use, "thread"),
		              "cpu advice: %s", o.advice);
		if (quiet(&o, SEQ, PROCS) && quiet(&o, SEQ, LOOP_PROCS)) {
			procs_testable = 1;
			procs_ok |= o.speedup[PROCS] > 1.3 && o.speedup[LOOP_PROCS] > 1.3;
		}
		if (quiet(&o, SEQ, GIL)) {
			gil_testable = 1;
			gil_ok |= o.speedup[GIL] < 1.2;
		}
	}
	if (procs_testable)
		ck_assert_msg(procs_ok, "process pools never beat x1.3 (last: x%.2f, loop x%.2f)",
		              o.speedup[PROCS], o.speedup[LOOP_PROCS]);
	else
		not_testable(__func__, "process pools' speedup", &o, SEQ, PROCS);
	if (gil_testable)
		ck_assert_msg(gil_ok, "threads under the GIL always beat x1.2 (last: x%.2f)", o.speedup[GIL]);
	else
		not_testable(__func__, "GIL threads' speedup", &o, SEQ, GIL);
}
END_TEST

/* asyncio.to_thread of pure-Python work gains nothing under CPython: the
 * pool's threads hold one GIL. The lanes show it whatever the load (the
 * threads' time on or waiting for a core adds up to at most the model's
 * span), so does CPU / wall (load only lowers it), and so does the speedup
 * when race measured both rows quiet. */
START_TEST(race_cpu_to_thread_holds_the_gil)
{
	static const char *const sets[] = {"jobs=4", "cpu_ms=100", NULL};
	struct race_out o;
	int testable = 0, ok = 0;
	for (int a = 0; a < ATTEMPTS && !ok; a++) {
		race_once("race/cpu", sets, &o);
		ck_assert_int_ge(o.pool_lanes, 4); /* min(32, cores + 4) threads, 4 jobs */
		ck_assert_msg(o.pool_holding_ms <= 1.1 * o.pool_span_ms + 20,
		              "to_thread's pool threads ran %.0f ms in a %.0f ms span: more than one at once",
		              o.pool_holding_ms, o.pool_span_ms);
		ck_assert_msg(o.pool_holding_ms >= 0.5 * 4 * 100, "the pool threads did not compute (%.0f ms)",
		              o.pool_holding_ms);
		ck_assert_msg(o.par[OFFLOAD] <= 1.2, "loop+to_thread used %.2f cores at once", o.par[OFFLOAD]);
		if (quiet(&o, SEQ, OFFLOAD)) {
			testable = 1;
			ok = o.speedup[OFFLOAD] <= 1.2;
		}
	}
	if (testable)
		ck_assert_msg(ok, "loop+to_thread x%.2f on a quiet machine (CPython: x1.00)", o.speedup[OFFLOAD]);
	else
		not_testable(__func__, "loop+to_thread's speedup", &o, SEQ, OFFLOAD);
}
END_TEST

START_TEST(race_io_concurrency_wins)
{
	static const char *const sets[] = {"jobs=8", "io_ms=100", NULL};
	struct race_out o;
	int ok = 0;
	char why[200] = "";
	for (int a = 0; a < ATTEMPTS && !ok; a++) {
		race_once("race/io", sets, &o);
		/* Eight connections waiting 100 ms each are few and fast. */
		ck_assert_msg(strncmp(o.advice, "I/O-bound", 9) == 0 && strstr(o.advice, "use threads"),
		              "io advice: %s", o.advice);
		ok = 1;
		for (int k = 1; k < SEQ_AGAIN; k++) {
			/* A pool of one process per core overlaps only as many waits
			 * as there are cores: 8 jobs on 2 workers is x2 at best. */
			double need = k == PROCS ? 1.5 : 3.0;
			if (o.speedup[k] <= need || o.wall[k] >= o.wall[0]) {
				snprintf(why, sizeof(why), "%s x%.2f (needs > %.1f), %.0f ms vs sequential %.0f ms",
				         models[k], o.speedup[k], need, o.wall[k], o.wall[0]);
				ok = 0;
			}
		}
	}
	ck_assert_msg(ok, "%s", why);
}
END_TEST

START_TEST(race_many_slow_connections_loop)
{
	static const char *const sets[] = {"jobs=40", "io_ms=40", "io_kind=sleep", NULL};
	struct race_out o;
	race_once("race/io", sets, &o);
	ck_assert_msg(strncmp(o.advice, "I/O-bound", 9) == 0 && strstr(o.advice, "use an event loop"),
	              "advice: %s", o.advice);
}
END_TEST

/* Mixed work: the advice is the loop with a process pool, never a thread
 * offload; the loop's process pool is real processes; the no-GIL row says
 * what it stands for. */
START_TEST(race_mixed_advice)
{
	static const char *const sets[] = {"jobs=4", "cpu_ms=60", "io_ms=60", "io_kind=sleep", NULL};
	struct race_out o;
	int testable = 0, ok = 0;
	for (int a = 0; a < ATTEMPTS && !ok; a++) {
		race_once("race/mixed", sets, &o);
		char use[200];
		advice_use(o.advice, use, sizeof(use));
		ck_assert_msg(strncmp(o.advice, "mixed", 5) == 0 && strstr(use, "process pool") &&
		                  !strstr(use, "thread"),
		              "mixed advice: %s", o.advice);
		ck_assert_int_eq(o.loop_proc_lanes, sysconf(_SC_NPROCESSORS_ONLN));
		ck_assert_msg(strstr(o.panel, "no-GIL*") &&
		                  strstr(o.panel, "* no-GIL: what free-threaded CPython (3.13t+)") &&
		                  strstr(o.panel, "not plain CPython"),
		              "the no-GIL row does not say what it stands for:\n%s", o.panel);
		if (quiet(&o, OFFLOAD, LOOP_PROCS)) {
			testable = 1;
			ok = o.speedup[LOOP_PROCS] > o.speedup[OFFLOAD];
		}
	}
	if (testable)
		ck_assert_msg(ok, "loop+processes x%.2f never beat loop+to_thread x%.2f",
		              o.speedup[LOOP_PROCS], o.speedup[OFFLOAD]);
	else
		not_testable(__func__, "loop+processes vs loop+to_thread", &o, OFFLOAD, LOOP_PROCS);
}
END_TEST

/* ---- a busy machine ---- */

static pid_t hog(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(60);
		for (volatile unsigned long i = 0;; i++)
			;
	}
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* A busy loop per core beside it: race must say so, on its panel (so on
 * screen and in --plain) and in its results; and it never says the
 * lesson's order failed on a quiet machine: either the order showed, or
 * the verdict is "too busy to measure". */
START_TEST(race_says_when_the_machine_is_busy)
{
	static const char *const sets[] = {"jobs=2", "cpu_ms=100", NULL};
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t hogs[8];
	int nhogs = cores < 8 ? (int)cores : 8;
	for (int i = 0; i < nhogs; i++)
		hogs[i] = hog();
	struct race_out o;
	race_once("race/cpu", sets, &o);
	for (int i = 0; i < nhogs; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	ck_assert_msg(o.busy, "a busy machine went unsaid:\n%s", o.panel);
	ck_assert_msg(strstr(o.panel, "machine BUSY"), "no busy line on the panel:\n%s", o.panel);
	int marked = 0;
	for (int k = 0; k < NMODELS; k++)
		marked += o.other[k] >= BUSY;
	ck_assert_msg(marked >= NMODELS / 2, "only %d of %d rows saw the load", marked, NMODELS);
	ck_assert_msg(strncmp(o.verdict, "as the lesson says", 18) == 0 || o.too_busy,
	              "a lost order on a busy machine went unsaid: %s", o.verdict);
	if (o.speedup[PROCS] <= o.speedup[GIL])
		ck_assert_msg(o.other[PROCS] >= BUSY || o.other[GIL] >= BUSY || o.other[SEQ] >= BUSY,
		              "processes x%.2f behind GIL threads x%.2f, and no row marked busy",
		              o.speedup[PROCS], o.speedup[GIL]);
}
END_TEST

/* ---- stopping ---- */

/* Start a race, stop it after after_ms; returns how long it took to return
 * from then, in ms (-1 when it ended first). */
static double stop_after(const char *const *sets, uint64_t after_ms)
{
	char err[256];
	double ms = support_stop_after("race/all", sets, after_ms, err, sizeof(err));
	ck_assert_msg(err[0] == '\0', "a stopped race is not a failure: %s", err);
	return ms;
}

START_TEST(race_stops_soon_in_every_phase)
{
	/* Sequential takes 2 s, then each model about 1 s: stopped in the
	 * sequential run, the GIL threads, the process pool, the loop's
	 * process pool (or nearby, on a loaded machine), and in the middle of
	 * computing, on the main thread and on to_thread's pool, it returns
	 * within 1 s each time, blocked downloads and children included. */
	static const char *const slow[] = {"jobs=2", "cpu_ms=0", "io_ms=1000", NULL};
	static const char *const burn[] = {"jobs=2", "cpu_ms=3000", "io_ms=0", NULL};
	static const char *const pool[] = {"jobs=2", "cpu_ms=400", "io_ms=0", NULL};
	/* The first run makes libuv's process-wide descriptors: count after. */
	double ms = stop_after(slow, 300);
	ck_assert_msg(ms >= 0 && ms < 1000, "sequential: %.0f ms", ms);
	int before = support_open_fds();
	ms = stop_after(slow, 2400);
	ck_assert_msg(ms >= 0 && ms < 1000, "threads: %.0f ms", ms);
	ms = stop_after(slow, 3400);
	ck_assert_msg(ms >= 0 && ms < 1000, "processes: %.0f ms", ms);
	ms = stop_after(slow, 6400);
	ck_assert_msg(ms >= 0 && ms < 1000, "loop+processes: %.0f ms", ms);
	ms = stop_after(burn, 300);
	ck_assert_msg(ms >= 0 && ms < 1000, "computing: %.0f ms", ms);
	ms = stop_after(pool, 3200);
	ck_assert_msg(ms >= 0 && ms < 1000, "to_thread computing: %.0f ms", ms);
	ck_assert_int_eq(support_open_fds(), before);
}
END_TEST

/* One program for the four presets, every model's two lines marked. */
START_TEST(race_lessons_mark_every_model)
{
	static const char *const demos[] = {"race/all", "race/cpu", "race/io", "race/mixed"};
	static const char *const tags[] = {"seq", "gil", "proc", "loop", "off", "lpp", "nogil"};
	const char *py = lesson_python("race/all");
	ck_assert_ptr_nonnull(py);
	for (size_t d = 0; d < 4; d++) {
		ck_assert_ptr_nonnull(lesson_text(demos[d]));
		ck_assert_ptr_eq(lesson_python(demos[d]), py);
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			char tag[16];
			snprintf(tag, sizeof(tag), "%s_cpu", tags[t]);
			int cpu = lesson_line(demos[d], tag);
			snprintf(tag, sizeof(tag), "%s_io", tags[t]);
			int io = lesson_line(demos[d], tag);
			ck_assert_msg(cpu > 0 && io == cpu + 1, "%s: %s lines %d, %d", demos[d], tags[t], cpu, io);
		}
	}
	/* The constants come from the parameters, not from a line per preset. */
	ck_assert_ptr_null(strstr(py, "JOBS, CPU_MS, IO_MS = 8"));
	ck_assert_ptr_nonnull(strstr(py, "sys.argv"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("race");
	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, race_lessons_mark_every_model);
	tcase_add_test(tc, race_cpu_processes_win);
	tcase_add_test(tc, race_cpu_to_thread_holds_the_gil);
	tcase_add_test(tc, race_io_concurrency_wins);
	tcase_add_test(tc, race_many_slow_connections_loop);
	tcase_add_test(tc, race_mixed_advice);
	tcase_add_test(tc, race_says_when_the_machine_is_busy);
	tcase_add_test(tc, race_stops_soon_in_every_phase);
	suite_add_tcase(s, tc);
	return support_main(s);
}
