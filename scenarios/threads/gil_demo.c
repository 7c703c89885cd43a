/*
 * gil_demo.c: threads/gil, CPU-bound threads without and with the emulated
 * CPython GIL, then the convoy effect.
 *
 * It mirrors gil.py. Sequential: main counts primes for every job. GIL
 * off: one thread per job, really in parallel (what C code that releases
 * the GIL, or a free-threaded CPython, would get). GIL on: the same threads
 * under the emulated GIL (gil.h), checking the eval breaker between small
 * units of work as count_primes' loops do at every backward jump. Convoy:
 * a CPU-bound thread and an I/O-bound one under the GIL; the I/O thread's
 * client releases the GIL around every socket call, as CPython's socket
 * module does, and has to wait for it after each call that blocked.
 *
 * A busy machine must not turn the lesson upside down, so every phase also
 * measures, from the kernel's schedstat, how much CPU its threads got and
 * how long they waited for a core behind other programs. Cores used (CPU ÷
 * wall) stays honest under load: the GIL never lets the threads use more
 * than one core. When other programs held our threads off the cores, or
 * the timings came out in an order the lesson cannot explain, the demo
 * says so (a mark from main and the results panel) rather than letting a
 * wall-clock ratio speak for the GIL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "demo.h"
#include "gil.h"
#include "httpd.h"
#include "run.h"
#include "threads/common.h"
#include "trace.h"

#define GIL_THREADS_MAX 16
/* Share of their runnable time our threads may spend waiting for a core
 * behind other programs before the figures stop being the GIL's. */
#define GIL_BUSY_DELAY_SHARE 0.2

/* CPU and run-queue time of a phase's threads (schedstat), and its wall. */
struct gil_usage {
	uint64_t wall_ns, cpu_ns, delay_ns;
};

static double usage_cores(const struct gil_usage *u)
{
	return u->wall_ns ? (double)u->cpu_ns / (double)u->wall_ns : 0;
}

static double usage_delay_share(const struct gil_usage *u)
{
	uint64_t wanted = u->cpu_ns + u->delay_ns;
	return wanted ? (double)u->delay_ns / (double)wanted : 0;
}

struct spinner {
	struct run *run;
	struct gil *g; /* NULL: GIL off */
	trace_task_t task;
	const char *name;
	uint64_t units, chunk;
	int line;
	atomic_int *stop;        /* convoy: spin until set, instead of `units` */
	uint64_t cpu_ns, delay_ns; /* schedstat over the thread's life */
};

/* CPU-bound: count primes in small units, checking for a GIL drop request
 * between units as CPython's eval loop does at each backward jump. */
static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	uint64_t c0, d0, c1, d1;
	threads_sched_self(&c0, &d0);
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
	threads_sched_self(&c1, &d1);
	s->cpu_ns = c1 - c0;
	s->delay_ns = d1 - d0;
	return NULL;
}

/* K spinners in group `group`; fills *u. */
static void gil_phase(struct run *run, trace_task_t main_task, const char *group, struct gil *g, int k,
                      uint64_t units, uint64_t chunk, struct gil_usage *u)
{
	struct spinner s[GIL_THREADS_MAX];
	pthread_t th[GIL_THREADS_MAX];
	int started = 0;
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "start"), "t.start()");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < k; i++) {
		char name[32];
		snprintf(name, sizeof(name), "%s-%d", g ? "gil" : "nogil", i + 1);
		s[i] = (struct spinner){run, g, trace_task_new_child(name, KIND_THREAD, group, main_task),
		                        g ? "gil thread" : "thread", units, chunk, run_lesson_line(run, "work"),
		                        NULL, 0, 0};
		gil_name_task(g, s[i].task, name);
		if (threads_start(&th[i], spinner_main, &s[i]) != 0)
			break;
		started++;
	}
	trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "join"), "t.join()");
	*u = (struct gil_usage){0};
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		u->cpu_ns += s[i].cpu_ns;
		u->delay_ns += s[i].delay_ns;
	}
	u->wall_ns = clock_now_ns() - t0;
	if (started < k)
		run_fail(run, "could start only %d of %d threads", started, k);
}

/* ---- the convoy ---- */

struct convoy_io {
	struct run *run;
	struct gil *g;
	trace_task_t task;
	int port, rounds, io_ms;
	uint64_t *waits;    /* per request: time spent waiting to get the GIL back */
	uint64_t *requests; /* per request: from the start to the reply handled */
	atomic_int *stop;
	int line_get, line_work;
};

/* One socket call the CPython way: drop the GIL, make the call (drawn as
 * io), take the GIL back (often at once: a call that did not block finds
 * it still free; after one that blocked, the CPU-bound thread has it).
 * Adds the time spent getting it back to *wait. */
#define PY_SOCKET_CALL(c, wait, what, call)                                      \
	do {                                                                         \
		trace_state_at((c)->task, STATE_IO, (c)->line_get, what " (GIL released)"); \
		gil_release((c)->g, (c)->task);                                          \
		call;                                                                    \
		uint64_t t_ = clock_now_ns();                                            \
		gil_acquire((c)->g, (c)->task, (c)->line_get);                           \
		*(wait) += clock_now_ns() - t_;                                          \
	} while (0)

/* urllib.request.urlopen(url).read() as the socket calls it makes:
 * getaddrinfo, connect, send the request, recv until the headers and the body are in,
 * close. Returns the body's length or -errno. */
static long convoy_fetch(struct convoy_io *c, const char *path, uint64_t *wait)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
	char buf[8192], req[256];
	long rc = 0, body = -1;
	size_t have = 0;
	ssize_t r;
	int e = 0;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", c->port);
	/* socket.create_connection looks the host up first (GIL released). */
	PY_SOCKET_CALL(c, wait, "getaddrinfo", rc = getaddrinfo("127.0.0.1", port, &hints, &ai) ? -EHOSTUNREACH : 0);
	if (ai)
		freeaddrinfo(ai);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = rc == 0 ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
	if (fd < 0)
		return rc ? rc : -errno;
	PY_SOCKET_CALL(c, wait, "connect", rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0);
	int len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
	                   path, c->port);
	if (rc == 0)
		PY_SOCKET_CALL(c, wait, "send the request", rc = send(fd, req, (size_t)len, MSG_NOSIGNAL) == len ? 0 : -EPROTO);
	while (rc == 0) {
		PY_SOCKET_CALL(c, wait, "recv", (r = recv(fd, buf + have, sizeof(buf) - 1 - have, 0), e = errno));
		if (r <= 0) {
			rc = r < 0 ? -e : -EPROTO;
			break;
		}
		have += (size_t)r;
		buf[have] = '\0';
		const char *eoh = strstr(buf, "\r\n\r\n"), *cl = strcasestr(buf, "\r\nContent-Length:");
		if (eoh && cl && cl < eoh && (long)(have - (size_t)(eoh + 4 - buf)) >= strtol(cl + 17, NULL, 10)) {
			body = strtol(cl + 17, NULL, 10);
			break;
		}
		if (have >= sizeof(buf) - 1)
			rc = -EPROTO;
	}
	PY_SOCKET_CALL(c, wait, "close", close(fd));
	return rc < 0 ? rc : body;
}

/* I/O-bound under the GIL: requests (GIL released in every socket call),
 * then a little CPU work with the GIL to handle each reply. */
static void *convoy_io_main(void *arg)
{
	struct convoy_io *c = arg;
	char path[64];
	snprintf(path, sizeof(path), "/bytes/1000?latency_ms=%d", c->io_ms);
	trace_bind(c->task);
	gil_acquire(c->g, c->task, c->line_work);
	for (int i = 0; i < c->rounds && !run_stopping(c->run); i++) {
		uint64_t t0 = clock_now_ns(), wait = 0;
		long got = convoy_fetch(c, path, &wait);
		trace_state_at(c->task, STATE_RUNNING, c->line_work, "handle(r.read())");
		cpuburn_ns(100 * NS_PER_US);
		c->waits[i] = wait;
		c->requests[i] = clock_now_ns() - t0;
		if (got < 0)
			trace_markf(c->task, "reply %d: %s", i + 1, strerror((int)-got));
		else
			trace_markf(c->task, "reply %d after %.1f ms waiting for the GIL", i + 1, threads_ms(wait));
	}
	trace_end(c->task);
	gil_release(c->g, c->task);
	atomic_store(c->stop, 1);
	return NULL;
}

static double median_ms(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), threads_cmp_u64);
	return n % 2 ? threads_ms(v[n / 2]) : threads_ms((v[n / 2 - 1] + v[n / 2]) / 2);
}

static void convoy_results(struct run *run, struct convoy_io *io)
{
	int n = 0;
	while (n < io->rounds && io->requests[n] != 0)
		n++; /* fewer when cut short by a stop */
	if (n > 0) {
		run_result_num(run, "convoy_gil_wait_median_ms", median_ms(io->waits, n));
		run_result_num(run, "convoy_request_median_ms", median_ms(io->requests, n));
	}
	run_result_num(run, "convoy_io_ms", (double)io->io_ms);
}

static int convoy_run(struct run *run, trace_task_t main_task, struct gil *g, struct httpd *h, uint64_t chunk)
{
	int rounds = (int)run_int(run, "io_rounds");
	uint64_t *waits = calloc((size_t)rounds, sizeof(*waits)), *requests = calloc((size_t)rounds, sizeof(*requests));
	atomic_int stop = 0;
	int ok = waits && requests;
	const char *group = "convoy (emulated GIL)";
	struct spinner cpu = {run, g, trace_task_new_child("cpu", KIND_THREAD, group, main_task), "cpu thread", 0,
	                      chunk, run_lesson_line(run, "cpu_work"), &stop, 0, 0};
	struct convoy_io io = {run, g, trace_task_new_child("io", KIND_THREAD, group, main_task), httpd_port(h),
	                       rounds, (int)run_int(run, "io_ms"), waits, requests, &stop,
	                       run_lesson_line(run, "io_get"), run_lesson_line(run, "io_work")};
	gil_name_task(g, cpu.task, "cpu");
	gil_name_task(g, io.task, "io");
	pthread_t th[2];
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "convoy_start"), "cpu.start()");
	ok = ok && threads_start(&th[0], spinner_main, &cpu) == 0;
	if (ok && threads_start(&th[1], convoy_io_main, &io) != 0) {
		atomic_store(&stop, 1);
		pthread_join(th[0], NULL);
		ok = 0;
	}
	if (ok) {
		trace_state_at(main_task, STATE_JOIN, run_lesson_line(run, "convoy_join"), "cpu.join()");
		pthread_join(th[1], NULL);
		pthread_join(th[0], NULL);
		convoy_results(run, &io);
	} else {
		trace_end(cpu.task);
		trace_end(io.task);
		run_fail(run, "could not start the convoy threads");
	}
	free(waits);
	free(requests);
	return ok ? 0 : -1;
}

static int convoy_phase(struct run *run, trace_task_t main_task, uint64_t interval_ns, uint64_t chunk)
{
	struct httpd *h;
	int rc = httpd_start(&h, NULL);
	if (rc != 0) {
		run_fail(run, "could not start the loopback server: %s", uv_strerror(rc));
		return -1;
	}
	struct gil *g = gil_new(interval_ns);
	if (!g) {
		httpd_stop(h);
		run_fail(run, "out of memory");
		return -1;
	}
	trace_milestone("convoy effect: one CPU-bound and one I/O-bound thread under the GIL");
	struct stop_watch watch;
	if (stop_watch_start(&watch, run, h) != 0) {
		gil_free(g);
		httpd_stop(h);
		return -1;
	}
	rc = convoy_run(run, main_task, g, h, chunk);
	stop_watch_end(&watch);
	gil_free(g);
	httpd_stop(h);
	return rc;
}

/* ---- was the machine free enough to measure? ---- */

/*
 * Other programs' share of the machine over the run so far, 0..1, or -1
 * when unknown. The one shared reader of /proc/stat (src/load.h) is being
 * built; until it is on main this says "unknown", and the verdict rests on
 * our own threads' run-queue delay, which the kernel counts for them.
 */
static double gil_other_load(void)
{
	return -1;
}

/* Writes the verdict into out; returns 1 when the figures are not the
 * GIL's (the machine was too busy, or the order makes no sense). */
static int gil_verdict(const struct gil_usage *seq, const struct gil_usage *off, const struct gil_usage *on, int k,
                       char *out, size_t n)
{
	/* More threads than cores wait for one another in GIL off: that
	 * share of their wait is ours, not other programs'. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double own = cores > 0 && k > cores ? 1.0 - (double)cores / k : 0;
	double delay = usage_delay_share(seq);
	if (usage_delay_share(off) - own > delay)
		delay = usage_delay_share(off) - own;
	if (usage_delay_share(on) > delay)
		delay = usage_delay_share(on);
	double other = gil_other_load();
	/* The lesson's order: off beats on (when there are threads to run in
	 * parallel), and on gains nothing over sequential. */
	int order_ok = (k < 2 || off->wall_ns < on->wall_ns) && (double)on->wall_ns > 0.8 * (double)seq->wall_ns;
	if (delay > GIL_BUSY_DELAY_SHARE || (other >= 0 && other > 0.25) || !order_ok) {
		snprintf(out, n,
		         "machine too busy to measure: our threads waited %.0f%% of the time for a core%s; "
		         "these timings are not the GIL's: close other programs, press r",
		         100 * delay, order_ok ? "" : " and the results came out of order");
		return 1;
	}
	snprintf(out, n, "machine free enough: our threads waited %.0f%% of the time for a core", 100 * delay);
	return 0;
}

/* The TUI's panel is about 44 columns wide. */
#define GIL_PANEL_WIDTH 42

static void gil_panel(struct run *run, const struct gil_usage *seq, const struct gil_usage *off,
                      const struct gil_usage *on, const char *verdict)
{
	char line[RUN_PANEL_WIDTH];
	snprintf(line, sizeof(line), "sequential %6.0f ms         %.2f cores", threads_ms(seq->wall_ns),
	         usage_cores(seq));
	run_panel_set(run, 0, "measured (cores used = CPU / wall)", line);
	snprintf(line, sizeof(line), "GIL off    %6.0f ms  x%.2f  %.2f cores", threads_ms(off->wall_ns),
	         (double)seq->wall_ns / (double)off->wall_ns, usage_cores(off));
	run_panel_set(run, 1, NULL, line);
	snprintf(line, sizeof(line), "GIL on     %6.0f ms  x%.2f  %.2f cores", threads_ms(on->wall_ns),
	         (double)seq->wall_ns / (double)on->wall_ns, usage_cores(on));
	run_panel_set(run, 2, NULL, line);
	threads_panel_wrap(run, 3, verdict, GIL_PANEL_WIDTH);
}

static void gil_results(struct run *run, trace_task_t main_task, const struct gil_usage *seq,
                        const struct gil_usage *off, const struct gil_usage *on, int k)
{
	char verdict[256];
	int busy = gil_verdict(seq, off, on, k, verdict, sizeof(verdict));
	run_result_num(run, "sequential_ms", threads_ms(seq->wall_ns));
	run_result_num(run, "gil_off_ms", threads_ms(off->wall_ns));
	run_result_num(run, "gil_on_ms", threads_ms(on->wall_ns));
	run_result_num(run, "speedup_gil_off", (double)seq->wall_ns / (double)off->wall_ns);
	run_result_num(run, "speedup_gil_on", (double)seq->wall_ns / (double)on->wall_ns);
	run_result_num(run, "sequential_cores", usage_cores(seq));
	run_result_num(run, "gil_off_cores", usage_cores(off));
	run_result_num(run, "gil_on_cores", usage_cores(on));
	run_result_num(run, "waited_for_core_ms", threads_ms(seq->delay_ns + off->delay_ns + on->delay_ns));
	run_result_num(run, "machine_too_busy", busy);
	gil_panel(run, seq, off, on, verdict);
	if (busy) {
		trace_state(main_task, STATE_RUNNING, "the machine was too busy");
		trace_markf(main_task, "machine too busy to measure (see the panel)");
	}
}

int threads_gil_main(struct run *run)
{
	int k = (int)run_int(run, "threads");
	uint64_t work_ns = (uint64_t)run_int(run, "work_ms") * NS_PER_MS;
	uint64_t interval_ns = (uint64_t)(run_num(run, "switch_interval_ms") * (double)NS_PER_MS);
	struct gil_usage seq = {0}, off = {0}, on = {0};
	uint64_t c0, d0, c1, d1;
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, NULL);
	trace_bind(main_task);
	trace_state(main_task, STATE_RUNNING, "calibrating the CPU burn");
	uint64_t units = cpuburn_units(work_ns);
	/* A unit of ~50 us between checks: CPython checks its eval breaker
	 * at every backward jump, far more often than the switch interval. */
	uint64_t chunk = cpuburn_units(50 * NS_PER_US);
	run_result_num(run, "calibration_ns_per_unit", cpuburn_calibrate());

	/* Sequential baseline: main does every job itself. */
	trace_milestone("sequential: the jobs one after another");
	trace_state_at(main_task, STATE_RUNNING, run_lesson_line(run, "seq"), "count_primes() x K");
	threads_sched_self(&c0, &d0);
	uint64_t t0 = clock_now_ns();
	for (uint64_t done = 0; done < (uint64_t)k * units && !run_stopping(run); done += chunk)
		cpuburn_run(chunk);
	seq.wall_ns = clock_now_ns() - t0;
	threads_sched_self(&c1, &d1);
	seq.cpu_ns = c1 - c0;
	seq.delay_ns = d1 - d0;
	if (run_stopping(run))
		goto out;

	trace_milestone("GIL off: real parallel threads (C that releases the GIL, or free-threaded CPython)");
	gil_phase(run, main_task, "GIL off", NULL, k, units, chunk, &off);
	if (run_stopping(run))
		goto out;

	trace_milestone("GIL on (emulation of CPython's GIL)");
	struct gil *g = gil_new(interval_ns);
	if (!g) {
		run_fail(run, "out of memory");
		trace_end(main_task);
		return -1;
	}
	gil_phase(run, main_task, "GIL on (emulated)", g, k, units, chunk, &on);
	if (!run_stopping(run)) {
		gil_results(run, main_task, &seq, &off, &on, k);
		run_result_num(run, "gil_switches", (double)gil_switches(g));
		run_result_num(run, "gil_switch_interval_median_ms", gil_switch_interval_median_ms(g));
	}
	gil_free(g);

	if (run_bool(run, "convoy") && !run_stopping(run) && convoy_phase(run, main_task, interval_ns, chunk) != 0) {
		trace_end(main_task);
		return -1;
	}
out:
	trace_end(main_task);
	return 0;
}

const struct param_spec threads_gil_params[THREADS_GIL_NPARAMS] = {
	{.name = "threads", .type = PARAM_INT, .def = 2, .min = 1, .max = GIL_THREADS_MAX, .unit = "threads",
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
