/*
 * asyncio_demo.c: queue/asyncio, asyncio.Queue between coroutines on one
 * event loop, and items handed in from a thread the right way.
 *
 * It mirrors asyncio.py. Producers and consumers are co tasks on a real
 * libuv loop (co.h); the queue is asyncio.Queue's logic (co_sync.h):
 * waiters in first-come lists, woken one at a time. A thread (started with
 * asyncio.to_thread, on libuv's pool) does blocking work and hands each
 * result to the loop with run_coroutine_threadsafe(q.put(item), loop): the
 * put runs as a task on the loop's thread, never on the thread itself,
 * since asyncio.Queue is not thread-safe. At the end main waits for the
 * producers and the thread, then q.join(), then cancels the consumers,
 * which are still waiting on the empty queue.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "co.h"
#include "co_sync.h"
#include "queue_int.h"
#include "run.h"
#include "trace.h"

#define QA_TASKS_MAX 32
#define QA_THREAD_ITEM 900000L

struct qa_lines {
	int queue, make, put, get, work, done, thread, threadsafe, gather, join, cancel;
};

/* Tasks share one run stack: what several of them, or the thread, read
 * lives here. */
static struct qa {
	struct run *run;
	struct co_loop *loop;
	struct co_queue q;
	struct co_bridge *bridge;
	struct qa_lines ln;
	int items, thread_items, nprod, ncons;
	uint64_t produce_ms, work_ms, thread_ms;
	uint64_t put_wait_ns, get_wait_ns;
	long consumed, from_thread, cancelled;
	struct co_task *tasks[QA_TASKS_MAX];
} qa;

static void qa_producer(struct co_task *t, void *arg)
{
	long index = (long)(intptr_t)arg;
	for (int i = 0; i < qa.items; i++) {
		if (co_sleep(t, qa.produce_ms, qa.ln.make) != 0)
			return;
		uint64_t t0 = clock_now_ns();
		if (co_queue_put(t, &qa.q, index * 100000 + i + 1, qa.ln.put) != 0)
			return;
		qa.put_wait_ns += clock_now_ns() - t0;
	}
	trace_markf(co_task_id(t), "producer %ld: %d items put", index, qa.items);
}

static void qa_consumer(struct co_task *t, void *arg)
{
	long index = (long)(intptr_t)arg, item, n = 0;
	for (;;) {
		uint64_t t0 = clock_now_ns();
		int rc = co_queue_get(t, &qa.q, &item, qa.ln.get);
		qa.get_wait_ns += clock_now_ns() - t0;
		if (rc != 0)
			break;
		if (co_sleep(t, qa.work_ms, qa.ln.work) != 0)
			break;
		trace_state_at(co_task_id(t), STATE_RUNNING, qa.ln.done, "q.task_done()");
		co_queue_task_done(&qa.q);
		n++;
		qa.consumed++;
	}
	if (!run_stopping(qa.run)) {
		qa.cancelled++;
		trace_markf(co_task_id(t), "consumer %ld: %ld items, then CancelledError while waiting on the queue",
		            index, n);
		co_task_cancelled(t);
	}
}

/* On the loop's thread, for the thread: await q.put(item). */
static void qa_put_from_thread(struct co_task *t, void *arg)
{
	co_bridge_result(t, co_queue_put(t, &qa.q, (long)(intptr_t)arg, qa.ln.threadsafe));
}

/* The thread's function (asyncio.to_thread runs it on a pool thread). */
static void qa_feed(void *arg)
{
	(void)arg;
	trace_task_t lane = co_pool_lane_self();
	char name[32];
	for (int i = 0; i < qa.thread_items && !run_stopping(qa.run); i++) {
		trace_state_at(lane, STATE_SLEEP, qa.ln.thread, "time.sleep: blocking work, fine in a thread");
		if (run_sleep_ns(qa.run, qa.thread_ms * NS_PER_MS) != 0)
			break;
		snprintf(name, sizeof(name), "q.put (thread) %d", i + 1);
		if (co_bridge_call(qa.bridge, lane, qa.ln.threadsafe, name, qa_put_from_thread,
		                   (void *)(intptr_t)(QA_THREAD_ITEM + i + 1)) != 0)
			break;
		qa.from_thread++;
	}
	trace_state(lane, STATE_RUNNING, "feed returns");
}

static void qa_feeder(struct co_task *t, void *arg)
{
	(void)arg;
	co_to_thread(t, qa_feed, NULL, "feed(loop, q)", qa.ln.thread);
}

static void qa_main(struct co_task *t, void *arg)
{
	(void)arg;
	char name[32];
	int n = 0;
	trace_state_at(co_task_id(t), STATE_RUNNING, qa.ln.queue, "q = asyncio.Queue(maxsize)");
	for (int i = 0; i < qa.ncons; i++) {
		snprintf(name, sizeof(name), "consumer %d", i + 1);
		qa.tasks[n++] = co_create_task(qa.loop, t, name, "consumers", qa_consumer, (void *)(intptr_t)(i + 1));
	}
	for (int i = 0; i < qa.nprod; i++) {
		snprintf(name, sizeof(name), "producer %d", i + 1);
		qa.tasks[n++] = co_create_task(qa.loop, t, name, "producers", qa_producer, (void *)(intptr_t)(i + 1));
	}
	qa.tasks[n++] = co_create_task(qa.loop, t, "to_thread(feed)", "thread", qa_feeder, NULL);
	for (int i = 0; i < n; i++)
		if (qa.tasks[i] == NULL)
			return;
	if (co_gather(t, qa.tasks + qa.ncons, (size_t)(qa.nprod + 1), qa.ln.gather) != 0 ||
	    co_queue_join(t, &qa.q, qa.ln.join) != 0)
		return;
	trace_state_at(co_task_id(t), STATE_RUNNING, qa.ln.cancel, "c.cancel() for each consumer");
	for (int i = 0; i < qa.ncons; i++)
		co_cancel(qa.tasks[i]);
	co_gather(t, qa.tasks, (size_t)qa.ncons, qa.ln.cancel);
}

static void qa_lines(struct run *run, struct qa_lines *l)
{
	l->queue = run_lesson_line(run, "queue");
	l->make = run_lesson_line(run, "make");
	l->put = run_lesson_line(run, "put");
	l->get = run_lesson_line(run, "get");
	l->work = run_lesson_line(run, "work");
	l->done = run_lesson_line(run, "done");
	l->thread = run_lesson_line(run, "thread");
	l->threadsafe = run_lesson_line(run, "threadsafe");
	l->gather = run_lesson_line(run, "gather");
	l->join = run_lesson_line(run, "join");
	l->cancel = run_lesson_line(run, "cancel");
}

int queue_asyncio_main(struct run *run)
{
	memset(&qa, 0, sizeof(qa));
	qa.run = run;
	qa.nprod = (int)run_int(run, "producers");
	qa.ncons = (int)run_int(run, "consumers");
	qa.items = (int)run_int(run, "items");
	qa.thread_items = (int)run_int(run, "thread_items");
	qa.produce_ms = (uint64_t)run_int(run, "produce_ms");
	qa.work_ms = (uint64_t)run_int(run, "work_ms");
	qa.thread_ms = (uint64_t)run_int(run, "thread_ms");
	qa_lines(run, &qa.ln);
	if (co_queue_init(&qa.q, (int)run_int(run, "maxsize")) != 0) {
		run_fail(run, "out of memory");
		return -1;
	}
	const struct co_loop_options opt = {.name = "event loop", .group = "loop", .pool = 1};
	qa.loop = co_loop_new(run, &opt);
	if (qa.loop == NULL) {
		co_queue_free(&qa.q);
		return -1;
	}
	qa.bridge = co_bridge_new(qa.loop, "thread");
	trace_milestone("asyncio.Queue between coroutines, and from a thread");
	uint64_t t0 = clock_now_ns();
	int rc = qa.bridge != NULL && co_create_task(qa.loop, NULL, "main", "main", qa_main, NULL) != NULL
	                 ? co_loop_run(qa.loop)
	                 : -1;
	uint64_t wall = clock_now_ns() - t0;
	co_loop_free(qa.loop);
	co_bridge_free(qa.bridge);
	int max_seen = qa.q.max_seen;
	co_queue_free(&qa.q);
	if (rc != 0 && !run_stopping(run)) {
		run_fail(run, "the event loop failed (%d)", rc);
		return -1;
	}
	if (run_stopping(run))
		return 0;
	run_result_num(run, "items_done", (double)qa.consumed);
	run_result_num(run, "items_from_thread", (double)qa.from_thread);
	run_result_num(run, "put_wait_ms", (double)qa.put_wait_ns / (double)NS_PER_MS);
	run_result_num(run, "get_wait_ms", (double)qa.get_wait_ns / (double)NS_PER_MS);
	run_result_num(run, "max_qsize", max_seen);
	run_result_num(run, "consumers_cancelled", (double)qa.cancelled);
	run_result_num(run, "wall_ms", (double)wall / (double)NS_PER_MS);
	return 0;
}
