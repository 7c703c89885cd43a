/*
 * threads_demo.c: queue/threads, queue.Queue between producer and consumer
 * threads, under the emulated CPython GIL (gil.h).
 *
 * It mirrors threads.py. The queue is CPython's queue.Queue in C: a mutex,
 * three conditions (not empty, not full, all tasks done) and a count of
 * unfinished tasks. A thread that must wait (get on an empty queue, put on
 * a full one, join) lets the GIL go while it waits, as CPython's lock
 * acquire does, and takes it back afterwards; it never waits for the GIL
 * while it holds the queue's mutex (CPython takes that mutex only with the
 * GIL let go, so neither can wait for the other). Producers make each item
 * with a time.sleep (standing for I/O); consumers work on it, sleeping
 * (work=io) or computing under the GIL (work=cpu).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cpuburn.h"
#include "gil.h"
#include "queue_int.h"
#include "run.h"
#include "trace.h"

#define QT_THREADS_MAX 32
#define QT_STOP (-1L) /* the sentinel */
#define QT_WAIT_SLICE_NS (20 * NS_PER_MS)
/* Units of CPU work between two looks at the GIL (about 0.2 ms). */
#define QT_GIL_SLICE 16

/* queue.Queue */
struct tq {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, all_done;
	long *ring;
	int cap, head, n, maxsize;
	long unfinished;
	int max_seen;
	/* who last put an item, took one, and finished the last one: the
	 * task that woke a getter, a putter, a joiner */
	trace_task_t last_put, last_get, last_done;
};

struct qt_lines {
	int make, put, get, work, done, stop, join, sentinel, start;
};

struct qt {
	struct run *run;
	struct gil *gil;
	struct tq q;
	struct qt_lines ln;
	int items, work_cpu;
	uint64_t produce_ns, work_ns, work_units;
};

struct qt_thread {
	struct qt *qt;
	pthread_t th;
	trace_task_t task;
	int index, consumer;
	long done;        /* items put (producer) or worked on (consumer) */
	uint64_t wait_ns; /* time blocked in put (full) or get (empty) */
};

static int tq_init(struct tq *q, int maxsize, int cap)
{
	memset(q, 0, sizeof(*q));
	q->maxsize = maxsize;
	q->cap = cap;
	q->ring = calloc((size_t)cap, sizeof(long));
	q->last_put = q->last_get = q->last_done = TRACE_NO_TASK;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->not_empty, &ca);
	pthread_cond_init(&q->not_full, &ca);
	pthread_cond_init(&q->all_done, &ca);
	pthread_condattr_destroy(&ca);
	return q->ring != NULL ? 0 : -1;
}

static void tq_free(struct tq *q)
{
	free(q->ring);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->all_done);
}

/* Wait on c (mu held) for a slice of real time, so a stop is seen. */
static void tq_wait(struct tq *q, pthread_cond_t *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_nsec + QT_WAIT_SLICE_NS;
	ts.tv_sec += (time_t)(ns / NS_PER_S);
	ts.tv_nsec = (long)(ns % NS_PER_S);
	pthread_cond_timedwait(c, &q->mu, &ts);
}

static int tq_full(const struct tq *q)
{
	return q->maxsize > 0 ? q->n >= q->maxsize : q->n >= q->cap;
}

/* q.put(item): waits while the queue is full, the GIL let go. */
static int tq_put(struct qt_thread *t, long item, int line, const char *what)
{
	struct qt *qt = t->qt;
	struct tq *q = &qt->q;
	int waited = 0;
	uint64_t t0 = clock_now_ns();
	trace_statef(t->task, STATE_RUNNING, line, "%s", what);
	pthread_mutex_lock(&q->mu);
	if (tq_full(q)) {
		trace_statef(t->task, STATE_LOCK, line, "%s: waiting on the queue (full: maxsize %d)", what, q->maxsize);
		gil_release(qt->gil, t->task);
		waited = 1;
		while (tq_full(q) && !run_stopping(qt->run))
			tq_wait(q, &q->not_full);
	}
	int ok = !tq_full(q);
	trace_task_t waker = q->last_get;
	if (ok) {
		q->last_put = t->task;
		q->ring[(q->head + q->n) % q->cap] = item;
		q->n++;
		q->unfinished++;
		if (q->n > q->max_seen)
			q->max_seen = q->n;
		pthread_cond_signal(&q->not_empty);
	}
	pthread_mutex_unlock(&q->mu);
	if (waited) {
		if (ok)
			trace_wake(t->task, waker, "took an item: a place on the queue");
		t->wait_ns += clock_now_ns() - t0;
		gil_acquire(qt->gil, t->task, line);
	}
	return ok ? 0 : -1;
}

/* item = q.get(): waits while the queue is empty, the GIL let go. */
static int tq_get(struct qt_thread *t, long *item)
{
	struct qt *qt = t->qt;
	struct tq *q = &qt->q;
	int waited = 0;
	uint64_t t0 = clock_now_ns();
	pthread_mutex_lock(&q->mu);
	if (q->n == 0) {
		trace_state_at(t->task, STATE_LOCK, qt->ln.get, "q.get(): waiting on the queue (empty)");
		gil_release(qt->gil, t->task);
		waited = 1;
		while (q->n == 0 && !run_stopping(qt->run))
			tq_wait(q, &q->not_empty);
	}
	int ok = q->n > 0;
	trace_task_t waker = q->last_put;
	if (ok) {
		q->last_get = t->task;
		*item = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->n--;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->mu);
	if (waited) {
		if (ok)
			trace_wake(t->task, waker, "put an item");
		t->wait_ns += clock_now_ns() - t0;
		gil_acquire(qt->gil, t->task, qt->ln.get);
	}
	return ok ? 0 : -1;
}

static void tq_task_done(struct tq *q, trace_task_t task)
{
	pthread_mutex_lock(&q->mu);
	if (q->unfinished > 0 && --q->unfinished == 0) {
		q->last_done = task;
		pthread_cond_broadcast(&q->all_done);
	}
	pthread_mutex_unlock(&q->mu);
}

/* q.join(): until every item put has been marked task_done. */
static void tq_join(struct qt *qt, trace_task_t task)
{
	struct tq *q = &qt->q;
	trace_state_at(task, STATE_JOIN, qt->ln.join, "q.join(): until every item is task_done");
	gil_release(qt->gil, task);
	pthread_mutex_lock(&q->mu);
	int waited = q->unfinished > 0;
	while (q->unfinished > 0 && !run_stopping(qt->run))
		tq_wait(q, &q->all_done);
	int woken = waited && q->unfinished == 0;
	trace_task_t waker = q->last_done;
	pthread_mutex_unlock(&q->mu);
	if (woken)
		trace_wake(task, waker, "marked the last item done");
	gil_acquire(qt->gil, task, qt->ln.join);
}

/* ---- the threads ---- */

static void *qt_producer(void *arg)
{
	struct qt_thread *t = arg;
	struct qt *qt = t->qt;
	char what[48];
	trace_bind(t->task);
	gil_acquire(qt->gil, t->task, qt->ln.make);
	for (int i = 0; i < qt->items && !run_stopping(qt->run); i++) {
		trace_state_at(t->task, STATE_SLEEP, qt->ln.make, "time.sleep(produce): making an item");
		gil_release(qt->gil, t->task);
		int cut = run_sleep_ns(qt->run, qt->produce_ns);
		gil_acquire(qt->gil, t->task, qt->ln.put);
		snprintf(what, sizeof(what), "q.put(item %d.%d)", t->index, i + 1);
		if (cut != 0 || tq_put(t, (long)t->index * 100000 + i + 1, qt->ln.put, what) != 0)
			break;
		t->done++;
	}
	trace_markf(t->task, "producer %d: %ld items put", t->index, t->done);
	trace_end(t->task);
	gil_release(qt->gil, t->task);
	return NULL;
}

/* work(item): a time.sleep (io), or Python-level CPU work under the GIL. */
static void qt_work(struct qt_thread *t, long item)
{
	struct qt *qt = t->qt;
	if (!qt->work_cpu) {
		trace_statef(t->task, STATE_SLEEP, qt->ln.work, "work(item %ld.%ld): time.sleep (I/O)", item / 100000,
		             item % 100000);
		gil_release(qt->gil, t->task);
		run_sleep_ns(qt->run, qt->work_ns);
		gil_acquire(qt->gil, t->task, qt->ln.work);
		return;
	}
	trace_statef(t->task, STATE_RUNNING, qt->ln.work, "work(item %ld.%ld): computing", item / 100000,
	             item % 100000);
	for (uint64_t done = 0; done < qt->work_units && !run_stopping(qt->run); done += QT_GIL_SLICE) {
		cpuburn_run(qt->work_units - done < QT_GIL_SLICE ? qt->work_units - done : QT_GIL_SLICE);
		gil_check(qt->gil, t->task, qt->ln.work);
	}
}

static void *qt_consumer(void *arg)
{
	struct qt_thread *t = arg;
	struct qt *qt = t->qt;
	long item;
	trace_bind(t->task);
	gil_acquire(qt->gil, t->task, qt->ln.get);
	while (tq_get(t, &item) == 0) {
		if (item == QT_STOP) {
			trace_state_at(t->task, STATE_RUNNING, qt->ln.stop, "got the sentinel: q.task_done(); break");
			tq_task_done(&qt->q, t->task);
			break;
		}
		qt_work(t, item);
		trace_state_at(t->task, STATE_RUNNING, qt->ln.done, "q.task_done()");
		tq_task_done(&qt->q, t->task);
		t->done++;
	}
	trace_markf(t->task, "consumer %d: %ld items", t->index, t->done);
	trace_end(t->task);
	gil_release(qt->gil, t->task);
	return NULL;
}

/* ---- main ---- */

static void qt_lines(struct run *run, struct qt_lines *l)
{
	l->make = run_lesson_line(run, "make");
	l->put = run_lesson_line(run, "put");
	l->get = run_lesson_line(run, "get");
	l->work = run_lesson_line(run, "work");
	l->done = run_lesson_line(run, "done");
	l->stop = run_lesson_line(run, "stop");
	l->join = run_lesson_line(run, "join");
	l->sentinel = run_lesson_line(run, "sentinel");
	l->start = run_lesson_line(run, "start");
}

/* Start the consumers then the producers; returns how many started. */
static int qt_start(struct qt *qt, trace_task_t main_task, struct qt_thread *th, int np, int nc)
{
	char name[32];
	for (int i = 0; i < nc + np; i++) {
		int consumer = i < nc;
		int index = consumer ? i + 1 : i - nc + 1;
		snprintf(name, sizeof(name), "%s %d", consumer ? "consumer" : "producer", index);
		th[i] = (struct qt_thread){.qt = qt, .index = index, .consumer = consumer};
		th[i].task = trace_task_new_child(name, KIND_THREAD, consumer ? "consumers" : "producers", main_task);
		gil_name_task(qt->gil, th[i].task, name);
	}
	trace_state_at(main_task, STATE_RUNNING, qt->ln.start, "Thread(...).start() for each");
	for (int i = 0; i < nc + np; i++)
		if (pthread_create(&th[i].th, NULL, th[i].consumer ? qt_consumer : qt_producer, &th[i]) != 0) {
			run_fail(qt->run, "could not start a thread");
			for (int k = i; k < nc + np; k++)
				trace_end(th[k].task);
			return i;
		}
	return nc + np;
}

static void qt_results(struct qt *qt, struct qt_thread *th, int np, int nc, uint64_t wall_ns)
{
	long consumed = 0, produced = 0;
	uint64_t put_wait = 0, get_wait = 0;
	for (int i = 0; i < nc + np; i++) {
		if (th[i].consumer) {
			consumed += th[i].done;
			get_wait += th[i].wait_ns;
		} else {
			produced += th[i].done;
			put_wait += th[i].wait_ns;
		}
	}
	run_result_num(qt->run, "items_done", (double)consumed);
	run_result_num(qt->run, "items_put", (double)produced);
	run_result_num(qt->run, "put_wait_ms", (double)put_wait / (double)NS_PER_MS);
	run_result_num(qt->run, "get_wait_ms", (double)get_wait / (double)NS_PER_MS);
	run_result_num(qt->run, "max_qsize", qt->q.max_seen);
	run_result_num(qt->run, "wall_ms", (double)wall_ns / (double)NS_PER_MS);
	run_result_num(qt->run, "gil_switches", (double)gil_switches(qt->gil));
}

int queue_threads_main(struct run *run)
{
	static struct qt_thread th[QT_THREADS_MAX];
	int np = (int)run_int(run, "producers"), nc = (int)run_int(run, "consumers");
	struct qt qt = {.run = run, .items = (int)run_int(run, "items"),
	                .work_cpu = strcmp(run_enum(run, "work"), "cpu") == 0,
	                .produce_ns = (uint64_t)run_int(run, "produce_ms") * NS_PER_MS,
	                .work_ns = (uint64_t)run_int(run, "work_ms") * NS_PER_MS};
	qt.work_units = cpuburn_units(qt.work_ns);
	qt_lines(run, &qt.ln);
	int maxsize = (int)run_int(run, "maxsize");
	/* Room for every item and sentinel when unbounded (maxsize=0). */
	int cap = maxsize > 0 ? maxsize : np * qt.items + nc + 1;
	qt.gil = gil_new(0);
	if (qt.gil == NULL || tq_init(&qt.q, maxsize, cap) != 0) {
		gil_free(qt.gil);
		run_fail(run, "out of memory");
		return -1;
	}
	trace_task_t main_task = trace_task_new("main", KIND_MAIN, "main");
	trace_bind(main_task);
	gil_name_task(qt.gil, main_task, "main");
	gil_acquire(qt.gil, main_task, run_lesson_line(run, "queue"));
	trace_milestone("queue.Queue between threads (emulated GIL)");
	uint64_t t0 = clock_now_ns();
	int started = qt_start(&qt, main_task, th, np, nc);
	struct qt_thread me = {.qt = &qt, .task = main_task};
	trace_state_at(main_task, STATE_JOIN, qt.ln.join, "p.join() for each producer");
	gil_release(qt.gil, main_task);
	for (int i = nc; i < started; i++)
		pthread_join(th[i].th, NULL);
	gil_acquire(qt.gil, main_task, qt.ln.join);
	/* Even when not every thread started, those that did are ended the
	 * same way: each consumer gets its sentinel. */
	int ncs = started < nc ? started : nc;
	tq_join(&qt, main_task);
	for (int i = 0; i < ncs && !run_stopping(run); i++)
		tq_put(&me, QT_STOP, qt.ln.sentinel, "q.put(STOP): one sentinel per consumer");
	trace_state_at(main_task, STATE_JOIN, qt.ln.join, "c.join() for each consumer");
	gil_release(qt.gil, main_task);
	for (int i = 0; i < ncs; i++)
		pthread_join(th[i].th, NULL);
	uint64_t wall = clock_now_ns() - t0;
	trace_end(main_task);
	if (started == nc + np && !run_stopping(run))
		qt_results(&qt, th, np, nc, wall);
	tq_free(&qt.q);
	gil_free(qt.gil);
	return started == nc + np || run_stopping(run) ? 0 : -1;
}
