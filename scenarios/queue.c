/*
 * queue.c: the queue module: work handed from producers to consumers
 * through a queue, three ways. queue/threads: queue.Queue between threads
 * (under the emulated GIL); queue/asyncio: asyncio.Queue between coroutines
 * on one event loop, and the hand-over from a thread into it; queue/rq: a
 * job queue on a real Redis server, worked by processes, which other
 * machines may join (`simul --rq-worker URL`).
 *
 * Each demo lives in a file of its own in scenarios/queue/; this file holds
 * their parameters, the module's table and the workers' entry point.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "queue/queue_int.h"
#include "queue/redisd.h"
#include "queue/rq_remote.h"

static const char *const rq_kinds[] = {"cpu", "io", NULL};
static const struct param_spec rq_params[] = {
	{.name = "jobs", .type = PARAM_INT, .def = 20, .min = 1, .max = 10000, .unit = "jobs",
	 .help = "jobs the producer enqueues"},
	{.name = "workers", .type = PARAM_INT, .def = 3, .min = 1, .max = 16, .unit = "processes",
	 .help = "local worker processes (`rq worker`), started before the jobs are enqueued"},
	{.name = "job_ms", .type = PARAM_INT, .def = 100, .min = 0, .max = 10000, .unit = "ms",
	 .help = "how long one job works"},
	{.name = "kind", .type = PARAM_ENUM, .def = 0, .choices = rq_kinds,
	 .help = "cpu: a job computes; io: a job waits (time.sleep, standing for I/O)"},
	{.name = "kill_worker", .type = PARAM_BOOL, .def = 0,
	 .help = "kill -9 worker 1 in the middle of a job: the others find it and requeue its job"},
	{.name = "retries", .type = PARAM_INT, .def = 1, .min = 0, .max = 5, .unit = "retries",
	 .help = "times a job lost with its worker is requeued (RQ's Retry(max=N)); then it fails"},
	{.name = "redis", .type = PARAM_TEXT, .unit = "a Redis URL (redis://HOST[:PORT][/DB] or unix:///PATH)",
	 .check = redis_url_check,
	 .help = "use this running Redis instead of starting one (by default simul starts its own)"},
};

static const char *const work_kinds[] = {"io", "cpu", NULL};
static const struct param_spec threads_params[] = {
	{.name = "producers", .type = PARAM_INT, .def = 1, .min = 1, .max = 8, .unit = "threads",
	 .help = "threads that make items and q.put them"},
	{.name = "consumers", .type = PARAM_INT, .def = 2, .min = 1, .max = 16, .unit = "threads",
	 .help = "threads that q.get items and work on them"},
	{.name = "items", .type = PARAM_INT, .def = 12, .min = 1, .max = 1000, .unit = "items",
	 .help = "items each producer makes"},
	{.name = "maxsize", .type = PARAM_INT, .def = 3, .min = 0, .max = 1000, .unit = "items",
	 .help = "queue.Queue(maxsize): put waits while it is full (0: no limit)"},
	{.name = "produce_ms", .type = PARAM_INT, .def = 10, .min = 0, .max = 5000, .unit = "ms",
	 .help = "time to make one item (a time.sleep, standing for I/O)"},
	{.name = "work_ms", .type = PARAM_INT, .def = 60, .min = 0, .max = 5000, .unit = "ms",
	 .help = "time a consumer works on one item"},
	{.name = "work", .type = PARAM_ENUM, .def = 0, .choices = work_kinds,
	 .help = "io: the work waits (GIL let go); cpu: it computes, holding the GIL"},
};

static const struct param_spec asyncio_params[] = {
	{.name = "producers", .type = PARAM_INT, .def = 1, .min = 1, .max = 8, .unit = "tasks",
	 .help = "coroutines that make items and await q.put"},
	{.name = "consumers", .type = PARAM_INT, .def = 2, .min = 1, .max = 16, .unit = "tasks",
	 .help = "coroutines that await q.get and work on the items"},
	{.name = "items", .type = PARAM_INT, .def = 10, .min = 1, .max = 1000, .unit = "items",
	 .help = "items each producer makes"},
	{.name = "maxsize", .type = PARAM_INT, .def = 3, .min = 0, .max = 1000, .unit = "items",
	 .help = "asyncio.Queue(maxsize): put waits while it is full (0: no limit)"},
	{.name = "produce_ms", .type = PARAM_INT, .def = 10, .min = 0, .max = 5000, .unit = "ms",
	 .help = "await asyncio.sleep before each item (making it: I/O)"},
	{.name = "work_ms", .type = PARAM_INT, .def = 60, .min = 0, .max = 5000, .unit = "ms",
	 .help = "await asyncio.sleep for each item a consumer takes (its work: I/O)"},
	{.name = "thread_items", .type = PARAM_INT, .def = 3, .min = 0, .max = 100, .unit = "items",
	 .help = "items a thread hands to the loop with run_coroutine_threadsafe"},
	{.name = "thread_ms", .type = PARAM_INT, .def = 40, .min = 0, .max = 5000, .unit = "ms",
	 .help = "blocking work (time.sleep) in the thread before each of its items"},
};

static const struct demo queue_demos[] = {
	{
		.name = "threads",
		.summary = "queue.Queue between producer and consumer threads: get waits when empty, put when full",
		.description = "Producer threads make items and put them on a queue.Queue; consumer "
		               "threads get them and work. With maxsize the producers wait while the "
		               "queue is full (back-pressure); consumers wait while it is empty. "
		               "task_done and join say when every item is handled; a sentinel per "
		               "consumer stops them. Under the emulated GIL.",
		.params = threads_params,
		.nparams = DEMO_COUNT(threads_params),
		.main = queue_threads_main,
	},
	{
		.name = "asyncio",
		.summary = "asyncio.Queue between coroutines; a thread hands items in with run_coroutine_threadsafe",
		.description = "The same shape on one event loop: producers await q.put, consumers "
		               "await q.get, maxsize makes producers wait, q.join waits for every "
		               "task_done, then the consumers are cancelled. A thread (to_thread) does "
		               "blocking work and puts its items through the loop, since asyncio.Queue "
		               "is not thread-safe.",
		.params = asyncio_params,
		.nparams = DEMO_COUNT(asyncio_params),
		.main = queue_asyncio_main,
	},
	{
		.name = "rq",
		.summary = "a job queue on a real Redis server: RQ-style workers in processes, a killed one's job requeued",
		.description = "simul starts a redis-server of its own (or uses redis=URL), W worker "
		               "processes wait on it with BLMOVE, the producer enqueues the jobs. Each "
		               "worker moves the job it takes into its own started list, so that when "
		               "kill_worker=on kills one mid-job, another finds its job and requeues "
		               "it. Workers on other machines join with simul --rq-worker URL.",
		.params = rq_params,
		.nparams = DEMO_COUNT(rq_params),
		.main = queue_rq_main,
	},
};

/* `simul --worker queue rq ...` (a local worker), or `join URL`, which
 * main passes on for `simul --rq-worker URL`. */
static int queue_worker(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "rq") == 0)
		return queue_rq_worker(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "join") == 0)
		return rq_join_main(argc - 1, argv + 1);
	fprintf(stderr, "simul: --worker queue: unknown job (allowed: rq, join)\n");
	return 2;
}

const struct demo_module queue_module = {
	.name = "queue",
	.title = "Queues",
	.order = 35,
	.demos = queue_demos,
	.ndemos = DEMO_COUNT(queue_demos),
	.worker = queue_worker,
};
