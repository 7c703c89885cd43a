/*
 * race.c: one workload, every model, one after another, and which to choose.
 *
 * The workload is `jobs` jobs, each `cpu_ms` of real CPU work (counting
 * primes) then `io_ms` of waiting (a timer, or a download from the loopback
 * HTTP server with that latency). It runs under six models, strictly one
 * after another so that no two timed runs ever share the cores:
 *
 *   sequential    one thread, job after job          (a for loop)
 *   threads       a thread per job, no GIL           (free-threaded Python)
 *   threads+GIL   a thread per job, emulated GIL     (ThreadPoolExecutor)
 *   processes     a pool of one process per core     (ProcessPoolExecutor)
 *   event loop    a coroutine per job, CPU inline    (asyncio)
 *   loop+offload  coroutines, CPU on libuv's pool    (asyncio.to_thread)
 *
 * Each model's lanes form a group named after it, so the views stack them on
 * one time axis. For each model it measures, from the OS: wall time, CPU time
 * (getrusage of the process and of its reaped children), context switches
 * (the same getrusage's nvcsw + nivcsw), and peak memory (resident set of
 * simul plus its live children, sampled from /proc every 5 ms while the
 * model runs; the sampler's own context switches are left out). An advisor
 * line is then derived from those figures.
 *
 * The process pool is the smallest honest version of its own: procs_spawn
 * only starts `--worker processes` children, so this file spawns
 * `simul --worker race pool ...` itself with posix_spawn. The jobs are bytes
 * in a pipe every child reads from (the pool's task queue); each child's
 * lane is a shared-memory ring, as in the processes module.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "pace.h"
#include "co.h"
#include "cpuburn.h"
#include "demo.h"
#include "gil.h"
#include "httpd.h"
#include "procs.h"
#include "run.h"
#include "trace.h"

extern char **environ;

#define RACE_JOBS_MAX 200
#define RACE_SLICE_NS 200000ull /* CPU work between GIL checks and stop checks */
#define RACE_BODY_BYTES 1024

enum race_model {
	RACE_SEQ,
	RACE_THREADS,
	RACE_GIL,
	RACE_PROCS,
	RACE_LOOP,
	RACE_OFFLOAD,
	RACE_NMODELS
};

/* JSON key, lane group, and the tag prefix of its lines in the lesson. */
static const struct {
	const char *key, *group, *tag;
} race_models[RACE_NMODELS] = {
	{"sequential", "sequential", "seq"},   {"threads", "threads", "thr"},
	{"threads_gil", "threads+GIL", "gil"}, {"processes", "processes", "proc"},
	{"event_loop", "event loop", "loop"},  {"loop_offload", "loop+offload", "off"},
};

struct race_figures {
	double wall_ms, cpu_ms, speedup, peak_rss_mb, ctx;
	int ok;
};

struct race {
	struct run *run;
	int jobs, cpu_ms, io_ms, network, ncores;
	uint64_t units; /* cpu_ms of work, in cpuburn units */
	struct httpd *server; /* loopback server, when network */
	int port;
	char path[96];  /* what each job downloads */
	int line_cpu[RACE_NMODELS], line_io[RACE_NMODELS];
	struct gil *gil; /* threads+GIL only */
	/* What the sequential run spent on a core and waiting, from its
	 * thread's CPU clock and the wall time around each wait: what the work
	 * is, whatever else the machine is doing meanwhile. */
	uint64_t seq_cpu_ns, seq_wait_ns;
	atomic_uint_fast64_t sink;

	/* peak memory sampler */
	pthread_t mem_thread;
	atomic_int mem_stop;
	atomic_long mem_peak_kb;
	double mem_ctx; /* the sampler's own context switches */
	atomic_int kids[64]; /* pool workers' pids (negated once reaped) */
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
};

static void race_mark_now(struct race_mark *m)
{
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

static int race_sequential(struct race *r)
{
	trace_task_t t = trace_task_new("for loop", KIND_MAIN, race_models[RACE_SEQ].group);
	trace_bind(t);
	uint64_t cpu0 = clock_thread_cpu_ns();
	for (int i = 0; i < r->jobs && !run_stopping(r->run); i++) {
		if (r->cpu_ms > 0) {
			trace_statef(t, STATE_RUNNING, r->line_cpu[RACE_SEQ], "job %d: compute", i);
			if (race_burn(r, NULL, t, r->line_cpu[RACE_SEQ], r->units) != 0)
				break;
		}
		uint64_t w0 = clock_now_ns();
		int rc = race_wait_blocking(r, t, RACE_SEQ);
		r->seq_wait_ns += clock_now_ns() - w0;
		if (rc < 0 && r->run->error[0])
			break;
	}
	r->seq_cpu_ns = clock_thread_cpu_ns() - cpu0;
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
	struct gil *g = w->model == RACE_GIL ? r->gil : NULL;
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
		snprintf(name, sizeof(name), "%s-%d", model == RACE_GIL ? "gil" : "thread", i + 1);
		w[i] = (struct race_thread){.r = r, .model = model, .index = i};
		w[i].task = trace_task_new(name, KIND_THREAD, race_models[model].group);
		if (r->gil != NULL)
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

/* Start one pool worker: fd 0 the job queue, fd 3 its ring, no output. */
static pid_t race_spawn(struct race *r, int queue_fd, trace_task_t task)
{
	const char *exe = run_self_exe();
	if (exe == NULL) {
		run_fail(r->run, "%s", RUN_NO_SIMUL_EXE);
		return -1;
	}
	int ring = trace_shm_ring_new();
	if (ring < 0) {
		run_fail(r->run, "could not make a shared ring for a worker: %s", strerror(-ring));
		return -1;
	}
	char a_task[16], a_units[24], a_slice[24], a_io[16], a_port[16], a_lc[16], a_li[16];
	snprintf(a_task, sizeof(a_task), "%d", (int)task);
	snprintf(a_units, sizeof(a_units), "%llu", (unsigned long long)r->units);
	/* The child is told the slice size rather than calibrating again. */
	snprintf(a_slice, sizeof(a_slice), "%llu", (unsigned long long)cpuburn_units(RACE_SLICE_NS));
	snprintf(a_io, sizeof(a_io), "%d", r->io_ms);
	snprintf(a_port, sizeof(a_port), "%d", r->network ? r->port : 0);
	snprintf(a_lc, sizeof(a_lc), "%d", r->line_cpu[RACE_PROCS]);
	snprintf(a_li, sizeof(a_li), "%d", r->line_io[RACE_PROCS]);
	char *argv[] = {(char *)exe, "--worker", "race", "pool", a_task, a_units,
	                a_slice, a_io, a_port, a_lc, a_li, NULL};

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, queue_fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ring, 3);
	pid_t pid;
	char **env = run_worker_env();
	int rc = env != NULL ? posix_spawn(&pid, argv[0], &fa, NULL, argv, env) : ENOMEM;
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	close(ring);
	if (rc != 0) {
		run_fail(r->run, "could not start a worker process (%s): %s", argv[0], strerror(rc));
		return -1;
	}
	trace_bind_to(task, pid, pid);
	run_watch_pid(r->run, pid);
	return pid;
}

static int race_processes(struct race *r)
{
	int q[2];
	if (pipe2(q, O_CLOEXEC) != 0) {
		run_fail(r->run, "could not make the job queue: %s", strerror(errno));
		return -1;
	}
	/* The whole queue goes in first: one byte per job, read one at a time
	 * (a read of one byte from a pipe is atomic, so each job goes to one
	 * worker), then EOF tells the workers the map is over. */
	for (int i = 0; i < r->jobs; i++) {
		unsigned char b = (unsigned char)i;
		if (write(q[1], &b, 1) != 1) {
			run_fail(r->run, "could not fill the job queue: %s", strerror(errno));
			close(q[0]);
			close(q[1]);
			return -1;
		}
	}
	close(q[1]);

	int n = r->ncores < r->jobs ? r->ncores : r->jobs;
	if (n > (int)(sizeof(r->kids) / sizeof(r->kids[0])))
		n = (int)(sizeof(r->kids) / sizeof(r->kids[0]));
	trace_task_t tasks[64];
	int alive = 0, rc = 0;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "worker-%d", i + 1);
		tasks[i] = trace_task_new(name, KIND_PROCESS, race_models[RACE_PROCS].group);
		pid_t pid = race_spawn(r, q[0], tasks[i]);
		if (pid < 0) {
			trace_end(tasks[i]);
			rc = -1;
			break;
		}
		atomic_store(&r->kids[alive], pid);
		atomic_store(&r->nkids, ++alive);
	}
	close(q[0]);

	int left = alive, killed = 0;
	while (left > 0) {
		if (run_stopping(r->run) && !killed) {
			for (int i = 0; i < alive; i++)
				if (r->kids[i] > 0)
					kill(r->kids[i], SIGKILL);
			killed = 1;
		}
		for (int i = 0; i < alive; i++) {
			int st;
			if (r->kids[i] <= 0 || waitpid(r->kids[i], &st, WNOHANG) != r->kids[i])
				continue;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				if (!killed) {
					trace_markf(tasks[i], "worker died (%s %d)",
					            WIFSIGNALED(st) ? "signal" : "status",
					            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
					run_fail(r->run, "a pool worker died");
					rc = -1;
				}
				trace_end(tasks[i]);
			}
			r->kids[i] = -r->kids[i];
			left--;
		}
		if (left > 0) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	atomic_store(&r->nkids, 0);
	return rc;
}

/* The worker's side: take jobs from fd 0 until EOF. */
static int race_pool_worker(int argc, char **argv)
{
	if (argc != 9)
		return 2;
	trace_task_t t = procs_child_attach(argv[2]);
	if (t == TRACE_NO_TASK)
		return 2;
	uint64_t units = strtoull(argv[3], NULL, 10), slice = strtoull(argv[4], NULL, 10), sum = 0;
	int io_ms = atoi(argv[5]), port = atoi(argv[6]), lc = atoi(argv[7]), li = atoi(argv[8]);
	char path[96];
	snprintf(path, sizeof(path), "/bytes/%d?latency_ms=%d", RACE_BODY_BYTES, io_ms);
	if (slice == 0)
		slice = 1;
	unsigned char job;
	for (;;) {
		trace_state(t, STATE_READY, "waiting for a job from the queue");
		ssize_t k = read(0, &job, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k != 1)
			break;
		if (units > 0) {
			trace_statef(t, STATE_RUNNING, lc, "job %d: compute", job);
			for (uint64_t left = units; left > 0;) {
				uint64_t n = left < slice ? left : slice;
				sum += cpuburn_run(n);
				left -= n;
			}
		}
		if (io_ms > 0 && port > 0) {
			trace_statef(t, STATE_IO, li, "GET %s", path);
			if (httpd_fetch(port, path) < 0)
				return 3;
		} else if (io_ms > 0) {
			trace_statef(t, STATE_SLEEP, li, "time.sleep(%g)", io_ms / 1000.0);
			pace_sleep_ns((uint64_t)io_ms * NS_PER_MS, NULL); /* lesson time (pace.h) */
		}
		trace_markf(t, "job %d done", job);
	}
	trace_end(t);
	return sum == 1 ? 1 : 0; /* sum is never 1; keeps the work from being optimised away */
}

struct race_co {
	struct race *r;
	int model, index;
	struct co_task *task;
};

static void race_offloaded(void *arg)
{
	struct race_co *c = arg;
	uint64_t sum = 0, slice = cpuburn_units(RACE_SLICE_NS);
	if (slice == 0)
		slice = 1;
	for (uint64_t left = c->r->units; left > 0 && !run_stopping(c->r->run);) {
		uint64_t n = left < slice ? left : slice;
		sum += cpuburn_run(n);
		left -= n;
	}
	atomic_fetch_add_explicit(&c->r->sink, sum, memory_order_relaxed);
}

static void race_co_main(struct co_task *task, void *arg)
{
	struct race_co *c = arg;
	struct race *r = c->r;
	if (r->cpu_ms > 0) {
		if (c->model == RACE_OFFLOAD) {
			if (co_to_thread(task, race_offloaded, c, "compute", r->line_cpu[c->model]) < 0)
				return;
		} else {
			/* Inline: the loop runs nothing else meanwhile. */
			trace_statef(co_task_id(task), STATE_RUNNING, r->line_cpu[c->model], "job %d: compute",
			             c->index);
			if (race_burn(r, NULL, co_task_id(task), r->line_cpu[c->model], r->units) != 0)
				return;
		}
	}
	if (r->io_ms <= 0)
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

static int race_loop(struct race *r, int model)
{
	struct co_loop_options opt = {.name = model == RACE_LOOP ? "event loop" : "offload loop",
	                              .group = race_models[model].group, .many = r->jobs > 32};
	struct co_loop *loop = co_loop_new(r->run, &opt);
	if (loop == NULL)
		return -1;
	struct race_co c[RACE_JOBS_MAX];
	int rc = 0;
	for (int i = 0; i < r->jobs; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", model == RACE_LOOP ? "coro" : "task", i + 1);
		c[i] = (struct race_co){.r = r, .model = model, .index = i};
		c[i].task = co_create_task(loop, NULL, name, race_models[model].group, race_co_main, &c[i]);
		if (c[i].task == NULL) {
			run_fail(r->run, "out of memory for coroutine %d", i + 1);
			rc = -1;
			break;
		}
	}
	int lrc = co_loop_run(loop);
	if (lrc < 0 && !run_stopping(r->run) && !r->run->error[0]) {
		run_fail(r->run, "the event loop failed: %s", uv_strerror(lrc));
		rc = -1;
	}
	co_loop_free(loop);
	return rc;
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
	race_mark_now(&a);
	int rc;
	switch (model) {
	case RACE_SEQ: rc = race_sequential(r); break;
	case RACE_THREADS:
	case RACE_GIL: rc = race_threads(r, model); break;
	case RACE_PROCS: rc = race_processes(r); break;
	default: rc = race_loop(r, model); break;
	}
	race_mark_now(&b);

	atomic_store(&r->mem_stop, 1);
	if (sampling)
		pthread_join(r->mem_thread, NULL);
	f->wall_ms = (double)(b.t_ns - a.t_ns) / 1e6;
	f->cpu_ms = race_cpu_ms(&b.self) - race_cpu_ms(&a.self) + race_cpu_ms(&b.kids) -
	            race_cpu_ms(&a.kids);
	f->ctx = race_ctx(&b.self) - race_ctx(&a.self) + race_ctx(&b.kids) - race_ctx(&a.kids);
	if (sampling)
		f->ctx = f->ctx > r->mem_ctx ? f->ctx - r->mem_ctx : 0;
	f->peak_rss_mb = (double)atomic_load(&r->mem_peak_kb) / 1024.0;
	f->ok = rc == 0 && !run_stopping(r->run);
	return rc;
}

/* ---- advice ---- */

/*
 * The advice comes from the figures, never from the preset. The sequential
 * run says what the work is: the share of its CPU time in CPU + waiting
 * (time preempted by other programs counts as neither).
 * Mostly CPU (>= 60 %): processes. Mostly waiting (<= 20 %): threads when
 * the connections are few and fast, the event loop when they are many
 * (>= 32) and slow (>= 20 ms each): past a few dozen, a thread per
 * connection costs memory and switches that coroutines do not. In between:
 * both that can use the cores, the faster measured one first.
 */
static void race_advise(const struct race *r, const struct race_figures *f, char *out, size_t n)
{
	double busy = (double)(r->seq_cpu_ns + r->seq_wait_ns);
	double cpu_share = busy > 0 ? (double)r->seq_cpu_ns / busy : 0;
	double wait_ms = (double)r->seq_wait_ns / 1e6 / r->jobs;
	if (cpu_share >= 0.6) {
		snprintf(out, n,
		         "CPU-bound (%.0f%% of the work on a core): use processes "
		         "(x%.2f here; threads under the GIL x%.2f)",
		         100 * cpu_share, f[RACE_PROCS].speedup, f[RACE_GIL].speedup);
	} else if (cpu_share <= 0.2) {
		if (r->jobs >= 32 && wait_ms >= 20)
			snprintf(out, n,
			         "I/O-bound (%.0f%% on a core), many slow connections (%d waiting ~%.0f ms "
			         "each): use an event loop (x%.2f, %.0f switches; threads x%.2f, %.0f switches)",
			         100 * cpu_share, r->jobs, wait_ms, f[RACE_LOOP].speedup, f[RACE_LOOP].ctx,
			         f[RACE_GIL].speedup, f[RACE_GIL].ctx);
		else
			snprintf(out, n,
			         "I/O-bound (%.0f%% on a core), few connections (%d waiting ~%.0f ms each): "
			         "use threads (x%.2f under the GIL; event loop x%.2f)",
			         100 * cpu_share, r->jobs, wait_ms, f[RACE_GIL].speedup, f[RACE_LOOP].speedup);
	} else {
		int off_first = f[RACE_OFFLOAD].speedup >= f[RACE_PROCS].speedup;
		snprintf(out, n,
		         "mixed (%.0f%% on a core): use %s (x%.2f) or %s (x%.2f); CPU inline in the "
		         "loop gets x%.2f",
		         100 * cpu_share, off_first ? "an event loop offloading the CPU work" : "processes",
		         f[off_first ? RACE_OFFLOAD : RACE_PROCS].speedup,
		         off_first ? "processes" : "an event loop offloading the CPU work",
		         f[off_first ? RACE_PROCS : RACE_OFFLOAD].speedup, f[RACE_LOOP].speedup);
	}
}

static void race_publish(struct race *r, const struct race_figures *f, int done)
{
	static const char *title = "race: same workload, one model at a time";
	char line[RUN_PANEL_WIDTH];
	snprintf(line, sizeof(line), "%d jobs x (%d ms CPU + %d ms %s), %d cores", r->jobs, r->cpu_ms,
	         r->io_ms, r->network ? "download" : "sleep", r->ncores);
	run_panel_set(r->run, 0, title, line);
	run_panel_set(r->run, 1, NULL, "model          wall ms   CPU ms  speedup  peak MB  ctx sw");
	for (int m = 0; m < RACE_NMODELS; m++) {
		if (m < done && f[m].ok)
			snprintf(line, sizeof(line), "%-12s %9.0f %8.0f  x%6.2f %8.1f %7.0f", race_models[m].group,
			         f[m].wall_ms, f[m].cpu_ms, f[m].speedup, f[m].peak_rss_mb, f[m].ctx);
		else
			snprintf(line, sizeof(line), "%-12s %9s", race_models[m].group,
			         m < done ? "stopped" : m == done ? "running" : "-");
		run_panel_set(r->run, 2 + m, NULL, line);
	}
}

/* The advice under the table, "advice:" first, wrapped at spaces so that
 * a panel beside the timeline need not be wide. */
static void race_panel_wrap(struct run *run, int line, const char *text)
{
	enum { WIDTH = 64 };
	char buf[RUN_PANEL_WIDTH];
	run_panel_set(run, line++, NULL, "");
	run_panel_set(run, line++, NULL, "advice:");
	while (*text != '\0' && line < RUN_PANEL_LINES) {
		size_t n = strlen(text);
		if (n > WIDTH) {
			n = WIDTH;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = WIDTH;
		}
		snprintf(buf, sizeof(buf), "  %.*s", (int)n, text);
		run_panel_set(run, line++, NULL, buf);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static int race_main(struct run *run)
{
	struct race r = {.run = run};
	r.jobs = (int)run_int(run, "jobs");
	r.cpu_ms = (int)run_int(run, "cpu_ms");
	r.io_ms = (int)run_int(run, "io_ms");
	r.network = strcmp(run_enum(run, "io_kind"), "network") == 0;
	if (r.cpu_ms == 0 && r.io_ms == 0) {
		run_fail(run, "cpu_ms and io_ms are both 0: a job needs some work (cpu_ms or io_ms > 0)");
		return -1;
	}
	long nc = sysconf(_SC_NPROCESSORS_ONLN);
	r.ncores = nc < 1 ? 1 : (int)nc;
	r.units = r.cpu_ms > 0 ? cpuburn_units((uint64_t)r.cpu_ms * 1000000ull) : 0;
	for (int m = 0; m < RACE_NMODELS; m++) {
		char tag[16];
		snprintf(tag, sizeof(tag), "%s_cpu", race_models[m].tag);
		r.line_cpu[m] = run_lesson_line(run, tag);
		snprintf(tag, sizeof(tag), "%s_io", race_models[m].tag);
		r.line_io[m] = run_lesson_line(run, tag);
	}

	if (r.network && r.io_ms > 0) {
		int rc = httpd_start(&r.server, NULL);
		if (rc < 0) {
			run_fail(run, "could not start the loopback HTTP server: %s", strerror(-rc));
			return -1;
		}
		r.port = httpd_port(r.server);
		snprintf(r.path, sizeof(r.path), "/bytes/%d?latency_ms=%d", RACE_BODY_BYTES, r.io_ms);
	}

	struct race_figures f[RACE_NMODELS] = {0};
	int rc = 0, done = 0;
	for (int m = 0; m < RACE_NMODELS && !run_stopping(run); m++) {
		race_publish(&r, f, m);
		rc = race_measure(&r, m, &f[m]);
		f[m].speedup = f[m].wall_ms > 0 ? f[RACE_SEQ].wall_ms / f[m].wall_ms : 0;
		done = m + 1;
		if (rc != 0 || run_stopping(run))
			break;
		char key[64];
		const char *k = race_models[m].key;
		snprintf(key, sizeof(key), "%s.wall_ms", k);
		run_result_num(run, key, f[m].wall_ms);
		snprintf(key, sizeof(key), "%s.cpu_ms", k);
		run_result_num(run, key, f[m].cpu_ms);
		snprintf(key, sizeof(key), "%s.speedup", k);
		run_result_num(run, key, f[m].speedup);
		snprintf(key, sizeof(key), "%s.peak_rss_mb", k);
		run_result_num(run, key, f[m].peak_rss_mb);
		snprintf(key, sizeof(key), "%s.ctx_switches", k);
		run_result_num(run, key, f[m].ctx);
	}
	race_publish(&r, f, done);
	if (done >= 1 && f[RACE_SEQ].ok) {
		/* Neither on a core nor waiting for I/O: runnable, behind other
		 * programs. Every figure in the table is only as good as this. */
		double pre = f[RACE_SEQ].wall_ms - (double)(r.seq_cpu_ns + r.seq_wait_ns) / 1e6;
		if (pre < 0)
			pre = 0;
		run_result_num(run, "sequential.preempted_ms", pre);
		char line[RUN_PANEL_WIDTH];
		snprintf(line, sizeof(line), "%s cores: sequential waited %.0f ms (%.0f%%) for one",
		         pre > 0.1 * f[RACE_SEQ].wall_ms ? "busy (noisy figures)" : "free", pre,
		         100 * pre / f[RACE_SEQ].wall_ms);
		run_panel_set(run, 2 + RACE_NMODELS, NULL, line);
	}
	httpd_stop(r.server);
	if (rc != 0)
		return -1;
	if (done == RACE_NMODELS) {
		char advice[RUN_PANEL_WIDTH];
		race_advise(&r, f, advice, sizeof(advice));
		run_result_text(run, "advice", advice);
		race_panel_wrap(run, 3 + RACE_NMODELS, advice);
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
		.description = "The same jobs run under six models, one after another: "         \
		               "sequential, threads without and with an emulated GIL, a process " \
		               "pool, an event loop, and an event loop offloading its CPU work. " \
		               "A table compares them and an advisor line says which to choose.", \
		.params = table, .nparams = DEMO_COUNT(table), .main = race_main,                        \
	}

static const struct demo race_demos[] = {
	RACE_DEMO("all", race_all_params, "one workload (CPU and I/O) under every model: which to choose?"),
	RACE_DEMO("cpu", race_cpu_params, "CPU-bound jobs under every model: processes win"),
	RACE_DEMO("io", race_io_params, "I/O-bound jobs under every model: threads or an event loop"),
	RACE_DEMO("mixed", race_mixed_params, "half CPU, half I/O under every model"),
};

const struct demo_module race_module = {
	.name = "race",
	.title = "Race: which model?",
	.order = 90,
	.demos = race_demos,
	.ndemos = DEMO_COUNT(race_demos),
	.worker = race_worker,
};
