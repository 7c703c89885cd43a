/*
 * executor.c: thread and process pools whose jobs co tasks await (see
 * executor.h).
 *
 * Every job has one record, kept until executor_free so that a task
 * cancelled while its job runs never leaves a dangling pointer behind. A
 * finished job goes on the done list under the mutex; the loop's async
 * callback (or executor_wait_all) takes it from there.
 */
#include "executor.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "clock.h"
#include "fdio.h"
#include "procs.h"

#define EXECUTOR_TICK_MS 20 /* how often a waiter looks at the run and the children */
#define EXECUTOR_ARGS_MAX 16

struct executor_job {
	int job, line, result;
	trace_task_t by; /* the worker lane that ran it, TRACE_NO_TASK when unknown */
	struct co_task *waiter; /* loop thread only */
	struct executor_job *next; /* the queue, then the done list */
	struct executor_job *all;  /* every record, for executor_free */
};

struct executor_thread {
	struct executor *ex;
	pthread_t th;
	trace_task_t lane;
};

struct executor {
	struct executor_options o;
	int processes;
	struct executor_job *all;

	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	/* under mu */
	struct executor_job *queue_head, *queue_tail, *done_head;
	struct executor_job *running[EXECUTOR_JOBS_MAX]; /* processes: by job byte */
	int idle_tokens, shutdown, submitted, completed, failed, broken;

	struct executor_thread threads[EXECUTOR_WORKERS_MAX];
	int nthreads;

	struct procs_set ps;
	int ps_inited, started;
	int call_fd, result_fd; /* parent's ends of the two queues */
	pthread_t manager;
	int manager_on;

	uv_async_t async;
	uv_timer_t tick;
	int handles;
};

/* ---- completion ---- */

/* Under mu: job j is over with this result. */
static void executor_finish_locked(struct executor *ex, struct executor_job *j, int result)
{
	j->result = result;
	j->next = ex->done_head;
	ex->done_head = j;
	ex->completed++;
	if (result < 0 && ex->failed == 0)
		ex->failed = result;
	pthread_cond_broadcast(&ex->done_cv);
	if (ex->handles)
		uv_async_send(&ex->async);
}

/* Loop thread: wake the tasks whose jobs are done. */
static void executor_deliver(uv_async_t *h)
{
	struct executor *ex = h->data;
	pthread_mutex_lock(&ex->mu);
	struct executor_job *j = ex->done_head;
	ex->done_head = NULL;
	pthread_mutex_unlock(&ex->mu);
	for (; j != NULL; j = j->next)
		if (j->waiter != NULL) {
			struct co_task *t = j->waiter;
			j->waiter = NULL;
			if (j->by != TRACE_NO_TASK)
				trace_wake(co_task_id(t), j->by, "set the future's result");
			co_wake(t, j->result, "run_in_executor returned");
		}
}

/* A dead child breaks the pool: every job it may have held fails. */
static void executor_check_children(struct executor *ex)
{
	if (!ex->processes || !ex->ps_inited)
		return;
	procs_poll(&ex->ps);
	pthread_mutex_lock(&ex->mu);
	if (ex->ps.crashed > 0 && !ex->broken) {
		ex->broken = 1;
		run_fail(ex->o.run, "a process pool worker died: the pool is broken (BrokenProcessPool)");
		for (int i = 0; i < EXECUTOR_JOBS_MAX; i++)
			if (ex->running[i] != NULL) {
				executor_finish_locked(ex, ex->running[i], -EPIPE);
				ex->running[i] = NULL;
			}
		for (struct executor_job *q = ex->queue_head, *next; q != NULL; q = next) {
			next = q->next;
			executor_finish_locked(ex, q, -EPIPE);
		}
		ex->queue_head = ex->queue_tail = NULL;
	}
	pthread_mutex_unlock(&ex->mu);
}

static void executor_ticked(uv_timer_t *t)
{
	executor_check_children(t->data);
}

/* ---- threads ---- */

static void *executor_thread_main(void *arg)
{
	struct executor_thread *w = arg;
	struct executor *ex = w->ex;
	trace_bind(w->lane);
	pthread_mutex_lock(&ex->mu);
	for (;;) {
		if (ex->queue_head == NULL && !ex->shutdown) {
			trace_state(w->lane, STATE_IDLE, "waiting for work");
			while (ex->queue_head == NULL && !ex->shutdown)
				pthread_cond_wait(&ex->work_cv, &ex->mu);
		}
		struct executor_job *j = ex->queue_head;
		if (j == NULL)
			break;
		ex->queue_head = j->next;
		if (ex->queue_head == NULL)
			ex->queue_tail = NULL;
		pthread_mutex_unlock(&ex->mu);

		struct executor_call c = {.job = j->job, .line = j->line, .lane = w->lane, .gil = ex->o.gil};
		int rc = UV_ECANCELED;
		if (!run_stopping(ex->o.run)) {
			if (c.gil != NULL)
				gil_acquire(c.gil, w->lane, c.line);
			else
				trace_statef(w->lane, STATE_RUNNING, c.line, "job %d", c.job);
			rc = ex->o.fn(ex->o.ctx, &c);
			trace_state(w->lane, STATE_IDLE, "waiting for work");
			gil_release(c.gil, w->lane);
		}
		pthread_mutex_lock(&ex->mu);
		j->by = w->lane;
		executor_finish_locked(ex, j, rc);
		ex->idle_tokens++; /* ThreadPoolExecutor's _idle_semaphore */
	}
	pthread_mutex_unlock(&ex->mu);
	return NULL;
}

/* Under mu: ThreadPoolExecutor._adjust_thread_count. */
static void executor_adjust_threads(struct executor *ex)
{
	if (ex->idle_tokens > 0) {
		ex->idle_tokens--;
		return;
	}
	if (ex->nthreads >= ex->o.workers)
		return;
	struct executor_thread *w = &ex->threads[ex->nthreads];
	char name[32];
	snprintf(name, sizeof(name), "pool thread %d", ex->nthreads + 1);
	w->ex = ex;
	w->lane = trace_task_new(name, KIND_WORKER, ex->o.group);
	gil_name_task(ex->o.gil, w->lane, name);
	if (pthread_create(&w->th, NULL, executor_thread_main, w) != 0) {
		trace_end(w->lane);
		return; /* the threads already there take the job */
	}
	ex->nthreads++;
}

/* ---- processes ---- */

static void *executor_manager_main(void *arg)
{
	struct executor *ex = arg;
	unsigned char b;
	for (;;) {
		ssize_t k = read(ex->result_fd, &b, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k != 1)
			break; /* every child has gone */
		pthread_mutex_lock(&ex->mu);
		if (ex->running[b] != NULL) {
			executor_finish_locked(ex, ex->running[b], 0);
			ex->running[b] = NULL;
		}
		pthread_mutex_unlock(&ex->mu);
	}
	return NULL;
}

/* Spawn every worker, with the two shared queues. */
static int executor_start_processes(struct executor *ex)
{
	int call[2], result[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, call) != 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, result) != 0) {
		int e = errno;
		close(call[0]);
		close(call[1]);
		return -e;
	}
	ex->call_fd = call[0];
	ex->result_fd = result[0];
	int rc = procs_set_init(&ex->ps, ex->o.run);
	ex->ps_inited = rc == 0;
	struct procs_spawn_options po = {.module = ex->o.module, .stdin_fd = call[1],
	                                 .stdout_fd = result[1], .no_panel = 1};
	for (int i = 0; rc == 0 && i < ex->o.workers; i++) {
		const char *argv[EXECUTOR_ARGS_MAX + 2];
		char name[32], task_arg[16];
		snprintf(name, sizeof(name), "worker-%d", i + 1);
		trace_task_t t = trace_task_new(name, KIND_PROCESS, ex->o.group);
		snprintf(task_arg, sizeof(task_arg), "%d", (int)t);
		/* The worker's verb, its lane's task id, then the rest. */
		int n = 0;
		argv[n++] = ex->o.args[0];
		argv[n++] = task_arg;
		for (int k = 1; ex->o.args[k - 1] != NULL && ex->o.args[k] != NULL && n < EXECUTOR_ARGS_MAX; k++)
			argv[n++] = ex->o.args[k];
		argv[n] = NULL;
		if (procs_spawn_with(&ex->ps, t, name, &po, argv) < 0) {
			trace_end(t);
			rc = -ECHILD;
		}
	}
	close(call[1]);
	close(result[1]);
	if (rc == 0 && pthread_create(&ex->manager, NULL, executor_manager_main, ex) != 0)
		rc = -EAGAIN;
	ex->manager_on = rc == 0;
	return rc;
}

/* ---- the pool ---- */

struct executor *executor_new(const struct executor_options *o)
{
	struct executor *ex = calloc(1, sizeof(*ex));
	if (ex == NULL) {
		run_fail(o->run, "out of memory for a pool");
		return NULL;
	}
	ex->o = *o;
	ex->processes = o->module != NULL;
	if (ex->o.workers < 1)
		ex->o.workers = 1;
	if (ex->o.workers > EXECUTOR_WORKERS_MAX)
		ex->o.workers = EXECUTOR_WORKERS_MAX;
	ex->call_fd = ex->result_fd = -1;
	pthread_mutex_init(&ex->mu, NULL);
	pthread_cond_init(&ex->work_cv, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* clock_now_ns's clock */
	pthread_cond_init(&ex->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (o->loop != NULL) {
		uv_loop_t *uv = co_loop_uv(o->loop);
		uv_async_init(uv, &ex->async, executor_deliver);
		uv_timer_init(uv, &ex->tick);
		ex->async.data = ex->tick.data = ex;
		uv_unref((uv_handle_t *)&ex->tick);
		ex->handles = 1;
	}
	return ex;
}

int executor_start(struct executor *ex)
{
	if (!ex->processes || ex->started)
		return ex->processes && !ex->manager_on ? -1 : 0;
	ex->started = 1;
	int rc = executor_start_processes(ex);
	if (rc < 0) {
		if (!ex->o.run->error[0])
			run_fail(ex->o.run, "could not start the process pool: %s", strerror(-rc));
		return -1;
	}
	if (ex->handles)
		uv_timer_start(&ex->tick, executor_ticked, EXECUTOR_TICK_MS, EXECUTOR_TICK_MS);
	return 0;
}

int executor_pids(const struct executor *ex, pid_t *out, int max)
{
	int n = 0;
	for (int i = 0; ex->ps_inited && i < ex->ps.n && n < max; i++)
		out[n++] = ex->ps.kids[i].pid;
	return n;
}

static struct executor_job *executor_enqueue(struct executor *ex, int job, int line)
{
	if (job < 0 || job >= EXECUTOR_JOBS_MAX || executor_start(ex) != 0)
		return NULL;
	struct executor_job *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->job = job;
	j->line = line;
	j->by = TRACE_NO_TASK;
	j->all = ex->all;
	ex->all = j;
	pthread_mutex_lock(&ex->mu);
	ex->submitted++;
	if (ex->processes) {
		unsigned char b = (unsigned char)job;
		ex->running[b] = j;
		if (ex->broken || fd_write_all(ex->call_fd, &b, 1) != 0) {
			ex->running[b] = NULL;
			executor_finish_locked(ex, j, -EPIPE);
		}
	} else {
		if (ex->queue_tail)
			ex->queue_tail->next = j;
		else
			ex->queue_head = j;
		ex->queue_tail = j;
		executor_adjust_threads(ex);
		pthread_cond_signal(&ex->work_cv);
	}
	pthread_mutex_unlock(&ex->mu);
	return j;
}

int executor_submit(struct executor *ex, int job, int line)
{
	return executor_enqueue(ex, job, line) != NULL ? 0 : -ENOMEM;
}

int executor_await(struct co_task *task, struct executor *ex, int job, const char *what, int line)
{
	if (!ex->handles)
		return -EINVAL; /* made without a loop */
	struct executor_job *j = executor_enqueue(ex, job, line);
	if (j == NULL)
		return ex->o.run->error[0] ? -EPIPE : -ENOMEM;
	char why[96];
	snprintf(why, sizeof(why), "await run_in_executor(%s)", what);
	/* Even a job already over is delivered by the async callback, which
	 * runs on this thread once the task has parked. */
	j->waiter = task;
	int rc = co_park(task, STATE_JOIN, line, why);
	j->waiter = NULL; /* cancelled: a late result must not wake this task */
	return rc;
}

int executor_wait_all(struct executor *ex)
{
	pthread_mutex_lock(&ex->mu);
	while (ex->completed < ex->submitted && !run_stopping(ex->o.run)) {
		uint64_t deadline = clock_now_ns() + EXECUTOR_TICK_MS * NS_PER_MS;
		struct timespec ts = {(time_t)(deadline / NS_PER_S), (long)(deadline % NS_PER_S)};
		pthread_cond_timedwait(&ex->done_cv, &ex->mu, &ts);
		pthread_mutex_unlock(&ex->mu);
		executor_check_children(ex);
		pthread_mutex_lock(&ex->mu);
	}
	int rc = run_stopping(ex->o.run) ? -1 : ex->failed;
	pthread_mutex_unlock(&ex->mu);
	return rc;
}

static void executor_closed(uv_handle_t *h)
{
	(void)h;
}

void executor_free(struct executor *ex)
{
	if (ex == NULL)
		return;
	pthread_mutex_lock(&ex->mu);
	ex->shutdown = 1;
	ex->queue_head = ex->queue_tail = NULL; /* queued jobs are dropped */
	pthread_cond_broadcast(&ex->work_cv);
	pthread_mutex_unlock(&ex->mu);
	for (int i = 0; i < ex->nthreads; i++) {
		pthread_join(ex->threads[i].th, NULL);
		trace_end(ex->threads[i].lane);
	}
	if (ex->call_fd >= 0)
		close(ex->call_fd); /* EOF on the call queue: the workers exit */
	if (ex->ps_inited) {
		procs_wait_all(&ex->ps); /* kills them instead when the run stops */
		procs_set_close(&ex->ps);
	}
	if (ex->manager_on)
		pthread_join(ex->manager, NULL);
	if (ex->result_fd >= 0)
		close(ex->result_fd);
	if (ex->handles) {
		uv_close((uv_handle_t *)&ex->async, executor_closed);
		uv_close((uv_handle_t *)&ex->tick, executor_closed);
		/* Both close callbacks run at once on the next turn. */
		uv_run(co_loop_uv(ex->o.loop), UV_RUN_NOWAIT);
	}
	for (struct executor_job *j = ex->all, *next; j != NULL; j = next) {
		next = j->all;
		free(j);
	}
	pthread_mutex_destroy(&ex->mu);
	pthread_cond_destroy(&ex->work_cv);
	pthread_cond_destroy(&ex->done_cv);
	free(ex);
}

/* ---- a child of a process pool ---- */

int executor_worker_main(const char *task_arg, executor_fn fn, void *ctx)
{
	trace_task_t t = procs_child_attach(task_arg);
	if (t == TRACE_NO_TASK)
		return 2;
	unsigned char b;
	for (;;) {
		trace_state(t, STATE_IDLE, "waiting for a job from the call queue");
		ssize_t k = read(0, &b, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k != 1)
			break;
		struct executor_call c = {.job = b, .lane = t};
		if (fn(ctx, &c) < 0)
			return 3;
		trace_markf(t, "job %d done", b);
		if (fd_write_all(1, &b, 1) != 0)
			break; /* the parent has gone */
	}
	trace_end(t);
	return 0;
}
