/*
 * threads.c: the threads module: real pthreads, and what the OS did with
 * them.
 *
 * threads/interleave is the first program of every threading course: one
 * thread prints numbers, another letters, each pausing between lines. The
 * order of the lines is up to the scheduler; `busy` CPU-bound threads beside
 * them make the sampler show `preempted` time once there are more runnable
 * threads than cores.
 *
 * threads/download: files fetched from the loopback server one after
 * another, then one thread each. threads/gil: CPU-bound threads without and
 * with the emulated CPython GIL, then the convoy effect. threads/race: a
 * shared counter without and with a mutex. threads/pool: a fixed pool of
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
#include "trace.h"

/* Worker threads get small stacks, so a thousand of them stay cheap. */
#define THREAD_STACK (256 * 1024)

static int thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, THREAD_STACK);
	int rc = pthread_create(th, &a, fn, arg);
	pthread_attr_destroy(&a);
	return rc;
}

static double ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* ---- threads/interleave ---- */

struct printer {
	struct run *run;
	trace_task_t task;
	const char *what;  /* "Number" or "Letter" */
	int letters;       /* print a, b, c... instead of 1, 2, 3... */
	int line_sleep, line_print;
};

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	long count = run_int(p->run, "count");
	uint64_t pause = (uint64_t)run_int(p->run, "pause_ms") * NS_PER_MS;

	trace_bind(p->task);
	for (long i = 0; i < count && !run_stopping(p->run); i++) {
		trace_state_at(p->task, STATE_SLEEP, p->line_sleep, "time.sleep(pause)");
		if (run_sleep_ns(p->run, pause) != 0)
			break;
		trace_state_at(p->task, STATE_RUNNING, p->line_print, "print");
		if (p->letters)
			trace_markf(p->task, "%s %c", p->what, (char)('a' + i));
		else
			trace_markf(p->task, "%s %ld", p->what, i + 1);
	}
	trace_end(p->task);
	return NULL;
}

struct busy {
	struct run *run;
	trace_task_t task;
	atomic_int *stop;
	int line;
};

/* Burns CPU in 1 ms units until the printers are done. */
static void *busy_main(void *arg)
{
	struct busy *b = arg;
	uint64_t unit = cpuburn_units(NS_PER_MS);
	trace_bind(b->task);
	trace_state_at(b->task, STATE_RUNNING, b->line, "count primes");
	while (!atomic_load(b->stop) && !run_stopping(b->run))
		cpuburn_run(unit);
	trace_end(b->task);
	return NULL;
}

static int interleave_main(struct run *run)
{
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	struct printer p[2] = {
		{run, trace_task_new_child("numbers", KIND_THREAD, NULL, main_task), "Number", 0,
		 run_lesson_line(run, "numbers_sleep"), run_lesson_line(run, "numbers_print")},
		{run, trace_task_new_child("letters", KIND_THREAD, NULL, main_task), "Letter", 1,
		 run_lesson_line(run, "letters_sleep"), run_lesson_line(run, "letters_print")},
	};
	pthread_t th[2];
	int started = 0;
	int nbusy = (int)run_int(run, "busy"), busy_started = 0;
	struct busy busy[16];
	pthread_t busy_th[16];
	atomic_int busy_stop = 0;

	trace_bind(main_task);
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "starting threads");
	if (nbusy > 0)
		cpuburn_calibrate(); /* before the printers start, not in their time */
	for (int i = 0; i < nbusy; i++) {
		char name[32];
		snprintf(name, sizeof(name), "busy-%d", i + 1);
		busy[i] = (struct busy){run, trace_task_new_child(name, KIND_THREAD, "busy", main_task), &busy_stop,
		                        run_lesson_line(run, "busy")};
		if (thread_start(&busy_th[i], busy_main, &busy[i]) != 0)
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
	if (busy_started < nbusy && started == 2)
		run_fail(run, "could start only %d of %d busy threads", busy_started, nbusy);
	return started == 2 && busy_started == nbusy ? 0 : -1;
}

static const struct param_spec interleave_params[] = {
	{.name = "pause_ms", .type = PARAM_INT, .def = 100, .min = 0, .max = 5000, .unit = "ms",
	 .help = "pause before each line"},
	{.name = "count", .type = PARAM_INT, .def = 5, .min = 1, .max = 26, .unit = "lines",
	 .help = "lines each thread prints"},
	{.name = "busy", .type = PARAM_INT, .def = 0, .min = 0, .max = 16, .unit = "threads",
	 .help = "CPU-bound threads beside the printers (more than cores: preempted)"},
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
struct stop_watch {
	struct run *run;
	struct httpd *h;
	atomic_int done;
	pthread_t th;
	int started;
};

static void *stop_watch_main(void *arg)
{
	struct stop_watch *w = arg;
	struct timespec tick = {0, 10 * (long)NS_PER_MS};
	while (!atomic_load(&w->done)) {
		if (run_stopping(w->run)) {
			httpd_refuse(w->h);
			break;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

/* Returns 0, or an errno when the thread cannot start: then a stop could
 * not reach threads blocked in recv, and the demo must not begin. */
static int stop_watch_start(struct stop_watch *w, struct run *run, struct httpd *h)
{
	w->run = run;
	w->h = h;
	atomic_store(&w->done, 0);
	int rc = thread_start(&w->th, stop_watch_main, w);
	w->started = rc == 0;
	return rc;
}

static void stop_watch_end(struct stop_watch *w)
{
	atomic_store(&w->done, 1);
	if (w->started)
		pthread_join(w->th, NULL);
	w->started = 0;
}

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

	if ((rc = stop_watch_start(&watch, run, h)) != 0) {
		free(f);
		free(th);
		httpd_stop(h);
		run_fail(run, "could not start the thread that watches for a stop: %s", strerror(rc));
		return -1;
	}

	/* One after another, on the main thread. */
	double seq_ms = 0;
	int ok = 1;
	if (run_bool(run, "sequential")) {
		trace_milestone("sequential: one download after another");
		trace_task_t seq = trace_task_new("main (sequential)", KIND_MAIN, "sequential");
		trace_bind(seq);
		uint64_t t0 = clock_now_ns();
		for (int i = 0; i < n && !run_stopping(run); i++) {
			f[i].task = seq;
			f[i].line_get = run_lesson_line(run, "seq_get");
			f[i].line_print = run_lesson_line(run, "seq_print");
			fetch_one(&f[i]);
			ok &= f[i].got == size;
		}
		seq_ms = ns_to_ms(clock_now_ns() - t0);
		trace_end(seq);
	}

	/* One thread per file. */
	trace_milestone("threaded: one thread per download");
	trace_task_t main_task = trace_task_new("main (threads)", KIND_MAIN, "threaded");
	trace_bind(main_task);
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	int started = 0;
	for (int i = 0; i < n && !run_stopping(run); i++) {
		char name[32];
		snprintf(name, sizeof(name), "thread-%d", i + 1);
		f[i].task = trace_task_new_child(name, KIND_THREAD, "threaded", main_task);
		f[i].line_get = run_lesson_line(run, "thread_get");
		f[i].line_print = run_lesson_line(run, "thread_print");
		if (thread_start(&th[i], fetcher_main, &f[i]) != 0) {
			trace_end(f[i].task);
			break;
		}
		started++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join() for every thread");
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		ok &= f[i].got == size;
	}
	double thr_ms = ns_to_ms(clock_now_ns() - t0);
	trace_end(main_task);
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

/* ---- threads/gil ---- */

struct spinner {
	struct run *run;
	struct gil *g; /* NULL: GIL off */
	trace_task_t task;
	const char *name;
	uint64_t units, chunk;
	int line;
	atomic_int *stop; /* convoy: spin until set, instead of `units` */
};

/* CPU-bound: count primes in small units, checking for a GIL drop request
 * between units as CPython's eval loop does between bytecodes. */
static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	trace_bind(s->task);
	if (s->g)
		gil_acquire(s->g, s->task, s->line);
	else
		trace_state_at(s->task, STATE_RUNNING, s->line, "count primes");
	for (uint64_t done = 0; s->stop ? !atomic_load(s->stop) : done < s->units; done += s->chunk) {
		if (run_stopping(s->run))
			break;
		cpuburn_run(s->chunk);
		gil_check(s->g, s->task, s->line);
	}
	trace_markf(s->task, "%s done", s->name);
	trace_end(s->task);
	gil_release(s->g, s->task);
	return NULL;
}

/* K spinners in group `group`; returns the wall time in ns. */
static uint64_t gil_phase(struct run *run, trace_task_t main_task, const char *group, struct gil *g, int k,
                          uint64_t units, uint64_t chunk)
{
	struct spinner s[16];
	pthread_t th[16];
	int started = 0;
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < k; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", g ? "gil" : "nogil", i + 1);
		s[i] = (struct spinner){run, g, trace_task_new_child(name, KIND_THREAD, group, main_task),
		                        NULL, units, chunk, run_lesson_line(run, "work"), NULL};
		s[i].name = g ? "gil thread" : "thread";
		gil_name_task(g, s[i].task, name);
		if (thread_start(&th[i], spinner_main, &s[i]) != 0)
			break;
		started++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join()");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (started < k)
		run_fail(run, "could start only %d of %d threads", started, k);
	return clock_now_ns() - t0;
}

struct convoy_io {
	struct run *run;
	struct gil *g;
	trace_task_t task;
	int port, rounds, io_ms;
	uint64_t *waits; /* per round: time from the end of I/O to holding the GIL */
	atomic_int *stop;
	int line_get, line_work;
};

/* I/O-bound under the GIL: fetch (GIL released), then a little CPU work
 * with the GIL, which it first has to get back from the CPU-bound thread. */
static void *convoy_io_main(void *arg)
{
	struct convoy_io *c = arg;
	char path[64];
	snprintf(path, sizeof(path), "/bytes/1000?latency_ms=%d", c->io_ms);
	trace_bind(c->task);
	gil_acquire(c->g, c->task, c->line_work);
	for (int i = 0; i < c->rounds && !run_stopping(c->run); i++) {
		trace_statef(c->task, STATE_IO, c->line_get, "GET 127.0.0.1:%d%s (GIL released)", c->port, path);
		gil_release(c->g, c->task);
		httpd_fetch(c->port, path);
		uint64_t t0 = clock_now_ns();
		gil_acquire(c->g, c->task, c->line_work);
		c->waits[i] = clock_now_ns() - t0;
		cpuburn_ns(100 * NS_PER_US); /* handle the reply */
		trace_markf(c->task, "reply %d after %.1f ms waiting for the GIL", i + 1, ns_to_ms(c->waits[i]));
	}
	trace_end(c->task);
	gil_release(c->g, c->task);
	atomic_store(c->stop, 1);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int convoy_phase(struct run *run, trace_task_t main_task, uint64_t interval_ns, uint64_t chunk)
{
	int rounds = (int)run_int(run, "io_rounds");
	struct httpd *h;
	int rc = httpd_start(&h, NULL);
	if (rc != 0) {
		run_fail(run, "could not start the loopback server: %s", uv_strerror(rc));
		return -1;
	}
	struct gil *g = gil_new(interval_ns);
	uint64_t *waits = calloc((size_t)rounds, sizeof(*waits));
	atomic_int stop = 0;
	struct stop_watch watch;
	if (!g || !waits || (rc = stop_watch_start(&watch, run, h)) != 0) {
		gil_free(g);
		free(waits);
		httpd_stop(h);
		if (rc != 0)
			run_fail(run, "could not start the thread that watches for a stop: %s", strerror(rc));
		else
			run_fail(run, "out of memory");
		return -1;
	}
	trace_milestone("convoy effect: one CPU-bound and one I/O-bound thread under the GIL");
	struct spinner cpu = {run, g, trace_task_new_child("cpu", KIND_THREAD, "convoy (emulated GIL)", main_task), "cpu thread",
	                      0, chunk, run_lesson_line(run, "work"), &stop};
	struct convoy_io io = {run, g, trace_task_new_child("io", KIND_THREAD, "convoy (emulated GIL)", main_task),
	                       httpd_port(h), rounds, (int)run_int(run, "io_ms"), waits, &stop,
	                       run_lesson_line(run, "io_get"), run_lesson_line(run, "io_work")};
	gil_name_task(g, cpu.task, "cpu");
	gil_name_task(g, io.task, "io");
	pthread_t th[2];
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	int ok = thread_start(&th[0], spinner_main, &cpu) == 0;
	if (ok && thread_start(&th[1], convoy_io_main, &io) != 0) {
		atomic_store(&stop, 1);
		pthread_join(th[0], NULL);
		ok = 0;
	}
	if (ok) {
		trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join()");
		pthread_join(th[1], NULL);
		pthread_join(th[0], NULL);
		int n = rounds;
		while (n > 0 && waits[n - 1] == 0)
			n--; /* cut short by a stop */
		if (n > 0) {
			qsort(waits, (size_t)n, sizeof(*waits), cmp_u64);
			run_result_num(run, "convoy_gil_wait_median_ms", ns_to_ms(waits[n / 2]));
		}
		run_result_num(run, "convoy_io_ms", (double)io.io_ms);
	} else {
		run_fail(run, "could not start the convoy threads");
	}
	stop_watch_end(&watch);
	gil_free(g);
	free(waits);
	httpd_stop(h);
	return ok ? 0 : -1;
}

static int gil_main(struct run *run)
{
	int k = (int)run_int(run, "threads");
	uint64_t work_ns = (uint64_t)run_int(run, "work_ms") * NS_PER_MS;
	uint64_t interval_ns = (uint64_t)(run_num(run, "switch_interval_ms") * (double)NS_PER_MS);
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_bind(main_task);
	trace_state(main_task, STATE_RUNNING, "calibrating the CPU burn");
	uint64_t units = cpuburn_units(work_ns);
	/* A unit of ~50 us between checks: CPython checks its eval breaker
	 * every few bytecodes, far more often than the switch interval. */
	uint64_t chunk = cpuburn_units(50 * NS_PER_US);
	run_result_num(run, "calibration_ns_per_unit", cpuburn_calibrate());

	/* Sequential baseline: main does every job itself. */
	trace_milestone("sequential: the jobs one after another");
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "seq"), "count_primes() x K");
	uint64_t t0 = clock_now_ns();
	for (uint64_t done = 0; done < (uint64_t)k * units && !run_stopping(run); done += chunk)
		cpuburn_run(chunk);
	uint64_t seq = clock_now_ns() - t0;
	if (run_stopping(run))
		goto out;

	trace_milestone("GIL off: real parallel threads");
	uint64_t off = gil_phase(run, main_task, "GIL off", NULL, k, units, chunk);
	if (run_stopping(run))
		goto out;

	trace_milestone("GIL on (emulation of CPython's GIL)");
	struct gil *g = gil_new(interval_ns);
	if (!g) {
		run_fail(run, "out of memory");
		trace_end(main_task);
		return -1;
	}
	uint64_t on = gil_phase(run, main_task, "GIL on (emulated)", g, k, units, chunk);
	run_result_num(run, "sequential_ms", ns_to_ms(seq));
	run_result_num(run, "gil_off_ms", ns_to_ms(off));
	run_result_num(run, "gil_on_ms", ns_to_ms(on));
	run_result_num(run, "speedup_gil_off", (double)seq / (double)off);
	run_result_num(run, "speedup_gil_on", (double)seq / (double)on);
	run_result_num(run, "gil_switches", (double)gil_switches(g));
	run_result_num(run, "gil_switch_interval_median_ms", gil_switch_interval_median_ms(g));
	gil_free(g);

	if (run_bool(run, "convoy") && !run_stopping(run) && convoy_phase(run, main_task, interval_ns, chunk) != 0) {
		trace_end(main_task);
		return -1;
	}
out:
	trace_end(main_task);
	return 0;
}

/* ---- threads/race ---- */

struct race_shared {
	struct run *run;
	atomic_long counter;
	pthread_mutex_t mu;
	atomic_int holder; /* index of the worker in the critical section */
	atomic_int go; /* set once every racer is started, so they overlap */
	long m;
	char (*names)[32];
};

struct racer {
	struct race_shared *s;
	trace_task_t task;
	int index, locked, line_inc, line_lock;
	uint64_t waits, wait_ns;
};

/* The few nanoseconds between reading the counter and writing it back
 * (in Python: the bytecodes of `counter += 1`). Without them the window
 * is a single instruction wide and the loop may finish before the other
 * threads have even started. */
static void race_step_work(void)
{
	for (volatile int k = 0; k < 8; k++)
		;
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct race_shared *s = r->s;
	uint64_t last_report = 0;
	trace_bind(r->task);
	trace_state_at(r->task, STATE_READY, TRACE_NO_LINE, "waiting for the others to start");
	while (!atomic_load(&s->go))
		sched_yield();
	trace_state_at(r->task, STATE_RUNNING, r->line_inc, "counter += 1");
	for (long i = 0; i < s->m; i++) {
		if ((i & 0xffff) == 0 && run_stopping(s->run))
			break;
		if (!r->locked) {
			/* Read, add, write back: what counter += 1 is, in three
			 * steps another thread can come between. */
			long v = atomic_load_explicit(&s->counter, memory_order_relaxed);
			race_step_work();
			atomic_store_explicit(&s->counter, v + 1, memory_order_relaxed);
			continue;
		}
		if (pthread_mutex_trylock(&s->mu) != 0) {
			/* Contended. Every wait is counted; at most one a
			 * millisecond is drawn, or the recorder would take
			 * millions of tiny spans. */
			uint64_t t0 = clock_now_ns();
			int draw = t0 - last_report >= NS_PER_MS;
			if (draw)
				trace_statef(r->task, STATE_LOCK, r->line_lock, "waiting for counter_lock held by %s",
				             s->names[atomic_load_explicit(&s->holder, memory_order_relaxed)]);
			pthread_mutex_lock(&s->mu);
			uint64_t t1 = clock_now_ns();
			r->waits++;
			r->wait_ns += t1 - t0;
			if (draw) {
				trace_state_at(r->task, STATE_RUNNING, r->line_inc, "counter += 1 (holding counter_lock)");
				last_report = t1;
			}
		}
		atomic_store_explicit(&s->holder, r->index, memory_order_relaxed);
		long v = atomic_load_explicit(&s->counter, memory_order_relaxed);
		race_step_work();
		atomic_store_explicit(&s->counter, v + 1, memory_order_relaxed);
		pthread_mutex_unlock(&s->mu);
	}
	trace_end(r->task);
	return NULL;
}

/* T racers, with or without the lock; returns the final count. */
static long race_phase(struct run *run, trace_task_t main_task, int locked, uint64_t *waits, uint64_t *wait_ns,
                       double *ms)
{
	int t = (int)run_int(run, "threads");
	struct race_shared s = {.run = run, .m = run_int(run, "increments")};
	struct racer *r = calloc((size_t)t, sizeof(*r));
	pthread_t *th = calloc((size_t)t, sizeof(*th));
	char(*names)[32] = calloc((size_t)t, sizeof(*names));
	if (!r || !th || !names) {
		free(r);
		free(th);
		free(names);
		return -1;
	}
	s.names = names;
	pthread_mutex_init(&s.mu, NULL);
	for (int i = 0; i < t; i++) {
		snprintf(names[i], sizeof(names[i]), "%s-%d", locked ? "locked" : "unlocked", i + 1);
		r[i] = (struct racer){&s, trace_task_new_child(names[i], KIND_THREAD, locked ? "with lock" : "no lock",
		                                               main_task),
		                      i, locked, run_lesson_line(run, locked ? "locked_inc" : "inc"),
		                      run_lesson_line(run, "lock"), 0, 0};
	}
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	int started = 0;
	for (int i = 0; i < t; i++) {
		if (thread_start(&th[i], racer_main, &r[i]) != 0)
			break;
		started++;
	}
	atomic_store(&s.go, 1);
	for (int i = started; i < t; i++)
		trace_end(r[i].task);
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join()");
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		*waits += r[i].waits;
		*wait_ns += r[i].wait_ns;
	}
	*ms = ns_to_ms(clock_now_ns() - t0);
	long total = started < t ? -1 : atomic_load(&s.counter);
	pthread_mutex_destroy(&s.mu);
	free(r);
	free(th);
	free(names);
	return total;
}

static int race_main(struct run *run)
{
	long expected = run_int(run, "threads") * run_int(run, "increments");
	uint64_t waits = 0, wait_ns = 0, w0 = 0, wn0 = 0;
	double unlocked_ms, locked_ms;
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_bind(main_task);

	trace_milestone("no lock: counter += 1 from every thread");
	long unlocked = race_phase(run, main_task, 0, &w0, &wn0, &unlocked_ms);
	if (unlocked < 0 || run_stopping(run))
		goto out;
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "print"), "print");
	trace_markf(main_task, "no lock:   expected %ld, got %ld (%ld updates lost)", expected, unlocked,
	            expected - unlocked);

	trace_milestone("with lock: counter += 1 inside `with counter_lock`");
	long locked = race_phase(run, main_task, 1, &waits, &wait_ns, &locked_ms);
	if (locked < 0 || run_stopping(run)) {
		unlocked = locked;
		goto out;
	}
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "print"), "print");
	trace_markf(main_task, "with lock: expected %ld, got %ld", expected, locked);

	run_result_num(run, "expected", (double)expected);
	run_result_num(run, "unlocked_total", (double)unlocked);
	run_result_num(run, "locked_total", (double)locked);
	run_result_num(run, "lost_updates", (double)(expected - unlocked));
	run_result_num(run, "unlocked_ms", unlocked_ms);
	run_result_num(run, "locked_ms", locked_ms);
	run_result_num(run, "lock_waits", (double)waits);
	run_result_num(run, "lock_wait_ms", ns_to_ms(wait_ns));
out:
	trace_end(main_task);
	if (unlocked < 0 && !run_stopping(run)) {
		run_fail(run, "could not start every thread");
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
	if ((rc = stop_watch_start(&watch, run, h)) != 0) {
		free(p.jobs);
		free(p.order);
		free(w);
		free(th);
		httpd_stop(h);
		run_fail(run, "could not start the thread that watches for a stop: %s", strerror(rc));
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
		if (thread_start(&th[i], pool_worker_main, &w[i]) != 0)
			break;
		started++;
	}

	/* Submit every job; each waits in the queue (ready) until a worker
	 * takes it. Durations vary (seeded), so they end out of order. */
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < nj; i++) {
		char name[32];
		struct job *j = &p.jobs[i];
		snprintf(name, sizeof(name), "job-%d", i + 1);
		j->index = i;
		j->latency_ms = job_ms / 2 + (int)(run_rand(&rnd) % (uint64_t)(job_ms + 1));
		j->task = trace_task_new_child(name, KIND_WORKER, "jobs", main_task);
		trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "submit"), "pool.submit(fetch, url)");
		pthread_mutex_lock(&p.mu);
		trace_statef(j->task, STATE_READY, run_lesson_line(run, "submit"), "queued (%d of %d workers busy)",
		             p.busy, started);
		p.submitted++;
		pthread_cond_signal(&p.work);
		pthread_mutex_unlock(&p.mu);
	}

	/* as_completed: print each result as it arrives. */
	int line_wait = run_lesson_line(run, "as_completed"), line_print = run_lesson_line(run, "print");
	pthread_mutex_lock(&p.mu);
	for (int k = 0; k < nj && started > 0; k++) {
		trace_state_at(main_task, STATE_JOIN, line_wait, "as_completed(futures)");
		while (p.ndone <= k)
			pthread_cond_wait(&p.done, &p.mu);
		struct job *j = &p.jobs[p.order[k]];
		trace_state_at(main_task, STATE_RUNNING, line_print, "print(f.result())");
		if (j->got >= 0)
			trace_markf(main_task, "job %d done: %ld bytes after %d ms", j->index + 1, j->got,
			            j->latency_ms);
		else
			trace_markf(main_task, "job %d: %s", j->index + 1, strerror((int)-j->got));
	}
	p.closed = 1;
	pthread_cond_broadcast(&p.work);
	pthread_mutex_unlock(&p.mu);
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "shutdown"), "pool.shutdown(wait=True)");
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	double wall = ns_to_ms(clock_now_ns() - t0);
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

static const struct param_spec gil_params[] = {
	{.name = "threads", .type = PARAM_INT, .def = 2, .min = 1, .max = 16, .unit = "threads",
	 .help = "CPU-bound threads"},
	{.name = "work_ms", .type = PARAM_INT, .def = 300, .min = 10, .max = 5000, .unit = "ms",
	 .help = "CPU work per thread (on a free core)"},
	{.name = "switch_interval_ms", .type = PARAM_FLOAT, .def = 5, .min = 0.1, .max = 100, .unit = "ms",
	 .help = "the GIL's switch interval (sys.setswitchinterval)"},
	{.name = "convoy", .type = PARAM_BOOL, .def = 1, .min = 0, .max = 1,
	 .help = "then one CPU-bound and one I/O-bound thread under the GIL"},
	{.name = "io_rounds", .type = PARAM_INT, .def = 20, .min = 1, .max = 1000, .unit = "requests",
	 .help = "requests the I/O-bound thread makes in the convoy"},
	{.name = "io_ms", .type = PARAM_INT, .def = 10, .min = 0, .max = 1000, .unit = "ms",
	 .help = "latency of each of those requests"},
};

static const struct param_spec race_params[] = {
	{.name = "threads", .type = PARAM_INT, .def = 4, .min = 1, .max = 64, .unit = "threads",
	 .help = "threads incrementing the shared counter"},
	{.name = "increments", .type = PARAM_INT, .def = 1000000, .min = 1, .max = 10000000, .unit = "times",
	 .help = "increments per thread"},
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
		               "in an order neither thread controls.",
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
		               "every reply.",
		.params = gil_params,
		.nparams = DEMO_COUNT(gil_params),
		.main = gil_main,
	},
	{
		.name = "race",
		.summary = "a shared counter: lost updates without a lock, exact with one",
		.description = "T threads do counter += 1 M times each. Without a lock, updates are "
		               "lost (expected vs actual); with a mutex the total is exact and the "
		               "threads wait for each other.",
		.params = race_params,
		.nparams = DEMO_COUNT(race_params),
		.main = race_main,
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
};

const struct demo_module threads_module = {
	.name = "threads",
	.title = "Threads",
	.order = 10,
	.demos = threads_demos,
	.ndemos = DEMO_COUNT(threads_demos),
};
