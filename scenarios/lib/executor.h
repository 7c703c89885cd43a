/*
 * executor.h: concurrent.futures pools, awaited from co tasks as
 * loop.run_in_executor(pool, fn, job) does, or mapped from a plain thread
 * as list(pool.map(fn, jobs)) does.
 *
 * A job is a number 0..EXECUTOR_JOBS_MAX-1 that the caller gives meaning to;
 * a number is not submitted again while it is pending.
 *
 * Thread pool (ThreadPoolExecutor): up to `workers` pthreads, one more
 * started at a submit that finds none idle, as CPython does; each is a lane
 * ("pool thread N") that runs fn(ctx, call) for a job. With a gil, a pool
 * thread holds it for the whole call, as a thread running Python code does:
 * fn hands it over at gil_check, so pure-Python work gains no parallelism.
 *
 * Process pool (ProcessPoolExecutor): `workers` children started together
 * at the first submit (as CPython's fork start method does), each
 * `simul --worker MODULE VERB TASK ARGS...` through procs, its lane's
 * task id second, as the processes module's workers take it. Jobs go down one pipe that every child reads (its fd 0, one byte a
 * job, the call queue); each child writes the byte back on one shared pipe
 * (its fd 1, the result queue) when the job is done. A manager thread
 * reads the results, as CPython's executor manager thread does. A child
 * that dies breaks the pool: pending jobs fail with -EPIPE
 * (BrokenProcessPool) and its lane says how it died.
 *
 * With a loop, completions reach the awaiting tasks through a uv_async_t
 * (call_soon_threadsafe); without one, executor_wait_all waits for them.
 *
 * Not thread-safe: one thread (the loop's, or the demo's scenario thread)
 * owns an executor. executor_free shuts it down: it waits for the jobs
 * already running (a stopping run cuts them short), drops queued ones,
 * joins the threads, reaps the children. With a loop, call it before
 * co_loop_free, which finishes closing the executor's handles.
 */
#ifndef SIMUL_EXECUTOR_H
#define SIMUL_EXECUTOR_H

#include <sys/types.h>

#include "co.h"
#include "gil.h"
#include "run.h"
#include "trace.h"

#define EXECUTOR_JOBS_MAX 256
#define EXECUTOR_WORKERS_MAX 32 /* ThreadPoolExecutor's own cap */

/* What a pool thread is asked to do. */
struct executor_call {
	int job, line; /* the job, and the Python line that submitted it */
	trace_task_t lane;
	struct gil *gil; /* held during the call when not NULL */
};
/* Returns 0, or a negative number for a failed job. */
typedef int (*executor_fn)(void *ctx, const struct executor_call *call);

struct executor_options {
	struct run *run;
	struct co_loop *loop; /* NULL: a plain thread maps with wait_all */
	const char *group;    /* the lanes' group */
	int workers;          /* max_workers */
	/* threads */
	executor_fn fn;
	void *ctx;
	struct gil *gil;
	/* processes: `simul --worker module args[0] TASK args[1]...` */
	const char *module;
	const char *const *args;
};

struct executor;

/* A pool of threads (o->fn set) or processes (o->module set), started
 * lazily. NULL (the run's error says why) on failure. */
struct executor *executor_new(const struct executor_options *o);
/* Start the workers now rather than at the first submit (processes: all
 * of them). 0, or -1 (the run's error says why). */
int executor_start(struct executor *ex);
/* The pids of a process pool's children so far; returns how many. */
int executor_pids(const struct executor *ex, pid_t *out, int max);
/* await loop.run_in_executor(pool, fn, job): the task waits (join) while
 * the pool runs the job. Returns its result, or UV_ECANCELED when the run
 * stops, or a negative errno. */
int executor_await(struct co_task *task, struct executor *ex, int job, const char *what, int line);
/* pool.submit(fn, job) from the owning thread, for executor_wait_all. */
int executor_submit(struct executor *ex, int job, int line);
/* Until every submitted job is done: 0, -1 when the run stops, or the
 * first failed job's result. */
int executor_wait_all(struct executor *ex);
void executor_free(struct executor *ex);

/* A child's side of a process pool: attach its lane (task_arg, the
 * argument after the verb), then for each job byte on fd 0 until EOF: run fn with the
 * call's lane set, and write the byte to fd 1. Returns 0 (EOF), 2 when it
 * could not attach, 3 when fn failed. */
int executor_worker_main(const char *task_arg, executor_fn fn, void *ctx);

#endif
