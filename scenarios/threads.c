/*
 * threads.c: the threads module: real pthreads, and what the OS did with
 * them.
 *
 * threads/interleave is the first program of every threading course: one
 * thread prints numbers, another letters, each pausing between lines. The
 * order of the lines is up to the scheduler; `busy` CPU-bound Python threads
 * beside them hold the emulated GIL in turns, so each line waits for it
 * (with gil=off, as on a free-threaded CPython, they share the cores
 * instead, and the sampler shows `preempted` once they outnumber them).
 *
 * threads/download: files fetched from the loopback server one after
 * another, then one thread each. threads/gil: CPU-bound threads without and
 * with the emulated CPython GIL, then the convoy effect (threads/gil_demo.c).
 * threads/race: a shared counter updated without and with a lock, under the
 * GIL and without it (threads/race_demo.c). threads/pool: a fixed pool of
 * workers taking jobs from a queue (ThreadPoolExecutor).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "cpuburn.h"
#include "demo.h"
#include "gil.h"
#include "httpd.h"
#include "run.h"
#include "threads/common.h"
#include "threads/lifecycle.h"
#include "trace.h"

/* ---- threads/interleave ---- */

/*
 * The printers and the busy threads are Python threads: they run Python
 * code only while they hold the emulated GIL (unless gil=off, which stands
 * for a free-threaded CPython). A printer releases it while it sleeps and
 * must get it back to print, so next to busy threads each line comes late
 * by about a switch interval; the busy threads take turns instead of
 * sharing the cores.
 */

#define INTERLEAVE_LINES_MAX 26
#define INTERLEAVE_BUSY_MAX 16

struct printer {
	struct run *run;
	struct gil *g;
	trace_task_t task;
	const char *what;  /* "Number" or "Letter" */
	int letters;       /* print a, b, c... instead of 1, 2, 3... */
	int line_sleep, line_print;
	uint64_t late_ns[INTERLEAVE_LINES_MAX]; /* end of each pause to holding the GIL */
	int nlate;
};

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	long count = run_int(p->run, "count");
	uint64_t pause = (uint64_t)run_int(p->run, "pause_ms") * NS_PER_MS;

	trace_bind(p->task);
	gil_acquire(p->g, p->task, p->line_sleep);
	for (long i = 0; i < count && !run_stopping(p->run); i++) {
		trace_state_at(p->task, STATE_SLEEP, p->line_sleep, "time.sleep(pause) (GIL released)");
		gil_release(p->g, p->task);
		uint64_t t0 = clock_now_ns();
		if (run_sleep_ns(p->run, pause) != 0)
			break;
		gil_acquire(p->g, p->task, p->line_print);
		/* As interleave.py measures it: past the pause, the OS's wake-up
		 * and then the wait for the GIL. */
		uint64_t slept = clock_now_ns() - t0;
		p->late_ns[p->nlate++] = slept > pause ? slept - pause : 0;
		trace_state_at(p->task, STATE_RUNNING, p->line_print, "print");
		if (p->letters)
			trace_markf(p->task, "%s %c", p->what, (char)('a' + i));
		else
			trace_markf(p->task, "%s %ld", p->what, i + 1);
	}
	trace_end(p->task);
	gil_release(p->g, p->task);
	return NULL;
}

struct busy {
	struct run *run;
	struct gil *g;
	trace_task_t task;
	atomic_int *stop;
	int line;
};

/* Python-level CPU work until the printers are done: small units, with an
 * eval-breaker check after each, as the generator in busy() makes one at
 * every step. */
static void *busy_main(void *arg)
{
	struct busy *b = arg;
	uint64_t unit = cpuburn_units(20 * NS_PER_US);
	trace_bind(b->task);
	if (b->g)
		gil_acquire(b->g, b->task, b->line);
	else
		trace_state_at(b->task, STATE_RUNNING, b->line, "sum(k for k in range(600))");
	while (!atomic_load(b->stop) && !run_stopping(b->run)) {
		cpuburn_run(unit);
		gil_check(b->g, b->task, b->line);
	}
	trace_end(b->task);
	gil_release(b->g, b->task);
	return NULL;
}

static void interleave_results(struct run *run, struct printer p[2])
{
	uint64_t late[2 * INTERLEAVE_LINES_MAX];
	int n = 0;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < p[k].nlate; i++)
			late[n++] = p[k].late_ns[i];
	if (n == 0)
		return;
	qsort(late, (size_t)n, sizeof(*late), threads_cmp_u64);
	run_result_num(run, "late_median_ms", threads_ms(late[n / 2]));
	run_result_num(run, "late_max_ms", threads_ms(late[n - 1]));
}

static int interleave_main(struct run *run)
{
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	struct gil *g = run_bool(run, "gil") ? gil_new(0) : NULL;
	struct printer p[2] = {
		{run, g, trace_task_new_child("numbers", KIND_THREAD, NULL, main_task), "Number", 0,
		 run_lesson_line(run, "numbers_sleep"), run_lesson_line(run, "numbers_print"), {0}, 0},
		{run, g, trace_task_new_child("letters", KIND_THREAD, NULL, main_task), "Letter", 1,
		 run_lesson_line(run, "letters_sleep"), run_lesson_line(run, "letters_print"), {0}, 0},
	};
	pthread_t th[2];
	int started = 0;
	int nbusy = (int)run_int(run, "busy"), busy_started = 0;
	struct busy busy[INTERLEAVE_BUSY_MAX];
	pthread_t busy_th[INTERLEAVE_BUSY_MAX];
	atomic_int busy_stop = 0;

	trace_bind(main_task);
	if (run_bool(run, "gil") && !g) {
		run_fail(run, "out of memory");
		trace_end(main_task);
		return -1;
	}
	gil_name_task(g, p[0].task, "numbers");
	gil_name_task(g, p[1].task, "letters");
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "starting threads");
	if (nbusy > 0)
		cpuburn_calibrate(); /* before the printers start, not in their time */
	for (int i = 0; i < nbusy; i++) {
		char name[32];
		snprintf(name, sizeof(name), "busy-%d", i + 1);
		busy[i] = (struct busy){run, g, trace_task_new_child(name, KIND_THREAD, "busy", main_task), &busy_stop,
		                        run_lesson_line(run, "busy")};
		gil_name_task(g, busy[i].task, name);
		if (threads_start(&busy_th[i], busy_main, &busy[i]) != 0)
			break;
		busy_started++;
	}
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, printer_main, &p[i]) != 0) {
			run_fail(run, "could not start a thread");
			break;
		}
		started++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t1.join(); t2.join()");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	atomic_store(&busy_stop, 1);
	for (int i = 0; i < busy_started; i++)
		pthread_join(busy_th[i], NULL);
	trace_end(main_task);
	if (started == 2 && !run_stopping(run))
		interleave_results(run, p);
	gil_free(g);
	if (busy_started < nbusy && started == 2)
		run_fail(run, "could start only %d of %d busy threads", busy_started, nbusy);
	return started == 2 && busy_started == nbusy ? 0 : -1;
}

static const struct param_spec interleave_params[] = {
	{.name = "pause_ms", .type = PARAM_INT, .def = 100, .min = 0, .max = 5000, .unit = "ms",
	 .help = "pause before each line"},
	{.name = "count", .type = PARAM_INT, .def = 5, .min = 1, .max = 26, .unit = "lines",
	 .help = "lines each thread prints"},
	{.name = "busy", .type = PARAM_INT, .def = 0, .min = 0, .max = INTERLEAVE_BUSY_MAX, .unit = "threads",
	 .help = "CPU-bound Python threads beside the printers (they take turns holding the GIL)"},
	{.name = "gil", .type = PARAM_BOOL, .def = 1, .min = 0, .max = 1,
	 .help = "the emulated GIL (off: free-threaded CPython 3.13t, busy threads share the cores)"},
};

/* ---- threads/download ---- */

/* Each connection costs two descriptors (client and server side): raise
 * the soft open-file limit to the hard one so a thousand threads fit. */
static void fd_limit_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Watches for the run's stop and then makes the loopback server drop every
 * connection, so threads blocked in httpd_fetch return at once. */
struct fetcher {
	trace_task_t task;
	int port, index, line_get, line_print;
	char path[64];
	long got;
};

/* One download: blocked in connect/recv (io), then print what came. */
static void fetch_one(struct fetcher *f)
{
	trace_statef(f->task, STATE_IO, f->line_get, "GET 127.0.0.1:%d%s (recv)", f->port, f->path);
	f->got = httpd_fetch(f->port, f->path);
	trace_state_at(f->task, STATE_RUNNING, f->line_print, "print");
	if (f->got >= 0)
		trace_markf(f->task, "file %d: %ld bytes", f->index + 1, f->got);
	else
		trace_markf(f->task, "file %d: failed (%s)", f->index + 1, strerror((int)-f->got));
}

static void *fetcher_main(void *arg)
{
	struct fetcher *f = arg;
	trace_bind(f->task);
	fetch_one(f);
	trace_end(f->task);
	return NULL;
}

/* One after another, on the main thread; returns the ms it took and
 * clears *ok when a file came back short. */
static double download_sequential(struct run *run, struct fetcher *f, int n, long size, int *ok)
{
	trace_milestone("sequential: one download after another");
	trace_task_t seq = trace_task_new("main (sequential)", KIND_MAIN, "sequential");
	trace_bind(seq);
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < n && !run_stopping(run); i++) {
		f[i].task = seq;
		f[i].line_get = run_lesson_line(run, "seq_get");
		f[i].line_print = run_lesson_line(run, "seq_print");
		fetch_one(&f[i]);
		*ok &= f[i].got == size;
	}
	double ms = threads_ms(clock_now_ns() - t0);
	trace_end(seq);
	return ms;
}

/* One thread per file; returns the ms from the first start to the last
 * join, sets *started, clears *ok when a file came back short. */
static double download_threaded(struct run *run, struct fetcher *f, pthread_t *th, int n, long size, int *ok,
                                int *started)
{
	trace_milestone("threaded: one thread per download");
	trace_task_t main_task = trace_task_new("main (threads)", KIND_MAIN, "threaded");
	trace_bind(main_task);
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < n && !run_stopping(run); i++) {
		char name[32];
		snprintf(name, sizeof(name), "thread-%d", i + 1);
		f[i].task = trace_task_new_child(name, KIND_THREAD, "threaded", main_task);
		f[i].line_get = run_lesson_line(run, "thread_get");
		f[i].line_print = run_lesson_line(run, "thread_print");
		if (threads_start(&th[i], fetcher_main, &f[i]) != 0) {
			trace_end(f[i].task);
			break;
		}
		(*started)++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join() for every thread");
	for (int i = 0; i < *started; i++) {
		pthread_join(th[i], NULL);
		*ok &= f[i].got == size;
	}
	double ms = threads_ms(clock_now_ns() - t0);
	trace_end(main_task);
	return ms;
}

static int download_main(struct run *run)
{
	int n = (int)run_int(run, "files");
	struct httpd_options o = {.latency_ms = (int)run_int(run, "latency_ms"),
	                          .bandwidth_kbps = (int)run_int(run, "kbps")};
	long size = run_int(run, "size_kb") * 1000;
	struct httpd *h;
	int rc;

	fd_limit_raise();
	if ((rc = httpd_start(&h, &o)) != 0) {
		run_fail(run, "could not start the loopback server: %s", uv_strerror(rc));
		return -1;
	}
	struct fetcher *f = calloc((size_t)n, sizeof(*f));
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	struct stop_watch watch;
	if (!f || !th) {
		free(f);
		free(th);
		httpd_stop(h);
		run_fail(run, "out of memory for %d threads", n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		f[i] = (struct fetcher){.port = httpd_port(h), .index = i};
		snprintf(f[i].path, sizeof(f[i].path), "/bytes/%ld", size);
	}

	if (stop_watch_start(&watch, run, h) != 0) {
		free(f);
		free(th);
		httpd_stop(h);
		return -1;
	}

	int ok = 1, started = 0;
	double seq_ms = run_bool(run, "sequential") ? download_sequential(run, f, n, size, &ok) : 0;
	double thr_ms = download_threaded(run, f, th, n, size, &ok, &started);
	stop_watch_end(&watch);
	uint64_t away = httpd_turned_away(h);
	httpd_stop(h);
	free(f);
	free(th);

	if (started < n && !run_stopping(run)) {
		run_fail(run, "could start only %d of %d threads", started, n);
		return -1;
	}
	if (seq_ms > 0)
		run_result_num(run, "sequential_ms", seq_ms);
	run_result_num(run, "threaded_ms", thr_ms);
	if (seq_ms > 0 && thr_ms > 0)
		run_result_num(run, "speedup", seq_ms / thr_ms);
	run_result_num(run, "threads", started);
	if (!ok && !run_stopping(run)) {
		if (away > 0)
			run_fail(run, "a download did not return the whole file: the loopback server had no memory "
			              "for %" PRIu64 " connections (a memory limit: ulimit -v?)", away);
		else
			run_fail(run, "a download did not return the whole file");
		return -1;
	}
	return 0;
}

/* ---- threads/pool ---- */

struct job {
	int index, latency_ms;
	trace_task_t task;
	long got;
	uint64_t end_ns;
};

struct pool {
	struct run *run;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *jobs;
	int njobs, submitted, next, ndone, closed, workers, busy;
	int *order; /* job indexes in completion order */
	int port, line_fetch;
};

struct pool_worker {
	struct pool *p;
	trace_task_t task;
	int index;
};

static void *pool_worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct pool *p = w->p;
	trace_bind(w->task);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		if (p->next >= p->submitted && !p->closed) {
			trace_state(w->task, STATE_IDLE, "waiting for a job (queue empty)");
			while (p->next >= p->submitted && !p->closed)
				pthread_cond_wait(&p->work, &p->mu);
		}
		if (p->next >= p->submitted)
			break; /* closed and drained */
		struct job *j = &p->jobs[p->next++];
		p->busy++;
		pthread_mutex_unlock(&p->mu);

		char path[64];
		snprintf(path, sizeof(path), "/bytes/10000?latency_ms=%d", j->latency_ms);
		trace_statef(j->task, STATE_IO, p->line_fetch, "run by worker-%d: GET %s", w->index + 1, path);
		trace_statef(w->task, STATE_IO, p->line_fetch, "job %d: GET 127.0.0.1:%d%s", j->index + 1, p->port,
		             path);
		j->got = run_stopping(p->run) ? -ECANCELED : httpd_fetch(p->port, path);
		j->end_ns = clock_now_ns();
		trace_end(j->task);

		pthread_mutex_lock(&p->mu);
		p->busy--;
		p->order[p->ndone++] = j->index;
		pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	trace_end(w->task);
	return NULL;
}

/* as_completed: print each result as it arrives. Returns with p->mu
 * unlocked. */
static void pool_as_completed(struct run *run, struct pool *p, trace_task_t main_task, int started)
{
	int line_wait = run_lesson_line(run, "as_completed"), line_print = run_lesson_line(run, "print");
	pthread_mutex_lock(&p->mu);
	for (int k = 0; k < p->njobs && started > 0; k++) {
		trace_state_at(main_task, STATE_JOIN, line_wait, "as_completed(futures)");
		while (p->ndone <= k)
			pthread_cond_wait(&p->done, &p->mu);
		struct job *j = &p->jobs[p->order[k]];
		trace_state_at(main_task, STATE_RUNNING, line_print, "print(f.result())");
		if (j->got >= 0)
			trace_markf(main_task, "job %d done: %ld bytes after %d ms", j->index + 1, j->got,
			            j->latency_ms);
		else
			trace_markf(main_task, "job %d: %s", j->index + 1, strerror((int)-j->got));
	}
	pthread_mutex_unlock(&p->mu);
}

/* Submit every job; each waits in the queue (ready) until a worker takes
 * it. Durations vary (seeded), so they end out of order. */
static void pool_submit_all(struct run *run, struct pool *p, trace_task_t main_task, int started, int job_ms,
                            uint64_t *rnd)
{
	for (int i = 0; i < p->njobs; i++) {
		char name[32];
		struct job *j = &p->jobs[i];
		snprintf(name, sizeof(name), "job-%d", i + 1);
		j->index = i;
		j->latency_ms = job_ms / 2 + (int)(run_rand(rnd) % (uint64_t)(job_ms + 1));
		j->task = trace_task_new_child(name, KIND_WORKER, "jobs", main_task);
		trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "submit"), "pool.submit(fetch, url)");
		pthread_mutex_lock(&p->mu);
		trace_statef(j->task, STATE_READY, run_lesson_line(run, "submit"), "queued (%d of %d workers busy)",
		             p->busy, started);
		p->submitted++;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
	}
}

static int pool_main(struct run *run)
{
	int nw = (int)run_int(run, "workers"), nj = (int)run_int(run, "jobs");
	int job_ms = (int)run_int(run, "job_ms");
	uint64_t rnd = run->seed * 2654435761u + 1;
	struct httpd *h;
	int rc;

	fd_limit_raise();
	if ((rc = httpd_start(&h, NULL)) != 0) {
		run_fail(run, "could not start the loopback server: %s", uv_strerror(rc));
		return -1;
	}
	struct pool p = {.run = run, .njobs = nj, .workers = nw, .port = httpd_port(h),
	                 .line_fetch = run_lesson_line(run, "fetch")};
	p.jobs = calloc((size_t)nj, sizeof(*p.jobs));
	p.order = calloc((size_t)nj, sizeof(*p.order));
	struct pool_worker *w = calloc((size_t)nw, sizeof(*w));
	pthread_t *th = calloc((size_t)nw, sizeof(*th));
	if (!p.jobs || !p.order || !w || !th) {
		free(p.jobs);
		free(p.order);
		free(w);
		free(th);
		httpd_stop(h);
		run_fail(run, "out of memory");
		return -1;
	}
	struct stop_watch watch;
	if (stop_watch_start(&watch, run, h) != 0) {
		free(p.jobs);
		free(p.order);
		free(w);
		free(th);
		httpd_stop(h);
		return -1;
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.work, NULL);
	pthread_cond_init(&p.done, NULL);
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_bind(main_task);
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "pool"), "ThreadPoolExecutor(max_workers)");
	int started = 0;
	for (int i = 0; i < nw; i++) {
		char name[32];
		snprintf(name, sizeof(name), "worker-%d", i + 1);
		w[i] = (struct pool_worker){&p, trace_task_new_child(name, KIND_THREAD, "pool", main_task), i};
		if (threads_start(&th[i], pool_worker_main, &w[i]) != 0)
			break;
		started++;
	}

	uint64_t t0 = clock_now_ns();
	pool_submit_all(run, &p, main_task, started, job_ms, &rnd);

	pool_as_completed(run, &p, main_task, started);
	pthread_mutex_lock(&p.mu);
	p.closed = 1;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.mu);
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "shutdown"), "pool.shutdown(wait=True)");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	double wall = threads_ms(clock_now_ns() - t0);
	trace_end(main_task);

	long sum_ms = 0;
	for (int i = 0; i < nj; i++)
		sum_ms += p.jobs[i].latency_ms;
	run_result_num(run, "pool_ms", wall);
	run_result_num(run, "jobs_sum_ms", (double)sum_ms);
	run_result_num(run, "workers", started);
	stop_watch_end(&watch);
	pthread_cond_destroy(&p.work);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.mu);
	free(p.jobs);
	free(p.order);
	free(w);
	free(th);
	httpd_stop(h);
	if (started < nw) {
		run_fail(run, "could start only %d of %d workers", started, nw);
		return -1;
	}
	return 0;
}

static const struct param_spec download_params[] = {
	{.name = "files", .type = PARAM_INT, .def = 3, .min = 1, .max = 1000, .unit = "threads",
	 .help = "files to download (one thread each)"},
	{.name = "latency_ms", .type = PARAM_INT, .def = 500, .min = 0, .max = 10000, .unit = "ms",
	 .help = "server's time to first byte"},
	{.name = "size_kb", .type = PARAM_INT, .def = 100, .min = 0, .max = 100000, .unit = "kB",
	 .help = "size of each file"},
	{.name = "kbps", .type = PARAM_INT, .def = 0, .min = 0, .max = 10000000, .unit = "kbit/s",
	 .help = "bandwidth per connection (0: unlimited)"},
	{.name = "sequential", .type = PARAM_BOOL, .def = 1, .min = 0, .max = 1,
	 .help = "run the one-after-another baseline first (off for many files)"},
};

static const struct param_spec pool_params[] = {
	{.name = "workers", .type = PARAM_INT, .def = 3, .min = 1, .max = 64, .unit = "threads",
	 .help = "threads in the pool (max_workers)"},
	{.name = "jobs", .type = PARAM_INT, .def = 10, .min = 1, .max = 1000, .unit = "jobs",
	 .help = "jobs submitted"},
	{.name = "job_ms", .type = PARAM_INT, .def = 200, .min = 1, .max = 5000, .unit = "ms",
	 .help = "typical job length (each is a download of 0.5x to 1.5x this latency)"},
};

static const struct demo threads_demos[] = {
	{
		.name = "interleave",
		.summary = "two threads print numbers and letters; the scheduler picks the order",
		.description = "One thread prints Number 1..5, the other Letter a..e, each pausing "
		               "before every line. Both run at once, so their lines interleave, "
		               "in an order neither thread controls. busy=N adds CPU-bound Python "
		               "threads: they take turns holding the GIL and the lines come late.",
		.params = interleave_params,
		.nparams = DEMO_COUNT(interleave_params),
		.main = interleave_main,
	},
	{
		.name = "download",
		.summary = "I/O-bound: files downloaded one after another, then one thread each",
		.description = "Each download waits for the loopback server (latency). One after "
		               "another the waits add up; in threads they overlap, so N files take "
		               "about as long as one.",
		.params = download_params,
		.nparams = DEMO_COUNT(download_params),
		.main = download_main,
	},
	{
		.name = "gil",
		.summary = "CPU-bound threads without and with an emulation of CPython's GIL",
		.description = "CPU-bound threads run in parallel without a GIL; with the emulated "
		               "CPython 3.2+ GIL they take turns every switch interval (5 ms) and gain "
		               "nothing. Then the convoy effect: an I/O thread waits for the GIL after "
		               "its socket calls. Says so when the machine is too busy to measure.",
		.params = threads_gil_params,
		.nparams = THREADS_GIL_NPARAMS,
		.main = threads_gil_main,
	},
	{
		.name = "race",
		.summary = "a shared counter: where CPython switches threads decides the lost updates",
		.description = "T threads update a global counter M times each: `counter += 1`, "
		               "then a read, a call and a write, then the same under a lock; with the "
		               "emulated GIL (CPython) and without it (free-threaded). Under the GIL "
		               "only the version with a call between read and write loses updates; "
		               "without it both do; the lock is exact in both.",
		.params = threads_race_params,
		.nparams = THREADS_RACE_NPARAMS,
		.main = threads_race_main,
	},
	{
		.name = "pool",
		.summary = "a ThreadPoolExecutor: W workers, J jobs, results in completion order",
		.description = "Jobs wait in the queue (ready) until one of the W workers is free; "
		               "results are printed as they complete, not in the order submitted.",
		.params = pool_params,
		.nparams = DEMO_COUNT(pool_params),
		.main = pool_main,
	},
	{
		.name = "daemon",
		.summary = "daemon threads: the program waits for the others at its end, cuts daemons off",
		.description = "Three small programs, each a real process: a worker thread with "
		               "daemon=False is waited for when main ends; with daemon=True the "
		               "process exits and the worker stops mid-work; join() waits for it "
		               "anyway.",
		.params = threads_daemon_params,
		.nparams = THREADS_DAEMON_NPARAMS,
		.main = threads_daemon_main,
	},
	{
		.name = "wakeup",
		.summary = "three threads wait, only T3's data comes: the kernel wakes T3 alone, as a loop would",
		.description = "T1, T2 and T3 wait for downloads; only T3's arrives early. The "
		               "kernel's own counters show T1 and T2 are never woken while they "
		               "wait; then the same three waits on one event loop, which wakes "
		               "once, for T3.",
		.params = threads_wakeup_params,
		.nparams = THREADS_WAKEUP_NPARAMS,
		.main = threads_wakeup_main,
	},
};

const struct demo_module threads_module = {
	.name = "threads",
	.title = "Threads",
	.order = 10,
	.demos = threads_demos,
	.ndemos = DEMO_COUNT(threads_demos),
	.worker = threads_worker,
};
