/*
 * loop.c: the event-loop module: asyncio's ideas on a real libuv loop.
 *
 * Every demo here runs coroutines from scenarios/lib/co.h on a libuv loop of
 * the scenario thread; each await is a real timer, TCP request to the
 * loopback server (scenarios/lib/httpd.h), file read or pool job. The task
 * functions follow the lesson's Python line by line; the `#@tag` lines they
 * report are looked up with run_lesson_line.
 *
 *   loop/sleep      two tasks alternate around await asyncio.sleep
 *   loop/gather     three downloads one after another, then gathered, then
 *                   as_completed
 *   loop/blocking   a blocking call freezes every task; to_thread fixes it
 *   loop/c10k       thousands of tasks, one thread, one connection each
 *   loop/generator  the generator coroutine: send, yield, close
 *   loop/wait       asyncio.wait, wait_for, cancel, TaskGroup (loop/wait_demo.c)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>

#include "clock.h"
#include "co.h"
#include "cpuburn.h"
#include "demo.h"
#include "gil.h"
#include "httpd.h"
#include "loop/loop_int.h"
#include "httpd_child.h"
#include "pycost.h"
#include "run.h"
#include "trace.h"

#define LINE(run, tag) run_lesson_line(run, tag)
/* Parameter maxima that size arrays. */
#define GATHER_DOWNLOADS_MAX 16 /* loop/gather downloads= */
#define BLOCKING_TICKERS_MAX 8  /* loop/blocking tickers= (plus the culprit) */

/* ---- loop/sleep ---- */

struct printer {
	const char *what; /* "Number" or "Letter" */
	int letters;
	const char *tag_print, *tag_sleep;
};

static void printer_task(struct co_task *task, void *arg)
{
	const struct printer *p = arg;
	struct run *run = co_task_run(task);
	long count = run_int(run, "count");
	uint64_t pause = (uint64_t)run_int(run, "pause_ms");

	for (long i = 0; i < count; i++) {
		trace_state_at(co_task_id(task), STATE_RUNNING, LINE(run, p->tag_print), "print");
		if (p->letters)
			trace_markf(co_task_id(task), "%s %c", p->what, (char)('a' + i));
		else
			trace_markf(co_task_id(task), "%s %ld", p->what, i + 1);
		if (co_sleep(task, pause, LINE(run, p->tag_sleep)) != 0)
			return;
	}
}

static const struct printer sleep_printers[2] = {
	{"Number", 0, "numbers_print", "numbers_sleep"},
	{"Letter", 1, "letters_print", "letters_sleep"},
};

static void sleep_main_task(struct co_task *task, void *arg)
{
	struct run *run = co_task_run(task);
	struct co_loop *loop = arg;
	struct co_task *t[2];
	trace_state_at(co_task_id(task), STATE_RUNNING, LINE(run, "create"), "create_task x2");
	t[0] = co_create_task(loop, task, "numbers", NULL, printer_task, (void *)&sleep_printers[0]);
	t[1] = co_create_task(loop, task, "letters", NULL, printer_task, (void *)&sleep_printers[1]);
	if (t[0] && t[1])
		co_gather(task, t, 2, LINE(run, "gather"));
}

static int sleep_main(struct run *run)
{
	struct co_loop *loop = co_loop_new(run, &(struct co_loop_options){0});
	if (!loop)
		return -1;
	int rc = co_create_task(loop, NULL, "main", NULL, sleep_main_task, loop) ? co_loop_run(loop)
	                                                                          : -1;
	run_result_num(run, "loop_idle_ms", (double)co_loop_idle_ns(loop) / 1e6);
	co_loop_free(loop);
	if (rc != 0 && !run_stopping(run)) {
		run_fail(run, "the event loop failed (%d)", rc);
		return -1;
	}
	return 0;
}

/* ---- loop/gather ---- */

struct download {
	int port;
	int index;
	int latency_ms;
	long size;
	size_t got;
	int status;
};

static int download_get(struct co_task *task, struct download *d)
{
	struct run *run = co_task_run(task);
	char path[96];
	snprintf(path, sizeof(path), "/bytes/%ld?latency_ms=%d", d->size, d->latency_ms);
	d->status = co_get(task, d->port, path, LINE(run, "get"), &d->got);
	if (d->status == 0) {
		trace_state_at(co_task_id(task), STATE_RUNNING, LINE(run, "print"), "print");
		trace_markf(co_task_id(task), "download %d: %zu bytes", d->index, d->got);
	}
	return d->status;
}

static void download_task(struct co_task *task, void *arg)
{
	download_get(task, arg);
}

struct gather_state {
	struct co_loop *loop;
	int port, n, latency_ms;
	long size;
	struct download d[3][GATHER_DOWNLOADS_MAX]; /* sequential, gathered, as_completed */
	double sequential_ms, gathered_ms;
	char order[96];
	int failed;
};

static void gather_main_task(struct co_task *task, void *arg)
{
	struct gather_state *g = arg;
	struct run *run = co_task_run(task);
	trace_task_t me = co_task_id(task);

	/* One after another: main awaits each download itself. */
	trace_milestone("one after another");
	uint64_t t0 = clock_now_ns();
	for (int i = 0; i < g->n; i++) {
		trace_state_at(me, STATE_RUNNING, LINE(run, "sequential"), "await download(i)");
		if (download_get(task, &g->d[0][i]) != 0) {
			g->failed = 1;
			return;
		}
	}
	g->sequential_ms = (double)(clock_now_ns() - t0) / 1e6;

	/* Gathered: all in flight at once; main waits for the last. */
	trace_milestone("asyncio.gather");
	struct co_task *t[GATHER_DOWNLOADS_MAX];
	t0 = clock_now_ns();
	for (int i = 0; i < g->n; i++) {
		char name[24];
		snprintf(name, sizeof(name), "download %d", i + 1);
		t[i] = co_create_task(g->loop, task, name, "gathered", download_task, &g->d[1][i]);
		if (!t[i])
			return;
	}
	if (co_gather(task, t, (size_t)g->n, LINE(run, "gather")) != 0)
		return;
	g->gathered_ms = (double)(clock_now_ns() - t0) / 1e6;
	for (int i = 0; i < g->n; i++)
		if (g->d[1][i].status != 0)
			g->failed = 1;

	/* as_completed: latencies differ, so results come back out of order. */
	trace_milestone("asyncio.as_completed");
	unsigned char taken[GATHER_DOWNLOADS_MAX] = {0};
	for (int i = 0; i < g->n; i++) {
		char name[24];
		snprintf(name, sizeof(name), "download %d", i + 1);
		t[i] = co_create_task(g->loop, task, name, "as_completed", download_task, &g->d[2][i]);
		if (!t[i])
			return;
	}
	size_t len = 0;
	int k;
	while ((k = co_next_completed(task, t, taken, (size_t)g->n, LINE(run, "as_completed"))) >= 0) {
		trace_state_at(me, STATE_RUNNING, LINE(run, "completed"), "print");
		trace_markf(me, "first done: download %d", k + 1);
		len += (size_t)snprintf(g->order + len, sizeof(g->order) - len, "%s%d", len ? "," : "",
		                        k + 1);
		if (len >= sizeof(g->order))
			len = sizeof(g->order) - 1;
	}
}

static int gather_main(struct run *run)
{
	/* On this thread's own stack, not the tasks' run stack: safe to share. */
	struct gather_state g = {0};
	g.n = (int)run_int(run, "downloads");
	g.latency_ms = (int)run_int(run, "latency_ms");
	g.size = run_int(run, "size_kb") * 1024;

	struct httpd *server = NULL;
	int rc = httpd_start(&server, &(struct httpd_options){.latency_ms = g.latency_ms});
	if (rc != 0) {
		run_fail(run, "could not start the loopback server: %s", strerror(-rc));
		return -1;
	}
	g.port = httpd_port(server);
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < g.n; i++) {
			struct download *d = &g.d[s][i];
			d->port = g.port;
			d->index = i + 1;
			d->size = g.size;
			/* as_completed: the first started is the last to finish. */
			d->latency_ms = s == 2 ? g.latency_ms * (g.n - i) / g.n + 20 * (g.n - i)
			                       : g.latency_ms;
		}
	}
	g.loop = co_loop_new(run, &(struct co_loop_options){0});
	if (!g.loop) {
		httpd_stop(server);
		return -1;
	}
	rc = co_create_task(g.loop, NULL, "main", NULL, gather_main_task, &g) ? co_loop_run(g.loop)
	                                                                       : -1;
	run_result_num(run, "loop_idle_ms", (double)co_loop_idle_ns(g.loop) / 1e6);
	co_loop_free(g.loop);
	httpd_stop(server);
	if (run_stopping(run))
		return 0;
	if (rc != 0 || g.failed || g.gathered_ms <= 0) {
		run_fail(run, "a download from the loopback server failed");
		return -1;
	}
	run_result_num(run, "sequential_ms", g.sequential_ms);
	run_result_num(run, "gathered_ms", g.gathered_ms);
	run_result_num(run, "speedup", g.sequential_ms / g.gathered_ms);
	run_result_text(run, "as_completed_order", g.order);
	return 0;
}

/* ---- loop/blocking ---- */

struct blocking_state {
	struct co_loop *loop;
	struct run *run;
	struct gil *gil; /* the loop's emulated GIL */
	int cpu;             /* burn the CPU instead of sleeping */
	uint64_t block_ms, tick_ms;
	long ticks, tickers;
	double blocked_ms, offloaded_ms;
};

/* The blocking work itself: time.sleep or a CPU-bound loop. On a pool
 * thread (to_thread) its lane shows the sleep as a sleep. */
static void blocking_work(void *arg)
{
	struct blocking_state *b = arg;
	uint64_t end = clock_now_ns() + b->block_ms * NS_PER_MS;
	if (!b->cpu) {
		trace_task_t lane = co_pool_lane_self();
		if (lane != TRACE_NO_TASK)
			trace_state(lane, STATE_SLEEP, "time.sleep (a pool thread: the loop goes on)");
		run_sleep_ns(b->run, b->block_ms * NS_PER_MS);
		return;
	}
	/* Pure-Python CPU work holds the GIL: on a pool thread it must take it
	 * from the loop, and hand it back when the loop asks (every 5 ms at
	 * most), as CPython's threads do. On the loop's thread (the culprit)
	 * the loop already holds it. Small slices, so that a request to drop
	 * it is seen soon, as the eval loop sees it within a few bytecodes. */
	trace_task_t lane = co_pool_lane_self();
	struct gil *gil = lane != TRACE_NO_TASK ? b->gil : NULL;
	gil_acquire(gil, lane, 0);
	while (clock_now_ns() < end && !run_stopping(b->run)) {
		cpuburn_ns(NS_PER_MS / 5);
		gil_check(gil, lane, 0);
	}
	if (gil) {
		trace_state(lane, STATE_IDLE, "returned: the GIL let go");
		gil_release(gil, lane);
	}
}

static void ticker_task(struct co_task *task, void *arg)
{
	struct blocking_state *b = arg;
	struct run *run = co_task_run(task);
	for (long i = 0; i < b->ticks; i++) {
		if (co_sleep(task, b->tick_ms, LINE(run, "tick_sleep")) != 0)
			return;
		trace_state_at(co_task_id(task), STATE_RUNNING, LINE(run, "tick_print"), "print");
		trace_markf(co_task_id(task), "tick %ld", i + 1);
	}
}

static void culprit_task(struct co_task *task, void *arg)
{
	struct blocking_state *b = arg;
	struct run *run = co_task_run(task);
	if (co_sleep(task, b->tick_ms, LINE(run, "culprit_sleep")) != 0)
		return;
	/* No await: the loop's thread is held. A sleep is not on a core
	 * (blocked), CPU work is (running). */
	co_block(task, b->cpu ? STATE_RUNNING : STATE_BLOCKED, LINE(run, "block"),
	         b->cpu ? "CPU-bound work, no await" : "time.sleep, no await: the loop is held");
	uint64_t t0 = clock_now_ns();
	blocking_work(b);
	b->blocked_ms = (double)(clock_now_ns() - t0) / 1e6;
	co_unblock(task);
}

static void fixed_task(struct co_task *task, void *arg)
{
	struct blocking_state *b = arg;
	struct run *run = co_task_run(task);
	if (co_sleep(task, b->tick_ms, LINE(run, "fixed_sleep")) != 0)
		return;
	uint64_t t0 = clock_now_ns();
	co_to_thread(task, blocking_work, b, b->cpu ? "cpu work" : "time.sleep", LINE(run, "offload"));
	b->offloaded_ms = (double)(clock_now_ns() - t0) / 1e6;
}

/* Longest ready wait of the tickers of one round, in ms. */
static double tickers_max_ready_ms(struct co_task *const *t, long n)
{
	uint64_t worst = 0;
	for (long i = 0; i < n; i++)
		if (co_task_max_ready_ns(t[i]) > worst)
			worst = co_task_max_ready_ns(t[i]);
	return (double)worst / 1e6;
}

static void blocking_main_task(struct co_task *task, void *arg)
{
	struct blocking_state *b = arg;
	struct run *run = co_task_run(task);
	struct co_task *t[BLOCKING_TICKERS_MAX + 1];
	static const char *const group[2] = {"blocked", "offloaded"};
	double max_ready[2] = {0, 0};

	for (int round = 0; round < 2; round++) {
		trace_milestone(round == 0 ? "a blocking call in a coroutine" : "the fix: to_thread");
		t[0] = co_create_task(b->loop, task, round == 0 ? "culprit" : "fixed", group[round],
		                      round == 0 ? culprit_task : fixed_task, b);
		for (long i = 0; i < b->tickers; i++) {
			char name[32];
			snprintf(name, sizeof(name), "ticker %ld", i + 1);
			t[i + 1] = co_create_task(b->loop, task, name, group[round], ticker_task, b);
		}
		for (long i = 0; i <= b->tickers; i++)
			if (!t[i])
				return;
		if (co_gather(task, t, (size_t)b->tickers + 1,
		              LINE(run, round == 0 ? "gather_blocked" : "gather_fixed")) != 0)
			return;
		max_ready[round] = tickers_max_ready_ms(t + 1, b->tickers);
	}
	run_result_num(run, "blocked_ms", b->blocked_ms);
	run_result_num(run, "offloaded_ms", b->offloaded_ms);
	run_result_num(run, "blocked_max_ready_ms", max_ready[0]);
	run_result_num(run, "offloaded_max_ready_ms", max_ready[1]);
}

static int blocking_main(struct run *run)
{
	/* On this thread's own stack, not the tasks' run stack: safe to share. */
	struct blocking_state b = {0};
	b.run = run;
	b.cpu = strcmp(run_enum(run, "work"), "cpu") == 0;
	b.block_ms = (uint64_t)run_int(run, "block_ms");
	b.tick_ms = (uint64_t)run_int(run, "tick_ms");
	b.tickers = run_int(run, "tickers");
	/* Tick on until well after the blocking call is over. */
	b.ticks = (long)((b.block_ms + 3 * b.tick_ms) / b.tick_ms);
	if (b.cpu)
		cpuburn_calibrate();
	b.gil = gil_new(0);
	if (!b.gil) {
		run_fail(run, "out of memory");
		return -1;
	}
	b.loop = co_loop_new(run, &(struct co_loop_options){.watch_blocking = 1, .pool = 1, .gil = b.gil});
	if (!b.loop) {
		gil_free(b.gil);
		return -1;
	}
	int rc = co_create_task(b.loop, NULL, "main", NULL, blocking_main_task, &b) ? co_loop_run(b.loop)
	                                                                             : -1;
	run_result_num(run, "loop_idle_ms", (double)co_loop_idle_ns(b.loop) / 1e6);
	co_loop_free(b.loop);
	gil_free(b.gil);
	if (rc != 0 && !run_stopping(run)) {
		run_fail(run, "the event loop failed (%d)", rc);
		return -1;
	}
	return 0;
}

/* ---- loop/c10k ---- */

struct c10k_state {
	struct co_loop *loop;
	struct co_sem slots;
	int limited, net, port, latency_ms;
	int line_limit, line_io; /* the lesson's lines, looked up once for all tasks */
	char path[64];           /* what each GET asks for */
	uint64_t cost_ns; /* CPython's CPU per task on the loop (0: the C loop's own) */
	long n;
	long in_flight, max_in_flight, errors;
};

static void c10k_task(struct co_task *task, void *arg)
{
	struct c10k_state *c = arg;
	struct run *run = co_task_run(task);
	if (c->limited && co_sem_acquire(task, &c->slots, c->line_limit) != 0)
		return;
	if (++c->in_flight > c->max_in_flight)
		c->max_in_flight = c->in_flight;
	/* What CPython spends on this task, on the loop's one thread: half
	 * before the await (make the task, the request), half after. */
	if (c->cost_ns > 0) {
		trace_state_at(co_task_id(task), STATE_RUNNING, c->line_io,
		               c->net ? "aiohttp: the request (CPython's CPU)" : "asyncio: the task (CPython's CPU)");
		pycost_spend(run, c->cost_ns / 2);
	}
	int rc;
	if (c->net) {
		rc = co_get(task, c->port, c->path, c->line_io, NULL);
	} else {
		rc = co_sleep(task, (uint64_t)c->latency_ms, c->line_io);
	}
	if (c->cost_ns > 0 && rc == 0) {
		trace_state_at(co_task_id(task), STATE_RUNNING, c->line_io,
		               c->net ? "aiohttp: the reply (CPython's CPU)" : "asyncio: the task (CPython's CPU)");
		pycost_spend(run, c->cost_ns - c->cost_ns / 2);
	}
	if (rc != 0 && rc != UV_ECANCELED)
		c->errors++;
	c->in_flight--;
	if (c->limited)
		co_sem_release(&c->slots);
}

/* The decimal digits of n (> 0) at out, NUL-terminated. */
static void c10k_number(char *out, long n)
{
	char digits[24];
	int k = 0;
	for (; n > 0; n /= 10)
		digits[k++] = (char)('0' + n % 10);
	for (int i = 0; i < k; i++)
		out[i] = digits[k - 1 - i];
	out[k] = '\0';
}

static void c10k_main_task(struct co_task *task, void *arg)
{
	struct c10k_state *c = arg;
	struct run *run = co_task_run(task);
	struct co_task **t = calloc((size_t)c->n, sizeof(*t));
	if (!t)
		return;
	trace_state_at(co_task_id(task), STATE_RUNNING, LINE(run, "create"), "create_task x N");
	long made = 0;
	char name[24] = "task ";
	for (; made < c->n && !run_stopping(run); made++) {
		c10k_number(name + 5, made + 1); /* "task N", without printf's cost a task */
		t[made] = co_create_task(c->loop, task, name, "tasks", c10k_task, c);
		if (!t[made])
			break;
	}
	co_gather(task, t, (size_t)made, LINE(run, "gather"));
	free(t);
}

/* Descriptors open in this process now. */
static int c10k_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return 64;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The loopback server, in a child process of its own where simul can start
 * one (each connection then costs us one descriptor, as it costs the
 * Python mirror, whose server is another process), else on a thread here
 * (two: ours and the server's); then the cap on connections in flight that
 * the open-file limit sets. 0, or -1 after run_fail. */
static int c10k_net_setup(struct run *run, struct c10k_state *c, struct httpd **server,
                          struct httpd_child *child)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	int rc = httpd_child_start(child, c->latency_ms);
	int per_connection = 1;
	if (rc == 0) {
		c->port = child->port;
	} else {
		per_connection = 2;
		rc = httpd_start(server, &(struct httpd_options){.latency_ms = c->latency_ms});
		if (rc != 0) {
			run_fail(run, "could not start the loopback server: %s", strerror(-rc));
			return -1;
		}
		c->port = httpd_port(*server);
	}
	long spare = (long)rl.rlim_cur - c10k_open_fds() - 64;
	long fit = spare / per_connection;
	if (fit < 1) {
		httpd_stop(*server);
		*server = NULL;
		httpd_child_stop(child);
		run_fail(run, "no file descriptors left for connections (limit %ld)", (long)rl.rlim_cur);
		return -1;
	}
	if (fit < c->n) {
		c->limited = 1;
		co_sem_init(&c->slots, (int)fit, "waiting for a connection slot (fd limit)");
		char note[160];
		snprintf(note, sizeof(note), "open-file limit %ld: at most %ld connections at once",
		         (long)rl.rlim_cur, fit);
		trace_milestone(note);
		run_result_text(run, "limiter", note);
	}
	return 0;
}

static int c10k_main(struct run *run)
{
	/* On this thread's own stack, not the tasks' run stack: safe to share. */
	struct c10k_state c = {0};
	c.n = run_int(run, "tasks");
	c.net = strcmp(run_enum(run, "io"), "net") == 0;
	c.latency_ms = (int)run_int(run, "latency_ms");
	c.line_limit = LINE(run, "limit");
	c.line_io = LINE(run, c.net ? "get" : "sleep");
	snprintf(c.path, sizeof(c.path), "/bytes/64?latency_ms=%d", c.latency_ms);
	if (strcmp(run_enum(run, "cost"), "cpython") == 0) {
		c.cost_ns = c.net ? pycost_aiohttp_get_ns(c.n) : PYCOST_ASYNCIO_SLEEP_TASK_NS;
		cpuburn_calibrate();
	}
	run_result_num(run, "cost_per_task_us", (double)c.cost_ns / 1e3);

	struct httpd *server = NULL;
	struct httpd_child child = {.pid = 0, .sock = -1};
	if (c.net && c10k_net_setup(run, &c, &server, &child) != 0)
		return -1;
	/* cost=c: the C loop's own way, a request sent as soon as its
	 * connection is made; cost=cpython keeps asyncio's order too. */
	c.loop = co_loop_new(run, &(struct co_loop_options){.many = 1, .eager_send = c.cost_ns == 0});
	if (!c.loop) {
		httpd_stop(server);
		httpd_child_stop(&child);
		return -1;
	}
	uint64_t t0 = clock_now_ns(), cpu0 = clock_thread_cpu_ns();
	int rc = co_create_task(c.loop, NULL, "main", NULL, c10k_main_task, &c) ? co_loop_run(c.loop)
	                                                                         : -1;
	double wall_ms = (double)(clock_now_ns() - t0) / 1e6;
	/* On-CPU time of the loop's thread: what the machinery cost, whatever
	 * else the machine was doing. */
	run_result_num(run, "loop_cpu_ms", (double)(clock_thread_cpu_ns() - cpu0) / 1e6);
	run_result_num(run, "loop_idle_ms", (double)co_loop_idle_ns(c.loop) / 1e6);
	co_loop_free(c.loop);
	uint64_t away = server ? httpd_turned_away(server) : 0;
	httpd_stop(server);
	httpd_child_stop(&child);
	if (run_stopping(run))
		return 0;
	if (rc != 0 || c.errors > 0) {
		if (away > 0)
			run_fail(run, "%ld of %ld tasks failed; the loopback server had no memory for %" PRIu64
			              " of their connections (a memory limit: ulimit -v?)", c.errors, c.n, away);
		else
			run_fail(run, "%ld of %ld tasks failed", c.errors, c.n);
		return -1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	run_result_num(run, "tasks", (double)c.n);
	run_result_num(run, "wall_ms", wall_ms);
	run_result_num(run, "peak_rss_mb", (double)ru.ru_maxrss / 1024.0);
	run_result_num(run, "max_in_flight", (double)c.max_in_flight);
	return 0;
}

/* ---- loop/generator ---- */

struct grep_state {
	struct run *run;
	trace_task_t main_task, gen_task;
	const char *prefix;
};

/* def grep(prefix): a consumer that only wakes when sent a value. */
static void grep_gen(struct co_gen *gen, void *arg)
{
	struct grep_state *s = arg;
	struct run *run = s->run;
	trace_state_at(s->gen_task, STATE_RUNNING, LINE(run, "gen_start"), "print");
	trace_markf(s->gen_task, "looking for %s", s->prefix);
	for (;;) {
		trace_state_at(s->gen_task, STATE_JOIN, LINE(run, "gen_yield"), "line = (yield)");
		trace_state_at(s->main_task, STATE_RUNNING, 0, "yield handed control back");
		const char *line = co_gen_receive(gen);
		if (!line)
			break;
		trace_state_at(s->gen_task, STATE_RUNNING, LINE(run, "gen_match"), "filter");
		if (strncmp(line, s->prefix, strlen(s->prefix)) == 0)
			trace_markf(s->gen_task, "%s", line);
		/* A pause only for the viewer's eyes: not in the Python, and shown
		 * as what it is, a sleep. */
		trace_state_at(s->gen_task, STATE_SLEEP, LINE(run, "gen_match"), "pause_ms / 4, to watch (not in the Python)");
		run_sleep_ns(run, (uint64_t)run_int(run, "pause_ms") * NS_PER_MS / 4);
	}
	trace_state_at(s->gen_task, STATE_RUNNING, LINE(run, "gen_close"), "GeneratorExit");
	trace_mark(s->gen_task, "closing");
}

static int generator_main(struct run *run)
{
	static const char *const words[] = {"python", "java", "pypy", "c", "pytest", "rust", "pyx"};
	struct grep_state s = {run, trace_task_new("main", KIND_MAIN, NULL), 0, "py"};
	s.gen_task = trace_task_new_child("grep", KIND_COROUTINE, NULL, s.main_task);
	trace_bind(s.main_task);
	trace_bind(s.gen_task);
	uint64_t pause = (uint64_t)run_int(run, "pause_ms") * NS_PER_MS;

	struct co_gen *g = co_gen_new(grep_gen, &s);
	if (!g) {
		run_fail(run, "out of memory for the generator");
		return -1;
	}
	trace_state_at(s.main_task, STATE_RUNNING, LINE(run, "main_new"), "g = grep('py')");
	trace_state_at(s.gen_task, STATE_JOIN, LINE(run, "main_new"), "created, not started");
	trace_state_at(s.main_task, STATE_JOIN, LINE(run, "main_prime"), "next(g)");
	co_gen_send(g, NULL);
	int handovers = 1;
	for (size_t i = 0; i < DEMO_COUNT(words) && !run_stopping(run); i++) {
		trace_state_at(s.main_task, STATE_SLEEP, LINE(run, "main_send"), "pause_ms, to watch (not in the Python)");
		run_sleep_ns(run, pause);
		trace_state_at(s.main_task, STATE_RUNNING, LINE(run, "main_send"), "next word");
		trace_markf(s.main_task, "send %s", words[i]);
		trace_state_at(s.main_task, STATE_JOIN, LINE(run, "main_send"), "g.send(word)");
		co_gen_send(g, (void *)words[i]);
		handovers++;
	}
	trace_state_at(s.main_task, STATE_JOIN, LINE(run, "main_close"), "g.close()");
	co_gen_close(g);
	trace_end(s.gen_task);
	trace_state_at(s.main_task, STATE_RUNNING, LINE(run, "main_close"), "closed");
	trace_end(s.main_task);
	co_gen_free(g);
	run_result_num(run, "handovers", handovers);
	return 0;
}

/* ---- the module ---- */

static const struct param_spec sleep_params[] = {
	{.name = "pause_ms", .type = PARAM_INT, .def = 1000, .min = 1, .max = 10000, .unit = "ms",
	 .help = "await asyncio.sleep(pause) between lines"},
	{.name = "count", .type = PARAM_INT, .def = 5, .min = 1, .max = 26, .unit = "lines",
	 .help = "lines each task prints"},
};

static const struct param_spec gather_params[] = {
	{.name = "downloads", .type = PARAM_INT, .def = 3, .min = 1, .max = GATHER_DOWNLOADS_MAX, .unit = "downloads",
	 .help = "how many downloads"},
	{.name = "latency_ms", .type = PARAM_INT, .def = 500, .min = 0, .max = 10000, .unit = "ms",
	 .help = "server's time to first byte per download"},
	{.name = "size_kb", .type = PARAM_INT, .def = 64, .min = 0, .max = 65536, .unit = "KiB",
	 .help = "body size of each download"},
};

static const char *const blocking_work_choices[] = {"sleep", "cpu", NULL};
static const struct param_spec blocking_params[] = {
	{.name = "block_ms", .type = PARAM_INT, .def = 1000, .min = 10, .max = 10000, .unit = "ms",
	 .help = "how long the blocking call takes"},
	{.name = "work", .type = PARAM_ENUM, .def = 0, .choices = blocking_work_choices,
	 .help = "time.sleep or CPU-bound work"},
	{.name = "tick_ms", .type = PARAM_INT, .def = 100, .min = 5, .max = 2000, .unit = "ms",
	 .help = "each ticker's await asyncio.sleep"},
	{.name = "tickers", .type = PARAM_INT, .def = 3, .min = 1, .max = BLOCKING_TICKERS_MAX, .unit = "tasks",
	 .help = "well-behaved tasks beside the culprit"},
};

static const char *const c10k_io_choices[] = {"net", "sleep", NULL};
static const char *const c10k_cost_choices[] = {"cpython", "c", NULL};
static const struct param_spec c10k_params[] = {
	{.name = "tasks", .type = PARAM_INT, .def = 10000, .min = 1, .max = 1000000, .unit = "tasks",
	 .help = "coroutines, one connection each"},
	{.name = "io", .type = PARAM_ENUM, .def = 0, .choices = c10k_io_choices,
	 .help = "net: a slow GET to the loopback server; sleep: timers only"},
	{.name = "latency_ms", .type = PARAM_INT, .def = 1000, .min = 0, .max = 10000, .unit = "ms",
	 .help = "how slow each response (or sleep) is"},
	{.name = "cost", .type = PARAM_ENUM, .def = 0, .choices = c10k_cost_choices,
	 .help = "cpython: each task also spends CPython's CPU on the loop (aiohttp, asyncio); c: simul's own"},
};

static const struct param_spec generator_params[] = {
	{.name = "pause_ms", .type = PARAM_INT, .def = 300, .min = 0, .max = 5000, .unit = "ms",
	 .help = "pause before each send, to watch the hand-overs"},
};

static const struct demo loop_demos[] = {
	{
		.name = "sleep",
		.summary = "two coroutines alternate around await asyncio.sleep",
		.description = "Numbers and letters again, now as two tasks on one event loop. "
		               "Each prints a line and awaits a sleep; only one runs at a time, "
		               "they alternate strictly, and the loop is idle most of the time.",
		.params = sleep_params,
		.nparams = DEMO_COUNT(sleep_params),
		.main = sleep_main,
	},
	{
		.name = "gather",
		.summary = "three downloads one after another, then gathered, then as_completed",
		.description = "Real HTTP requests to a loopback server with a set latency. Awaited "
		               "one by one they take the sum of their latencies; gathered, about "
		               "the longest one. as_completed hands results back in finishing order.",
		.params = gather_params,
		.nparams = DEMO_COUNT(gather_params),
		.main = gather_main,
	},
	{
		.name = "blocking",
		.summary = "one blocking call freezes every task; to_thread fixes it",
		.description = "Tickers await short sleeps while one task calls time.sleep (or burns "
		               "the CPU) without awaiting: every other lane turns ready until it "
		               "ends. Then the same work goes through asyncio.to_thread to a pool "
		               "thread and the tickers flow on.",
		.params = blocking_params,
		.nparams = DEMO_COUNT(blocking_params),
		.main = blocking_main,
	},
	{
		.name = "c10k",
		.summary = "ten thousand coroutines, one connection each, one thread",
		.description = "N tasks each open a connection to the loopback server and await a "
		               "slow response. One thread, little memory per task. When the "
		               "open-file limit cannot hold every connection at once, a semaphore "
		               "caps them and the waiting tasks show as ready.",
		.params = c10k_params,
		.nparams = DEMO_COUNT(c10k_params),
		.main = c10k_main,
	},
	{
		.name = "generator",
		.summary = "the generator coroutine: send, yield, close",
		.description = "The classic grep consumer: a generator that waits at yield for a "
		               "line, prints it when it matches a prefix, and stops when closed. "
		               "Control passes back and forth on one thread, never both at once.",
		.params = generator_params,
		.nparams = DEMO_COUNT(generator_params),
		.main = generator_main,
	},
	{
		.name = "wait",
		.summary = "asyncio.wait, wait_for and TaskGroup: the first result, a time limit, a failure",
		.description = "Three ways a task ends early: asyncio.wait(FIRST_COMPLETED) takes the "
		               "first of several and the rest are cancelled (CancelledError reaches "
		               "them at their await); wait_for cancels a slow task at its timeout; a "
		               "TaskGroup cancels the other tasks when one fails.",
		.params = loop_wait_params,
		.nparams = LOOP_WAIT_NPARAMS,
		.main = loop_wait_main,
	},
};

/* `simul --worker loop httpd LATENCY_MS`: loop/c10k's server (httpd_child.h). */
static int loop_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "httpd") == 0)
		return httpd_child_main(argc - 1, argv + 1);
	fprintf(stderr, "simul: --worker loop: no worker '%s'\n", argc >= 2 ? argv[1] : "");
	return 2;
}

const struct demo_module loop_module = {
	.name = "loop",
	.title = "Event loop",
	.order = 30,
	.demos = loop_demos,
	.ndemos = DEMO_COUNT(loop_demos),
	.worker = loop_worker,
};
