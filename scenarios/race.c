/*
 * race.c: one workload, every model CPython offers, one after another, and
 * which to choose.
 *
 * The workload is `jobs` jobs, each `cpu_ms` of CPU work (counting primes:
 * it stands for pure-Python code) then `io_ms` of waiting (a timer, or a
 * download from the loopback HTTP server with that latency). It runs under
 * seven models, strictly one after another so that no two timed runs ever
 * share the cores, then the first again (the baseline, see race_speedups);
 * the lesson's race.py runs the same ones under CPython:
 *
 *   sequential      one thread, job after job          a for loop
 *   threads+GIL     a thread per job, emulated GIL     ThreadPoolExecutor
 *   processes       one process per core               ProcessPoolExecutor.map
 *   event loop      a coroutine per job, CPU inline    asyncio.gather
 *   loop+to_thread  the CPU on the loop's thread pool  asyncio.to_thread
 *                   (min(32, cores + 4) threads), under the same GIL as
 *                   the loop's own thread
 *   loop+processes  the CPU on a pool of processes     run_in_executor(
 *                                                        ProcessPoolExecutor())
 *   no-GIL threads  a thread per job without a GIL     free-threaded CPython
 *                                                      (3.13t+), or C code
 *                                                      that releases the GIL
 *
 * The last is not what plain CPython does: its row says so, and the advice
 * never rests on it. Each model's lanes form a group named after it, so the
 * views stack them on one time axis. For each model it measures, from the
 * OS: wall time, CPU time (getrusage of the process and of its reaped
 * children) and so the parallelism (CPU / wall), context switches (the same
 * getrusage's nvcsw + nivcsw), peak memory (resident set of simul plus its
 * live children, sampled from /proc every 5 ms while the model runs; the
 * sampler's own context switches are left out), and the other programs'
 * load while it ran (the machine's busy time less ours). A model measured
 * while other programs took a good part of the cores is flagged, on screen
 * and in --plain, so that a busy machine never turns the lesson upside
 * down silently. An advisor line is then derived from the sequential run's
 * make-up (CPU share, waits), not from which model happened to be fastest.
 *
 * Both process pools are executor.h's: real `simul --worker race pool`
 * children reading jobs from one shared queue; each child's lane is a
 * shared-memory ring, as in the processes module.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pace.h"
#include "co.h"
#include "cpuburn.h"
#include "demo.h"
#include "executor.h"
#include "gil.h"
#include "httpd.h"
#include "run.h"
#include "trace.h"
#include "verdict.h"

#define RACE_JOBS_MAX 200
#define RACE_SLICE_NS 200000ull /* CPU work between GIL checks and stop checks */
#define RACE_BODY_BYTES 1024
#define RACE_KIDS_MAX 64

enum race_model {
	RACE_SEQ,
	RACE_GIL,
	RACE_PROCS,
	RACE_LOOP,
	RACE_OFFLOAD,
	RACE_LOOP_PROCS,
	RACE_NOGIL,
	RACE_SEQ_AGAIN, /* the baseline again, last: see race_speedups */
	RACE_NMODELS
};

/* JSON key, lane group, label in the table, and the tag prefix of its lines
 * in the lesson; cpython: what plain CPython does (the advice uses only
 * those). */
static const struct {
	const char *key, *group, *label, *tag;
	int cpython;
} race_models[RACE_NMODELS] = {
	[RACE_SEQ] = {"sequential", "sequential", "sequential", "seq", 1},
	[RACE_GIL] = {"threads_gil", "threads+GIL", "threads+GIL", "gil", 1},
	[RACE_PROCS] = {"processes", "processes", "processes", "proc", 1},
	[RACE_LOOP] = {"event_loop", "event loop", "event loop", "loop", 1},
	[RACE_OFFLOAD] = {"loop_offload", "loop+to_thread", "loop+to_thread", "off", 1},
	[RACE_LOOP_PROCS] = {"loop_processes", "loop+processes", "loop+processes", "lpp", 1},
	[RACE_NOGIL] = {"threads_nogil", "threads, no GIL", "no-GIL*", "nogil", 0},
	[RACE_SEQ_AGAIN] = {"sequential_again", "sequential again", "sequential (2)", "seq", 1},
};

struct race_figures {
	double wall_ms, cpu_ms, speedup, parallelism, peak_rss_mb, ctx;
	double other_share, other_cores; /* other programs' load: 0..1 (-1 unknown), cores */
	int ok, busy;
};

struct race {
	struct run *run;
	int jobs, cpu_ms, io_ms, network, ncores;
	uint64_t units; /* cpu_ms of work, in cpuburn units */
	struct httpd *server; /* loopback server, when network */
	int port;
	char path[96];  /* what each job downloads */
	int line_cpu[RACE_NMODELS], line_io[RACE_NMODELS];
	struct gil *gil; /* the models of plain CPython's threads */
	struct executor *pool; /* the loop models' run_in_executor pool */
	/* A process pool's worker arguments (they outlive the spawn call). */
	char pool_arg[6][24];
	const char *pool_argv[8];
	/* What the sequential run spent on a core and waiting, from its
	 * thread's CPU clock and the wall time around each wait: what the work
	 * is, whatever else the machine is doing meanwhile. */
	uint64_t seq_cpu_ns, seq_wait_ns;
	atomic_uint_fast64_t sink;
	int panel_end; /* the panel's lines so far */

	/* peak memory sampler */
	pthread_t mem_thread;
	atomic_int mem_stop;
	atomic_long mem_peak_kb;
	double mem_ctx; /* the sampler's own context switches */
	atomic_int kids[RACE_KIDS_MAX]; /* pool workers' pids */
	atomic_int nkids;
};

/* ---- the work itself ---- */

/* Burn `units` in slices, handing the GIL over when asked (g may be NULL)
 * and giving up when the run stops. Returns 0, or -1 when stopped. */
static int race_burn(struct race *r, struct gil *g, trace_task_t t, int line, uint64_t units)
{
	uint64_t slice = cpuburn_units(RACE_SLICE_NS), sum = 0;
	if (slice == 0)
		slice = 1;
	while (units > 0) {
		if (run_stopping(r->run))
			return -1;
		uint64_t n = units < slice ? units : slice;
		sum += cpuburn_run(n);
		units -= n;
		gil_check(g, t, line);
	}
	atomic_fetch_add_explicit(&r->sink, sum, memory_order_relaxed);
	return 0;
}

/* The blocking wait of one job (threads, sequential). */
static int race_wait_blocking(struct race *r, trace_task_t t, int model)
{
	if (r->io_ms <= 0)
		return 0;
	if (r->network) {
		trace_statef(t, STATE_IO, r->line_io[model], "GET %s", r->path);
		long got = httpd_fetch(r->port, r->path);
		if (got < 0 && run_stopping(r->run))
			return -1;
		if (got < 0) {
			run_fail(r->run, "download from the loopback server failed: %s", strerror((int)-got));
			return -1;
		}
		return 0;
	}
	trace_statef(t, STATE_SLEEP, r->line_io[model], "time.sleep(%g)", r->io_ms / 1000.0);
	return run_sleep_ns(r->run, (uint64_t)r->io_ms * 1000000ull);
}

/* ---- measuring ---- */

/* The memory sampler also watches for a stop: the server then closes every
 * connection, so threads blocked in httpd_fetch return at once. */

static long race_rss_kb(pid_t pid)
{
	char path[64];
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/statm");
	else
		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	long size = 0, rss = 0;
	int ok = fscanf(f, "%ld %ld", &size, &rss) == 2;
	fclose(f);
	return ok ? rss * (sysconf(_SC_PAGESIZE) / 1024) : 0;
}

static void *race_mem_main(void *arg)
{
	struct race *r = arg;
	struct rusage a, b;
	getrusage(RUSAGE_THREAD, &a);
	while (!atomic_load(&r->mem_stop)) {
		if (r->server != NULL && run_stopping(r->run))
			httpd_refuse(r->server);
		long kb = race_rss_kb(0);
		int n = atomic_load(&r->nkids);
		for (int i = 0; i < n; i++) {
			pid_t pid = atomic_load(&r->kids[i]);
			if (pid > 0)
				kb += race_rss_kb(pid);
		}
		if (kb > atomic_load(&r->mem_peak_kb))
			atomic_store(&r->mem_peak_kb, kb);
		struct timespec ts = {0, 5000000};
		nanosleep(&ts, NULL);
	}
	/* Its own wake-ups are not the model's context switches. */
	getrusage(RUSAGE_THREAD, &b);
	r->mem_ctx = (double)(b.ru_nvcsw - a.ru_nvcsw) + (double)(b.ru_nivcsw - a.ru_nivcsw);
	return NULL;
}

struct race_mark {
	uint64_t t_ns;
	struct rusage self, kids;
	struct load_snap load; /* for the other programs' load (load.h) */
};

static void race_mark_now(struct race *r, struct race_mark *m)
{
	run_load_mark(r->run, &m->load);
	getrusage(RUSAGE_SELF, &m->self);
	getrusage(RUSAGE_CHILDREN, &m->kids);
	m->t_ns = clock_now_ns();
}

static double race_tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static double race_cpu_ms(const struct rusage *ru)
{
	return race_tv_ms(ru->ru_utime) + race_tv_ms(ru->ru_stime);
}

static double race_ctx(const struct rusage *ru)
{
	return (double)ru->ru_nvcsw + (double)ru->ru_nivcsw;
}

/* ---- the models ---- */

/* The for loop; the first run also says what the work is made of. */
static int race_sequential(struct race *r, int model)
{
	trace_task_t t = trace_task_new("for loop", KIND_MAIN, race_models[model].group);
	trace_bind(t);
	uint64_t cpu0 = clock_thread_cpu_ns(), wait_ns = 0;
	for (int i = 0; i < r->jobs && !run_stopping(r->run); i++) {
		if (r->cpu_ms > 0) {
			trace_statef(t, STATE_RUNNING, r->line_cpu[model], "job %d: compute", i);
			if (race_burn(r, NULL, t, r->line_cpu[model], r->units) != 0)
				break;
		}
		uint64_t w0 = clock_now_ns();
		int rc = race_wait_blocking(r, t, model);
		wait_ns += clock_now_ns() - w0;
		if (rc < 0 && r->run->error[0])
			break;
	}
	if (model == RACE_SEQ) {
		r->seq_cpu_ns = clock_thread_cpu_ns() - cpu0;
		r->seq_wait_ns = wait_ns;
	}
	trace_end(t);
	return r->run->error[0] ? -1 : 0;
}

struct race_thread {
	struct race *r;
	int model, index;
	trace_task_t task;
	pthread_t th;
};

static void *race_thread_main(void *arg)
{
	struct race_thread *w = arg;
	struct race *r = w->r;
	struct gil *g = r->gil;
	trace_bind(w->task);
	if (r->cpu_ms > 0) {
		if (g != NULL)
			gil_acquire(g, w->task, r->line_cpu[w->model]);
		else
			trace_state_at(w->task, STATE_RUNNING, r->line_cpu[w->model], "compute");
		race_burn(r, g, w->task, r->line_cpu[w->model], r->units);
		gil_release(g, w->task);
	}
	if (!run_stopping(r->run))
		race_wait_blocking(r, w->task, w->model);
	/* A Python thread needs the GIL back to return from the call. */
	if (g != NULL) {
		gil_acquire(g, w->task, 0);
		gil_release(g, w->task);
	}
	trace_end(w->task);
	return NULL;
}

/* A thread per job: under the emulated GIL (threads+GIL) or without one
 * (no-GIL threads: what a free-threaded build would do). */
static int race_threads(struct race *r, int model)
{
	struct race_thread w[RACE_JOBS_MAX];
	int started = 0;
	if (model == RACE_GIL && (r->gil = gil_new(0)) == NULL) {
		run_fail(r->run, "out of memory for the GIL");
		return -1;
	}
	for (int i = 0; i < r->jobs; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", model == RACE_GIL ? "gil" : "nogil", i + 1);
		w[i] = (struct race_thread){.r = r, .model = model, .index = i};
		w[i].task = trace_task_new(name, KIND_THREAD, race_models[model].group);
		gil_name_task(r->gil, w[i].task, name);
	}
	for (int i = 0; i < r->jobs; i++) {
		if (pthread_create(&w[i].th, NULL, race_thread_main, &w[i]) != 0) {
			run_fail(r->run, "could not start thread %d of %d", i + 1, r->jobs);
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(w[i].th, NULL);
	for (int i = started; i < r->jobs; i++)
		trace_end(w[i].task);
	gil_free(r->gil);
	r->gil = NULL;
	return started == r->jobs ? 0 : -1;
}

/* ---- process pools ---- */

/* A pool of one process per core (ProcessPoolExecutor(os.cpu_count())),
 * each child `simul --worker race pool TASK UNITS SLICE IO_MS PORT LINE_CPU
 * LINE_IO`; io_ms 0 when the loop does the waiting itself. */
static struct executor *race_process_pool(struct race *r, int model, struct co_loop *loop, int io_ms)
{
	/* The child is told the slice size rather than calibrating again. */
	unsigned long long v[6] = {r->units, cpuburn_units(RACE_SLICE_NS), (unsigned)io_ms,
	                           (unsigned)(r->network && io_ms > 0 ? r->port : 0),
	                           (unsigned)r->line_cpu[model], (unsigned)r->line_io[model]};
	r->pool_argv[0] = "pool";
	for (int i = 0; i < 6; i++) {
		snprintf(r->pool_arg[i], sizeof(r->pool_arg[i]), "%llu", v[i]);
		r->pool_argv[i + 1] = r->pool_arg[i];
	}
	r->pool_argv[7] = NULL;
	struct executor_options o = {.run = r->run, .loop = loop, .group = race_models[model].group,
	                             .workers = r->ncores, .module = "race", .args = r->pool_argv};
	struct executor *ex = executor_new(&o);
	if (ex == NULL || executor_start(ex) != 0) {
		executor_free(ex);
		return NULL;
	}
	/* The memory sampler follows the children. */
	pid_t pids[RACE_KIDS_MAX];
	int n = executor_pids(ex, pids, RACE_KIDS_MAX);
	for (int i = 0; i < n; i++)
		atomic_store(&r->kids[i], pids[i]);
	atomic_store(&r->nkids, n);
	return ex;
}

/* list(pool.map(process_job, range(jobs))): each child computes and waits. */
static int race_processes(struct race *r)
{
	struct executor *ex = race_process_pool(r, RACE_PROCS, NULL, r->io_ms);
	int rc = ex != NULL ? 0 : -1;
	for (int i = 0; i < r->jobs && rc == 0; i++)
		rc = executor_submit(ex, i, r->line_cpu[RACE_PROCS]);
	if (rc == 0 && executor_wait_all(ex) != 0 && !run_stopping(r->run))
		rc = -1;
	executor_free(ex);
	atomic_store(&r->nkids, 0);
	if (rc != 0 && !r->run->error[0])
		run_fail(r->run, "the process pool failed");
	return rc;
}

/* A child's job: compute, then (process_job) wait, with no GIL to share:
 * each child is an interpreter of its own. */
struct race_child {
	uint64_t units, slice, sum;
	int io_ms, port, line_cpu, line_io;
	char path[96];
};

static int race_child_job(void *ctx, const struct executor_call *c)
{
	struct race_child *k = ctx;
	if (k->units > 0) {
		trace_statef(c->lane, STATE_RUNNING, k->line_cpu, "job %d: compute", c->job);
		for (uint64_t left = k->units; left > 0;) {
			uint64_t n = left < k->slice ? left : k->slice;
			k->sum += cpuburn_run(n);
			left -= n;
		}
	}
	if (k->io_ms > 0 && k->port > 0) {
		trace_statef(c->lane, STATE_IO, k->line_io, "GET %s", k->path);
		if (httpd_fetch(k->port, k->path) < 0)
			return -EIO;
	} else if (k->io_ms > 0) {
		trace_statef(c->lane, STATE_SLEEP, k->line_io, "time.sleep(%g)", k->io_ms / 1000.0);
		pace_sleep_ns((uint64_t)k->io_ms * NS_PER_MS, NULL); /* lesson time (pace.h) */
	}
	return 0;
}

static int race_pool_worker(int argc, char **argv)
{
	if (argc != 9)
		return 2;
	struct race_child k = {.units = strtoull(argv[3], NULL, 10),
	                       .slice = strtoull(argv[4], NULL, 10),
	                       .io_ms = atoi(argv[5]),
	                       .port = atoi(argv[6]),
	                       .line_cpu = atoi(argv[7]),
	                       .line_io = atoi(argv[8])};
	snprintf(k.path, sizeof(k.path), "/bytes/%d?latency_ms=%d", RACE_BODY_BYTES, k.io_ms);
	if (k.slice == 0)
		k.slice = 1;
	int rc = executor_worker_main(argv[2], race_child_job, &k);
	return rc != 0 ? rc : k.sum == 1; /* sum is never 1: keeps the work from being optimised away */
}

/* ---- the event loop models ---- */

struct race_co {
	struct race *r;
	int model, index;
	struct co_task *task;
};

/* asyncio.to_thread(compute) on a pool thread: holds the GIL throughout. */
static int race_thread_job(void *ctx, const struct executor_call *c)
{
	struct race *r = ctx;
	return race_burn(r, c->gil, c->lane, c->line, r->units) == 0 ? 0 : UV_ECANCELED;
}

/* The loop's own thread runs Python too: under a GIL shared with the pool
 * threads, each step of a coroutine waits for its turn first. */
static void race_loop_turn(struct race *r, trace_task_t t, int line)
{
	if (r->gil == NULL)
		return;
	gil_acquire(r->gil, t, line);
	gil_release(r->gil, t);
}

/* compute() inline (event loop) or awaited from a pool (the other two, as
 * the Python does even when cpu_ms is 0), then the wait. */
static int race_co_compute(struct co_task *task, struct race_co *c)
{
	struct race *r = c->r;
	int line = r->line_cpu[c->model];
	if (c->model == RACE_LOOP) {
		if (r->cpu_ms == 0)
			return 0;
		/* Inline: the loop runs nothing else meanwhile. */
		trace_statef(co_task_id(task), STATE_RUNNING, line, "job %d: compute", c->index);
		return race_burn(r, NULL, co_task_id(task), line, r->units);
	}
	race_loop_turn(r, co_task_id(task), line);
	int rc = executor_await(task, r->pool, c->index, "compute", line);
	if (rc < 0 && rc != UV_ECANCELED && !run_stopping(r->run) && !r->run->error[0])
		run_fail(r->run, "a job in the pool failed: %s", strerror(-rc));
	if (rc == 0)
		race_loop_turn(r, co_task_id(task), r->line_io[c->model]);
	return rc;
}

static void race_co_main(struct co_task *task, void *arg)
{
	struct race_co *c = arg;
	struct race *r = c->r;
	if (race_co_compute(task, c) != 0 || r->io_ms <= 0)
		return;
	if (r->network) {
		size_t bytes;
		int rc = co_get(task, r->port, r->path, r->line_io[c->model], &bytes);
		if (rc < 0 && !run_stopping(r->run))
			run_fail(r->run, "download from the loopback server failed: %s", uv_strerror(rc));
	} else {
		co_sleep(task, (uint64_t)r->io_ms, r->line_io[c->model]);
	}
}

/* The pool a loop model awaits: asyncio's default executor (to_thread),
 * ThreadPoolExecutor(min(32, cores + 4)) under the GIL, or a process pool. */
static int race_loop_pool(struct race *r, int model, struct co_loop *loop)
{
	if (model == RACE_LOOP_PROCS) {
		r->pool = race_process_pool(r, model, loop, 0);
		return r->pool != NULL ? 0 : -1;
	}
	if ((r->gil = gil_new(0)) == NULL) {
		run_fail(r->run, "out of memory for the GIL");
		return -1;
	}
	int workers = r->ncores + 4 < EXECUTOR_WORKERS_MAX ? r->ncores + 4 : EXECUTOR_WORKERS_MAX;
	struct executor_options o = {.run = r->run, .loop = loop, .group = race_models[model].group,
	                             .workers = workers, .fn = race_thread_job, .ctx = r, .gil = r->gil};
	r->pool = executor_new(&o);
	return r->pool != NULL ? 0 : -1;
}

static int race_loop(struct race *r, int model)
{
	struct co_loop_options opt = {.name = "event loop", .group = race_models[model].group,
	                              .many = r->jobs > 32};
	struct co_loop *loop = co_loop_new(r->run, &opt);
	if (loop == NULL)
		return -1;
	struct race_co c[RACE_JOBS_MAX];
	int rc = model == RACE_LOOP ? 0 : race_loop_pool(r, model, loop);
	for (int i = 0; i < r->jobs && rc == 0; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", model == RACE_LOOP ? "coro" : "task", i + 1);
		c[i] = (struct race_co){.r = r, .model = model, .index = i};
		c[i].task = co_create_task(loop, NULL, name, race_models[model].group, race_co_main, &c[i]);
		if (c[i].task == NULL) {
			run_fail(r->run, "out of memory for coroutine %d", i + 1);
			rc = -1;
			break;
		}
		gil_name_task(r->gil, co_task_id(c[i].task), name);
	}
	int lrc = co_loop_run(loop);
	if (lrc < 0 && !run_stopping(r->run) && !r->run->error[0]) {
		run_fail(r->run, "the event loop failed: %s", uv_strerror(lrc));
		rc = -1;
	}
	executor_free(r->pool);
	r->pool = NULL;
	atomic_store(&r->nkids, 0);
	co_loop_free(loop);
	gil_free(r->gil);
	r->gil = NULL;
	return r->run->error[0] ? -1 : rc;
}

/* Run one model and measure it. */
static int race_measure(struct race *r, int model, struct race_figures *f)
{
	char text[96];
	snprintf(text, sizeof(text), "%s starts", race_models[model].group);
	trace_milestone(text);
	atomic_store(&r->mem_peak_kb, race_rss_kb(0));
	atomic_store(&r->mem_stop, 0);
	int sampling = pthread_create(&r->mem_thread, NULL, race_mem_main, r) == 0;

	struct race_mark a, b;
	race_mark_now(r, &a);
	int rc;
	switch (model) {
	case RACE_SEQ:
	case RACE_SEQ_AGAIN: rc = race_sequential(r, model); break;
	case RACE_GIL:
	case RACE_NOGIL: rc = race_threads(r, model); break;
	case RACE_PROCS: rc = race_processes(r); break;
	default: rc = race_loop(r, model); break;
	}
	race_mark_now(r, &b);

	atomic_store(&r->mem_stop, 1);
	if (sampling)
		pthread_join(r->mem_thread, NULL);
	f->wall_ms = (double)(b.t_ns - a.t_ns) / 1e6;
	f->cpu_ms = race_cpu_ms(&b.self) - race_cpu_ms(&a.self) + race_cpu_ms(&b.kids) -
	            race_cpu_ms(&a.kids);
	f->parallelism = f->wall_ms > 0 ? f->cpu_ms / f->wall_ms : 0;
	/* Other programs using a quarter of the machine or more while a model
	 * ran make its figures more theirs than the model's. */
	f->busy = run_load_busy_since(r->run, &a.load, &f->other_share);
	f->other_cores = f->other_share > 0 ? f->other_share * r->ncores : 0;
	f->ctx = race_ctx(&b.self) - race_ctx(&a.self) + race_ctx(&b.kids) - race_ctx(&a.kids);
	if (sampling)
		f->ctx = f->ctx > r->mem_ctx ? f->ctx - r->mem_ctx : 0;
	f->peak_rss_mb = (double)atomic_load(&r->mem_peak_kb) / 1024.0;
	f->ok = rc == 0 && !run_stopping(r->run);
	return rc;
}

/* ---- advice ---- */

/*
 * The advice comes from the sequential run's make-up, never from the preset
 * nor from which model happened to win: its share of CPU time in CPU +
 * waiting (time preempted by other programs counts as neither), so a busy
 * machine cannot flip it. It names only models plain CPython has, and
 * quotes their measured speedups.
 * Mostly CPU (>= 60 %): processes. Mostly waiting (<= 20 %): threads when
 * the connections are few and fast, the event loop when they are many
 * (>= 32) and slow (>= 20 ms each): past a few dozen, a thread per
 * connection costs memory and switches that coroutines do not. In between:
 * the event loop for the waits with a process pool for the CPU part; the
 * thread offload is quoted as what it is, one GIL for all.
 */
enum race_kind { RACE_CPU_BOUND, RACE_IO_FEW, RACE_IO_MANY, RACE_MIXED };

/* What the work is, from the sequential run; *cpu_share its CPU share. */
static enum race_kind race_kind_of(const struct race *r, double *cpu_share)
{
	double busy = (double)(r->seq_cpu_ns + r->seq_wait_ns);
	double wait_ms = (double)r->seq_wait_ns / 1e6 / r->jobs;
	*cpu_share = busy > 0 ? (double)r->seq_cpu_ns / busy : 0;
	if (*cpu_share >= 0.6)
		return RACE_CPU_BOUND;
	if (*cpu_share > 0.2)
		return RACE_MIXED;
	return r->jobs >= 32 && wait_ms >= 20 ? RACE_IO_MANY : RACE_IO_FEW;
}

static void race_advise(const struct race *r, const struct race_figures *f, char *out, size_t n)
{
	double cpu_share, wait_ms = (double)r->seq_wait_ns / 1e6 / r->jobs;
	switch (race_kind_of(r, &cpu_share)) {
	case RACE_CPU_BOUND:
		snprintf(out, n,
		         "CPU-bound (%.0f%% on a core): use processes, ProcessPoolExecutor (x%.2f; in "
		         "asyncio, run_in_executor x%.2f); threads under the GIL x%.2f, to_thread x%.2f",
		         100 * cpu_share, f[RACE_PROCS].speedup, f[RACE_LOOP_PROCS].speedup,
		         f[RACE_GIL].speedup, f[RACE_OFFLOAD].speedup);
		break;
	case RACE_IO_MANY:
		snprintf(out, n,
		         "I/O-bound (%.0f%% on a core), many slow connections (%d waiting ~%.0f ms "
		         "each): use an event loop (x%.2f, %.0f switches; threads x%.2f, %.0f switches)",
		         100 * cpu_share, r->jobs, wait_ms, f[RACE_LOOP].speedup, f[RACE_LOOP].ctx,
		         f[RACE_GIL].speedup, f[RACE_GIL].ctx);
		break;
	case RACE_IO_FEW:
		snprintf(out, n,
		         "I/O-bound (%.0f%% on a core), few connections (%d waiting ~%.0f ms each): "
		         "use threads (x%.2f under the GIL; event loop x%.2f)",
		         100 * cpu_share, r->jobs, wait_ms, f[RACE_GIL].speedup, f[RACE_LOOP].speedup);
		break;
	case RACE_MIXED:
		snprintf(out, n,
		         "mixed (%.0f%% on a core): use an event loop with a process pool for the CPU "
		         "(x%.2f); whole jobs in processes x%.2f; to_thread x%.2f (one GIL)",
		         100 * cpu_share, f[RACE_LOOP_PROCS].speedup, f[RACE_PROCS].speedup,
		         f[RACE_OFFLOAD].speedup);
		break;
	}
}

/* The order the lesson expects for this kind of work, for verdict.h: did
 * it show, or was the machine too busy to show it? */
static void race_verdict(struct run *run, const struct race *r, const struct race_figures *f,
                         const struct verdict_mark *mark)
{
	double cpu_share, s_procs = f[RACE_PROCS].speedup, s_lpp = f[RACE_LOOP_PROCS].speedup;
	double s_gil = f[RACE_GIL].speedup, s_off = f[RACE_OFFLOAD].speedup;
	switch (race_kind_of(r, &cpu_share)) {
	case RACE_CPU_BOUND:
		verdict_report(run, mark, (s_procs < s_lpp ? s_procs : s_lpp) > (s_gil > s_off ? s_gil : s_off),
		               "process pools faster than threads and to_thread");
		break;
	case RACE_IO_FEW:
	case RACE_IO_MANY:
		verdict_report(run, mark, s_gil > 1 && f[RACE_LOOP].speedup > 1,
		               "threads and the event loop faster than sequential");
		break;
	case RACE_MIXED:
		verdict_report(run, mark, s_lpp > s_off, "loop+processes faster than loop+to_thread");
		break;
	}
}

/* ---- what is shown ---- */

enum {
	RACE_PANEL_HEAD = 2, /* workload, units */
	RACE_PANEL_TAIL = RACE_PANEL_HEAD + 1 + RACE_NMODELS, /* under the table */
	RACE_PANEL_WRAP = 59, /* a panel beside the timeline need not be wide */
};

static void race_publish(struct race *r, const struct race_figures *f, int done)
{
	static const char *title = "race: same workload, one model at a time";
	char line[RUN_PANEL_WIDTH];
	snprintf(line, sizeof(line), "%d jobs x (%d ms CPU + %d ms %s), %d cores", r->jobs, r->cpu_ms,
	         r->io_ms, r->network ? "download" : "sleep", r->ncores);
	run_panel_set(r->run, 0, title, line);
	run_panel_set(r->run, 1, NULL, "wall, CPU: ms; par, other: cores; peak: MB; ctx: switches");
	snprintf(line, sizeof(line), "%-14s %6s %6s %7s %4s %5s %5s %5s", "model", "wall", "CPU",
	         "speedup", "par", "other", "peak", "ctx");
	run_panel_set(r->run, RACE_PANEL_HEAD, NULL, line);
	for (int m = 0; m < RACE_NMODELS; m++) {
		if (m < done && f[m].ok)
			snprintf(line, sizeof(line), "%-14s %6.0f %6.0f x%6.2f %4.2f %4.1f%c %5.1f %5.0f",
			         race_models[m].label, f[m].wall_ms, f[m].cpu_ms, f[m].speedup, f[m].parallelism,
			         f[m].other_cores, f[m].busy ? '!' : ' ', f[m].peak_rss_mb, f[m].ctx);
		else
			snprintf(line, sizeof(line), "%-14s %6s", race_models[m].label,
			         m < done ? "stopped" : m == done ? "running" : "-");
		run_panel_set(r->run, RACE_PANEL_HEAD + 1 + m, NULL, line);
	}
}

/* Text from panel line `line` on, wrapped at spaces, each piece after
 * `indent`; returns the next free line. */
static int race_panel_text(struct run *run, int line, const char *indent, const char *text)
{
	char buf[RUN_PANEL_WIDTH];
	while (*text != '\0' && line < RUN_PANEL_LINES) {
		size_t n = strlen(text), width = RACE_PANEL_WRAP - strlen(indent);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = width;
		}
		snprintf(buf, sizeof(buf), "%s%.*s", indent, (int)n, text);
		run_panel_set(run, line++, NULL, buf);
		text += n;
		while (*text == ' ')
			text++;
		indent = "  ";
	}
	return line;
}

/* Did other programs share the cores, and while how many models? Their
 * figures are then more the machine's than the model's. */
static int race_machine_line(struct race *r, const struct race_figures *f, int done, char *out,
                             size_t n)
{
	double most = 0;
	int nbusy = 0;
	for (int m = 0; m < done; m++) {
		if (f[m].other_cores > most)
			most = f[m].other_cores;
		nbusy += f[m].busy;
	}
	if (nbusy > 0)
		snprintf(out, n,
		         "machine BUSY: other programs took up to %.1f of %d cores while %d of %d models "
		         "ran (marked !): their figures are not the models' own; run again when quiet",
		         most, r->ncores, nbusy, done);
	else
		snprintf(out, n, "machine quiet: other programs took at most %.1f of %d cores", most,
		         r->ncores);
	return nbusy;
}

/* Under the table: what the starred row stands for, whether the machine
 * was busy, and the advice when there is one. Returns how many models were
 * measured on a busy machine. */
static int race_publish_tail(struct race *r, const struct race_figures *f, int done,
                             const char *advice)
{
	char text[RUN_PANEL_WIDTH];
	int line = race_panel_text(r->run, RACE_PANEL_TAIL, "",
	                           "* no-GIL: what free-threaded CPython (3.13t+) would do, or C code "
	                           "that releases the GIL; not plain CPython");
	int nbusy = race_machine_line(r, f, done, text, sizeof(text));
	line = race_panel_text(r->run, line, "", text);
	if (advice != NULL) {
		run_panel_set(r->run, line++, NULL, "");
		run_panel_set(r->run, line++, NULL, "advice:");
		line = race_panel_text(r->run, line, "  ", advice);
		if (nbusy > 0)
			line = race_panel_text(r->run, line, "  ",
			                       "(its speedups were measured on a busy machine)");
	}
	for (int i = line; i < r->panel_end; i++)
		run_panel_set(r->run, i, NULL, "");
	r->panel_end = line;
	run_result_num(r->run, "machine_busy", nbusy > 0);
	return nbusy;
}

/* A model's figures in the results; other_load as a share of the cores
 * (-1 unknown), as load.h and verdict.h report it for the whole run. */
static void race_results(struct run *run, int model, const struct race_figures *f)
{
	static const char *const fields[] = {"wall_ms", "cpu_ms", "speedup", "parallelism",
	                                     "other_load", "peak_rss_mb", "ctx_switches"};
	const double values[] = {f->wall_ms, f->cpu_ms, f->speedup, f->parallelism,
	                         f->other_share, f->peak_rss_mb, f->ctx};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char key[64];
		snprintf(key, sizeof(key), "%s.%s", race_models[model].key, fields[i]);
		run_result_num(run, key, values[i]);
	}
}

/* Read the parameters and the lesson's lines; start the server if needed. */
static int race_setup(struct race *r, struct run *run)
{
	r->run = run;
	r->jobs = (int)run_int(run, "jobs");
	r->cpu_ms = (int)run_int(run, "cpu_ms");
	r->io_ms = (int)run_int(run, "io_ms");
	r->network = strcmp(run_enum(run, "io_kind"), "network") == 0;
	if (r->cpu_ms == 0 && r->io_ms == 0) {
		run_fail(run, "cpu_ms and io_ms are both 0: a job needs some work (cpu_ms or io_ms > 0)");
		return -1;
	}
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	r->ncores = nc < 1 ? 1 : nc > RACE_KIDS_MAX ? RACE_KIDS_MAX : (int)nc;
	r->units = r->cpu_ms > 0 ? cpuburn_units((uint64_t)r->cpu_ms * 1000000ull) : 0;
	for (int m = 0; m < RACE_NMODELS; m++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "%s_cpu", race_models[m].tag);
		r->line_cpu[m] = run_lesson_line(run, tag);
		snprintf(tag, sizeof(tag), "%s_io", race_models[m].tag);
		r->line_io[m] = run_lesson_line(run, tag);
	}
	if (r->network && r->io_ms > 0) {
		int rc = httpd_start(&r->server, NULL);
		if (rc < 0) {
			run_fail(run, "could not start the loopback HTTP server: %s", strerror(-rc));
			return -1;
		}
		r->port = httpd_port(r->server);
		snprintf(r->path, sizeof(r->path), "/bytes/%d?latency_ms=%d", RACE_BODY_BYTES, r->io_ms);
	}
	return 0;
}

/*
 * Every speedup is against one baseline: the faster of the two sequential
 * runs, the first and the last. Other programs that slowed one of them
 * down (a build starting, a burst of load) would otherwise inflate or
 * deflate every ratio at once; two runs far apart in time are rarely both
 * disturbed. Until the second has run, the first is the baseline.
 */
static void race_speedups(struct race_figures *f, int done)
{
	double base = f[RACE_SEQ].wall_ms;
	if (done > RACE_SEQ_AGAIN && f[RACE_SEQ_AGAIN].ok && f[RACE_SEQ_AGAIN].wall_ms < base)
		base = f[RACE_SEQ_AGAIN].wall_ms;
	for (int m = 0; m < done; m++)
		f[m].speedup = f[m].wall_ms > 0 ? base / f[m].wall_ms : 0;
}

static int race_main(struct run *run)
{
	struct race r = {0};
	if (race_setup(&r, run) != 0)
		return -1;
	struct race_figures f[RACE_NMODELS] = {0};
	struct verdict_mark mark;
	verdict_mark(&mark);
	int rc = 0, done = 0;
	for (int m = 0; m < RACE_NMODELS && !run_stopping(run); m++) {
		race_publish(&r, f, m);
		rc = race_measure(&r, m, &f[m]);
		done = m + 1;
		race_speedups(f, done);
		if (rc != 0 || run_stopping(run))
			break;
		race_results(run, m, &f[m]);
		race_publish_tail(&r, f, done, NULL);
	}
	for (int m = 0; m < done && done == RACE_NMODELS; m++)
		race_results(run, m, &f[m]); /* the final baseline */
	race_publish(&r, f, done);
	if (done >= 1 && f[RACE_SEQ].ok) {
		/* Neither on a core nor waiting for I/O: runnable, behind other
		 * programs. */
		double pre = f[RACE_SEQ].wall_ms - (double)(r.seq_cpu_ns + r.seq_wait_ns) / 1e6;
		run_result_num(run, "sequential.preempted_ms", pre > 0 ? pre : 0);
	}
	httpd_stop(r.server);
	if (rc != 0)
		return -1;
	if (done == RACE_NMODELS) {
		char advice[RUN_PANEL_WIDTH];
		race_advise(&r, f, advice, sizeof(advice));
		run_result_text(run, "advice", advice);
		race_publish_tail(&r, f, done, advice);
		race_verdict(run, &r, f, &mark);
	}
	return 0;
}

static int race_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pool") == 0)
		return race_pool_worker(argc, argv);
	fprintf(stderr, "simul: --worker race: unknown job (allowed: pool)\n");
	return 2;
}

static const char *const race_io_kinds[] = {"sleep", "network", NULL};

/* The presets differ only in their defaults; every parameter can be set. */
#define RACE_PARAMS(table, cpu, io)                                                                \
	static const struct param_spec table[] = {                                                \
		{.name = "jobs", .type = PARAM_INT, .def = 8, .min = 1, .max = RACE_JOBS_MAX,     \
		 .unit = "jobs", .help = "jobs in the workload, the same under every model"},     \
		{.name = "cpu_ms", .type = PARAM_INT, .def = cpu, .min = 0, .max = 5000,          \
		 .unit = "ms", .help = "CPU work of one job on a free core"},                     \
		{.name = "io_ms", .type = PARAM_INT, .def = io, .min = 0, .max = 5000,            \
		 .unit = "ms", .help = "waiting of one job: download latency or sleep"},          \
		{.name = "io_kind", .type = PARAM_ENUM, .def = 1, .choices = race_io_kinds,       \
		 .help = "how a job waits: a timer, or a loopback download"},                     \
	}

RACE_PARAMS(race_all_params, 50, 100);
RACE_PARAMS(race_cpu_params, 200, 0);
RACE_PARAMS(race_io_params, 0, 200);
RACE_PARAMS(race_mixed_params, 100, 100);

#define RACE_DEMO(dname, table, sum)                                                                      \
	{                                                                                        \
		.name = dname, .summary = sum,                                                         \
		.description = "The same jobs run under seven models, one after another: "       \
		               "sequential, threads under an emulated GIL, a process pool, an "   \
		               "event loop, the loop offloading its CPU work to threads "         \
		               "(to_thread) or to processes, and threads without a GIL (as a "    \
		               "free-threaded build would run them). A table compares them and "  \
		               "an advisor line says which to choose.",                           \
		.params = table, .nparams = DEMO_COUNT(table), .main = race_main,                        \
	}

static const struct demo race_demos[] = {
	RACE_DEMO("all", race_all_params, "one workload (CPU and I/O) under every model: which to choose?"),
	RACE_DEMO("cpu", race_cpu_params, "CPU-bound jobs under every model: processes win"),
	RACE_DEMO("io", race_io_params, "I/O-bound jobs under every model: threads or an event loop"),
	RACE_DEMO("mixed", race_mixed_params, "half CPU, half I/O: an event loop plus a process pool"),
};

const struct demo_module race_module = {
	.name = "race",
	.title = "Race: which model?",
	.order = 90,
	.demos = race_demos,
	.ndemos = DEMO_COUNT(race_demos),
	.worker = race_worker,
};
