/*
 * wakeup_demo.c: threads/wakeup, who is woken when data arrives for one of
 * three waiters.
 *
 * It mirrors wakeup.py. T1, T2 and T3 each wait for a download from the
 * loopback server; T3's data comes after ready_ms, T1's and T2's only after
 * others_ms. Between the two (the window: from 100 ms after T3's data to
 * 100 ms before the others'), main reads from the kernel how many times T1
 * and T2 were switched in (voluntary context switches, in
 * /proc/self/task/TID/status): a thread blocked in recv is off the run
 * queue and the kernel does not visit it until its own socket has data.
 * Then the same three waits as tasks of one event loop (plain libuv on this
 * thread: three sockets, one epoll): a helper thread reads the loop
 * thread's count over the same window. The helper also turns a stop into a
 * uv_async, so the loop itself has no timer to wake it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "httpd.h"
#include "pace.h"
#include "run.h"
#include "threads/common.h"
#include "threads/lifecycle.h"
#include "trace.h"

#define WK_N 3
#define WK_MARGIN_MS 100

struct wk {
	struct run *run;
	int port, ready_ms, others_ms;
	int line_recv, line_print, line_await, line_loop;
	uint64_t t0;
};

/* Voluntary context switches of thread tid of this process so far. */
static long wk_switches(pid_t tid)
{
	char path[64], line[128];
	long n = -1;
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int wk_latency(const struct wk *k, int i)
{
	return i == WK_N - 1 ? k->ready_ms : k->others_ms;
}

/* Sleep (lesson time) until t0 + ms; -1 when the run stops. */
static int wk_until(struct wk *k, uint64_t ms)
{
	uint64_t at = k->t0 + ms * NS_PER_MS, now = clock_now_ns();
	return at > now ? run_sleep_ns(k->run, at - now) : 0;
}

/* ---- three threads ---- */

struct wk_thread {
	struct wk *k;
	trace_task_t task;
	int index;
	_Atomic pid_t tid;
	pthread_t th;
};

static void *wk_fetch(void *arg)
{
	struct wk_thread *t = arg;
	struct wk *k = t->k;
	char path[64];
	atomic_store(&t->tid, gettid());
	trace_bind(t->task);
	trace_state_at(t->task, STATE_IO, k->line_recv, "urlopen(url).read(): blocked in recv until its data comes");
	snprintf(path, sizeof(path), "/bytes/64?latency_ms=%d", wk_latency(k, t->index));
	long n = httpd_fetch(k->port, path);
	trace_state_at(t->task, STATE_RUNNING, k->line_print, "print");
	if (n >= 0)
		trace_markf(t->task, "T%d: data arrived after %.0f ms", t->index + 1,
		            (double)(clock_now_ns() - k->t0) / (double)NS_PER_MS);
	trace_end(t->task);
	return NULL;
}

/* The threads; T1's and T2's switches in the window into *woken. */
static int wk_threads(struct wk *k, long *woken)
{
	static struct wk_thread th[WK_N];
	trace_task_t main_task = trace_task_new("main (threads)", KIND_MAIN, "threads");
	trace_bind(main_task);
	trace_milestone("three threads wait; only T3's data comes");
	k->t0 = clock_now_ns();
	int started = 0;
	for (int i = 0; i < WK_N; i++) {
		char name[8];
		snprintf(name, sizeof(name), "T%d", i + 1);
		th[i] = (struct wk_thread){.k = k, .index = i};
		th[i].task = trace_task_new_child(name, KIND_THREAD, "threads", main_task);
		if (threads_start(&th[i].th, wk_fetch, &th[i]) != 0) {
			trace_end(th[i].task);
			break;
		}
		started++;
	}
	trace_state(main_task, STATE_JOIN, "t.join() for each (and a look at the kernel's counters)");
	long s0[WK_N] = {0}, s1[WK_N] = {0};
	int ok = started == WK_N && wk_until(k, (uint64_t)(k->ready_ms + WK_MARGIN_MS)) == 0;
	for (int i = 0; ok && i < WK_N - 1; i++)
		s0[i] = wk_switches(atomic_load(&th[i].tid));
	ok = ok && wk_until(k, (uint64_t)(k->others_ms - WK_MARGIN_MS)) == 0;
	for (int i = 0; ok && i < WK_N - 1; i++)
		s1[i] = wk_switches(atomic_load(&th[i].tid));
	*woken = 0;
	for (int i = 0; i < WK_N - 1; i++)
		*woken += s1[i] - s0[i];
	for (int i = 0; i < started; i++)
		pthread_join(th[i].th, NULL);
	trace_end(main_task);
	return ok && started == WK_N ? 0 : -1;
}

/* ---- one event loop ---- */

struct wk_conn {
	uv_tcp_t tcp;
	uv_connect_t connect;
	uv_write_t write;
	struct wk_loop *l;
	trace_task_t task;
	int index, crlf, in_body, closed;
	char req[96];
};

struct wk_loop {
	struct wk *k;
	uv_loop_t uv;
	uv_async_t stop;
	trace_task_t lane;
	struct wk_conn c[WK_N];
	int open;
	char buf[4096];
	_Atomic pid_t tid;
	pthread_mutex_t mu; /* done, and the stop handle's life */
	int done;
	long s0, s1;
};

static void wk_closed(uv_handle_t *h)
{
	struct wk_conn *c = h->data;
	if (--c->l->open > 0)
		return;
	/* The helper may no longer wake the stop handle once it closes. */
	pthread_mutex_lock(&c->l->mu);
	c->l->done = 1;
	pthread_mutex_unlock(&c->l->mu);
	uv_close((uv_handle_t *)&c->l->stop, NULL);
}

static void wk_conn_close(struct wk_conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	uv_close((uv_handle_t *)&c->tcp, wk_closed);
}

static void wk_alloc(uv_handle_t *h, size_t want, uv_buf_t *buf)
{
	struct wk_conn *c = h->data;
	(void)want;
	*buf = uv_buf_init(c->l->buf, sizeof(c->l->buf));
}

/* The loop ran this task because its socket had something: the reply's
 * end is its data; anything before is read on the way. */
static void wk_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct wk_conn *c = s->data;
	struct wk_loop *l = c->l;
	(void)buf;
	if (n == 0)
		return;
	trace_statef(l->lane, STATE_RUNNING, l->k->line_loop, "running T%d: its socket is readable", c->index + 1);
	trace_state_at(c->task, STATE_RUNNING, l->k->line_await, NULL);
	if (n < 0) {
		trace_state_at(c->task, STATE_RUNNING, l->k->line_print, "print");
		trace_markf(c->task, "T%d: data arrived after %.0f ms", c->index + 1,
		            (double)(clock_now_ns() - l->k->t0) / (double)NS_PER_MS);
		trace_end(c->task);
		wk_conn_close(c);
	} else {
		trace_state_at(c->task, STATE_IO, l->k->line_await, "await reader.read()");
	}
	trace_state(l->lane, STATE_IDLE, "waiting in epoll for any of the sockets");
}

static void wk_written(uv_write_t *w, int status)
{
	struct wk_conn *c = w->data;
	if (status != 0 || uv_read_start((uv_stream_t *)&c->tcp, wk_alloc, wk_read) != 0)
		wk_conn_close(c);
}

static void wk_connected(uv_connect_t *req, int status)
{
	struct wk_conn *c = req->data;
	uv_buf_t b = uv_buf_init(c->req, (unsigned)strlen(c->req));
	c->write.data = c;
	if (status != 0 || uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, wk_written) != 0)
		wk_conn_close(c);
}

static void wk_stop(uv_async_t *h)
{
	struct wk_loop *l = h->data;
	for (int i = 0; i < WK_N; i++)
		wk_conn_close(&l->c[i]);
}

/* The helper: a look at the loop thread's counter at each end of the
 * window, and a stop turned into an async wake-up. */
static void *wk_helper(void *arg)
{
	struct wk_loop *l = arg;
	struct wk *k = l->k;
	const struct timespec tick = {0, 5 * (long)NS_PER_MS};
	uint64_t from = k->t0 + (uint64_t)(k->ready_ms + WK_MARGIN_MS) * NS_PER_MS;
	uint64_t to = k->t0 + (uint64_t)(k->others_ms - WK_MARGIN_MS) * NS_PER_MS;
	int phase = 0;
	for (;;) {
		pthread_mutex_lock(&l->mu);
		int done = l->done;
		if (!done && run_stopping(k->run))
			uv_async_send(&l->stop);
		pthread_mutex_unlock(&l->mu);
		if (done || run_stopping(k->run))
			break;
		uint64_t now = clock_now_ns();
		if (phase == 0 && now >= from) {
			l->s0 = wk_switches(atomic_load(&l->tid));
			phase = 1;
		} else if (phase == 1 && now >= to) {
			l->s1 = wk_switches(atomic_load(&l->tid));
			phase = 2;
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

static int wk_loop_run(struct wk *k, long *woken)
{
	static struct wk_loop l;
	memset(&l, 0, sizeof(l));
	pthread_mutex_init(&l.mu, NULL);
	l.k = k;
	atomic_store(&l.tid, gettid());
	if (uv_loop_init(&l.uv) != 0)
		return -1;
	uv_async_init(&l.uv, &l.stop, wk_stop);
	l.stop.data = &l;
	l.lane = trace_task_new("event loop", KIND_LOOP, "event loop");
	trace_bind(l.lane);
	trace_milestone("one event loop waits on the three sockets");
	k->t0 = clock_now_ns();
	struct sockaddr_in addr;
	uv_ip4_addr("127.0.0.1", k->port, &addr);
	for (int i = 0; i < WK_N; i++) {
		struct wk_conn *c = &l.c[i];
		char name[16];
		snprintf(name, sizeof(name), "task T%d", i + 1);
		c->l = &l;
		c->index = i;
		c->task = trace_task_new_child(name, KIND_COROUTINE, "event loop", l.lane);
		trace_bind(c->task);
		snprintf(c->req, sizeof(c->req), "GET /bytes/64?latency_ms=%d HTTP/1.0\r\n\r\n", wk_latency(k, i));
		uv_tcp_init(&l.uv, &c->tcp);
		c->tcp.data = c->connect.data = c;
		l.open++;
		trace_state_at(c->task, STATE_IO, k->line_await, "await reader.read()");
		if (uv_tcp_connect(&c->connect, &c->tcp, (const struct sockaddr *)&addr, wk_connected) != 0)
			wk_conn_close(c);
	}
	trace_state(l.lane, STATE_IDLE, "waiting in epoll for any of the sockets");
	pthread_t helper;
	int helped = threads_start(&helper, wk_helper, &l) == 0;
	uv_run(&l.uv, UV_RUN_DEFAULT);
	pthread_mutex_lock(&l.mu);
	l.done = 1;
	pthread_mutex_unlock(&l.mu);
	if (helped)
		pthread_join(helper, NULL);
	pthread_mutex_destroy(&l.mu);
	uv_loop_close(&l.uv);
	trace_end(l.lane);
	*woken = l.s1 - l.s0;
	return helped && l.s0 > 0 && l.s1 > 0 ? 0 : -1;
}

int threads_wakeup_main(struct run *run)
{
	struct wk k = {.run = run, .ready_ms = (int)run_int(run, "ready_ms"),
	               .others_ms = (int)run_int(run, "others_ms"),
	               .line_recv = run_lesson_line(run, "recv"), .line_print = run_lesson_line(run, "print"),
	               .line_await = run_lesson_line(run, "await"), .line_loop = run_lesson_line(run, "loop")};
	if (k.others_ms < k.ready_ms + 2 * WK_MARGIN_MS + 100) {
		run_fail(run, "others_ms must be at least ready_ms + 300 (a window to watch in)");
		return -1;
	}
	struct httpd *h;
	if (httpd_start(&h, NULL) != 0) {
		run_fail(run, "could not start the loopback server");
		return -1;
	}
	k.port = httpd_port(h);
	struct stop_watch watch;
	stop_watch_start(&watch, run, h);
	long thread_woken = 0, loop_woken = 0;
	int rc = wk_threads(&k, &thread_woken);
	if (rc == 0 && !run_stopping(run))
		rc = wk_loop_run(&k, &loop_woken);
	stop_watch_end(&watch);
	httpd_stop(h);
	if (run_stopping(run))
		return 0;
	if (rc != 0) {
		run_fail(run, "could not watch the waits (no /proc/self/task counters?)");
		return -1;
	}
	run_result_num(run, "thread_wakeups_waiting", (double)thread_woken);
	run_result_num(run, "loop_wakeups_waiting", (double)loop_woken);
	run_result_num(run, "window_ms", k.others_ms - k.ready_ms - 2 * WK_MARGIN_MS);
	return 0;
}

const struct param_spec threads_wakeup_params[THREADS_WAKEUP_NPARAMS] = {
	{.name = "ready_ms", .type = PARAM_INT, .def = 200, .min = 10, .max = 5000, .unit = "ms",
	 .help = "when T3's data arrives"},
	{.name = "others_ms", .type = PARAM_INT, .def = 1200, .min = 320, .max = 20000, .unit = "ms",
	 .help = "when T1's and T2's data arrive (at least ready_ms + 300)"},
};
