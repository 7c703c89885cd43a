/*
 * rq_demo.c: queue/rq, a job queue on a real Redis server, in RQ's shape.
 *
 * The producer (this demo's scenario thread) starts a redis-server of its
 * own (redisd.h) or connects to redis=URL, starts W worker processes
 * (`simul --worker queue rq ...`, each an RQ-style worker: rqueue.h),
 * enqueues the jobs, then waits for every one to be done or failed while
 * it draws the queue's length, reads the event stream of workers that
 * joined from elsewhere (rq_remote.h) and, with kill_worker=on, kills one
 * worker with SIGKILL in the middle of a job. Whatever happens, the workers
 * are reaped and the server it started is stopped and its directory
 * removed before the demo returns.
 *
 * Where simul's C does in microseconds what RQ's Python does in
 * milliseconds, the steps spend CPython's measured cost (pycost.h's rule):
 * a q.enqueue, an RQ worker's own bookkeeping for each job, the start of
 * `rq worker`.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "procs.h"
#include "pycost.h"
#include "queue_int.h"
#include "redisd.h"
#include "rq_remote.h"
#include "rqueue.h"
#include "run.h"
#include "trace.h"

#define RQ_LOCAL_HB_TTL_MS 1000
#define RQD_REGISTER_MS 20000
#define RQD_SPARK 20
#define RQD_PANEL_EVERY_NS (100 * NS_PER_MS)

struct rqd {
	struct run *run;
	struct redisd srv;
	int own;
	char url[256];
	redisContext *c;
	char version[32];
	int blmove;
	char run_id[24], prefix[RQ_PREFIX_MAX];
	struct procs_set ps;
	int ps_inited;
	int nworkers, njobs;
	char ids[PROCS_MAX][RQ_ID_MAX];
	trace_task_t producer, server;
	struct rq_remote remote;
	struct rq_stats st;
	long qmax;
	int spark[RQD_SPARK], nspark;
	int killed;
	char err[256];
};

/* ---- a local worker process: `simul --worker queue rq ...` ---- */

struct local_sink {
	struct rq_sink sink;
	trace_task_t task;
	int lines[RQ_PHASE_COUNT];
};

static void local_state(struct rq_sink *s, enum state st, enum rq_phase phase, const char *reason)
{
	struct local_sink *ls = s->arg;
	trace_state_at(ls->task, st, ls->lines[phase], reason);
}

static void local_mark(struct rq_sink *s, const char *text)
{
	struct local_sink *ls = s->arg;
	trace_mark(ls->task, text);
}

/* argv: rq TASK URL PREFIX ID NAME BLMOVE LINE_TAKE LINE_RUN LINE_ACK */
int queue_rq_worker(int argc, char **argv)
{
	if (argc != 11 || strcmp(argv[1], "rq") != 0) {
		fprintf(stderr, "simul: --worker queue: want rq TASK URL PREFIX ID NAME BLMOVE LINE LINE LINE\n");
		return 2;
	}
	trace_task_t task = procs_child_attach(argv[2]);
	if (task == TRACE_NO_TASK) {
		fprintf(stderr, "simul: --worker queue: no recorder ring on fd 3 (only simul starts workers)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* a Redis that died is an error to report, not a signal */
	static struct rq_worker w;
	struct local_sink ls = {.sink = {.state = local_state, .mark = local_mark}, .task = task};
	ls.sink.arg = &ls;
	for (int i = 0; i < RQ_PHASE_COUNT; i++)
		ls.lines[i] = atoi(argv[8 + i]);
	trace_markf(task, "%s: pid %d, parent pid %d", argv[6], (int)getpid(), (int)getppid());
	trace_statef(task, STATE_RUNNING, ls.lines[RQ_PHASE_WAIT], "rq worker starts: CPython imports rq and redis "
	             "(CPython: %.0f ms of CPU)", (double)RQ_PY_WORKER_START_NS / (double)NS_PER_MS);
	pycost_spend(NULL, RQ_PY_WORKER_START_NS);
	struct redis_addr a;
	if (redis_addr_parse(argv[3], &a, w.err, sizeof(w.err)) == 0 &&
	    (w.c = redis_connect(&a, 2000, 5000, w.err, sizeof(w.err))) != NULL)
		w.hbc = redis_connect(&a, 2000, 5000, w.err, sizeof(w.err));
	int rc = -1;
	if (w.c != NULL && w.hbc != NULL) {
		snprintf(w.prefix, sizeof(w.prefix), "%s", argv[4]);
		snprintf(w.id, sizeof(w.id), "%s", argv[5]);
		snprintf(w.name, sizeof(w.name), "%s", argv[6]);
		w.where = "local";
		w.blmove = atoi(argv[7]);
		w.use_units = 1;
		w.py_job_ns = RQ_PY_JOB_NS;
		w.hb_ttl_ms = RQ_LOCAL_HB_TTL_MS;
		w.sink = &ls.sink;
		rc = rq_worker_run(&w);
	}
	if (w.c != NULL)
		redisFree(w.c);
	if (w.hbc != NULL)
		redisFree(w.hbc);
	if (rc != 0) {
		trace_markf(task, "%s stops: %s", argv[6], w.err);
		return 1; /* procs marks the exit status and ends the lane */
	}
	trace_markf(task, "%s leaves: %ld jobs done%s", argv[6], w.jobs, w.requeued_by_me ? ", found a dead worker" : "");
	trace_end(task);
	return 0;
}

/* ---- the run: server, workers, producer ---- */

/* The run failed because Redis went away: say how, in one line. */
static int rqd_lost(struct rqd *d, const char *err)
{
	char why[128];
	/* A killed server closes its sockets a moment before it can be
	 * reaped: give it that moment before saying it is alive. */
	int gone = 0;
	for (int i = 0; d->own && i < 50 && !(gone = redisd_check(&d->srv, why, sizeof(why)) != 0); i++)
		run_sleep_ns(d->run, 4 * NS_PER_MS);
	if (gone) {
		trace_markf(d->server, "redis-server %s", why);
		run_fail(d->run, "the Redis server (pid %d) died mid-run: %s; %ld of %d jobs were done", (int)d->srv.pid,
		         why, d->st.done, d->njobs);
	} else {
		run_fail(d->run, "lost Redis at %s mid-run: %s", d->url, err);
	}
	return -1;
}

static int rqd_connect(struct rqd *d)
{
	struct run *run = d->run;
	struct redis_addr a;
	const char *url = run_text(run, "redis");
	d->own = url[0] == '\0';
	d->server = trace_task_new(d->own ? "redis-server" : "redis", KIND_PROCESS, "redis");
	if (d->own) {
		trace_state(d->server, STATE_RUNNING, "redis-server starts in a private directory");
		if (redisd_start(&d->srv, run, d->err, sizeof(d->err)) != 0) {
			if (!run_stopping(run))
				run_fail(run, "%s", d->err);
			return -1;
		}
		url = d->srv.url;
		trace_markf(d->server, "pid %d, a unix socket in a private directory, no persistence", (int)d->srv.pid);
	}
	snprintf(d->url, sizeof(d->url), "%s", url);
	if (redis_addr_parse(url, &a, d->err, sizeof(d->err)) != 0 ||
	    (d->c = redis_connect(&a, 2000, 5000, d->err, sizeof(d->err))) == NULL ||
	    redis_server_version(d->c, d->version, sizeof(d->version), d->err, sizeof(d->err)) != 0) {
		run_fail(run, "%s", d->err);
		return -1;
	}
	if (!redis_version_at_least(d->version, REDIS_MIN_MAJOR, 0)) {
		run_fail(run, "Redis %s at %s is too old: queue/rq needs %d.0 or later (streams)", d->version, url,
		         REDIS_MIN_MAJOR);
		return -1;
	}
	d->blmove = redis_version_at_least(d->version, 6, 2);
	trace_markf(d->server, "Redis %s at %s%s", d->version, url, d->blmove ? "" : " (no BLMOVE: BRPOPLPUSH)");
	trace_state(d->server, STATE_IDLE, "serving: an event loop waiting for commands");
	run_result_text(run, "redis_version", d->version);
	snprintf(d->run_id, sizeof(d->run_id), "%08" PRIx64,
	         (uint64_t)((clock_real_ns() ^ ((uint64_t)getpid() << 32)) & 0xffffffffu));
	snprintf(d->prefix, sizeof(d->prefix), "simul:rq:%s:", d->run_id);
	redisReply *r = redis_cmd(d->c, d->err, sizeof(d->err), "SET %s %s EX 3600", RQ_CURRENT_KEY, d->run_id);
	if (r == NULL)
		return rqd_lost(d, d->err);
	freeReplyObject(r);
	return 0;
}

static int rqd_spawn(struct rqd *d)
{
	struct run *run = d->run;
	char name[32], task[16], lines[RQ_PHASE_COUNT][16], blmove[4];
	const char *tags[RQ_PHASE_COUNT] = {"w_take", "w_run", "w_ack"};
	for (int i = 0; i < RQ_PHASE_COUNT; i++)
		snprintf(lines[i], sizeof(lines[i]), "%d", run_lesson_line(run, tags[i]));
	snprintf(blmove, sizeof(blmove), "%d", d->blmove);
	if (procs_set_init(&d->ps, run) != 0) {
		run_fail(run, "could not make an event loop for the workers");
		return -1;
	}
	d->ps_inited = 1;
	const struct procs_spawn_options o = {.module = "queue", .stdin_fd = -1, .stdout_fd = -1, .no_panel = 1};
	trace_state_at(d->producer, STATE_RUNNING, run_lesson_line(run, "workers"), "start the rq workers");
	for (int i = 0; i < d->nworkers && !run_stopping(run); i++) {
		snprintf(name, sizeof(name), "worker %d", i + 1);
		snprintf(d->ids[i], sizeof(d->ids[i]), "w%d-%s", i + 1, d->run_id);
		trace_task_t t = trace_task_new_child(name, KIND_PROCESS, "workers", d->producer);
		snprintf(task, sizeof(task), "%d", (int)t);
		const char *args[] = {"rq", task, d->url, d->prefix, d->ids[i], name, blmove,
		                      lines[0], lines[1], lines[2], NULL};
		if (procs_spawn_with(&d->ps, t, name, &o, args) < 0) {
			trace_end(t);
			return -1;
		}
	}
	return 0;
}

/* Until every local worker has registered (as `rq worker` is started
 * before jobs are enqueued). */
static int rqd_wait_registered(struct rqd *d)
{
	char workers[RQ_KEY_MAX];
	rq_key(workers, d->prefix, "workers", NULL);
	trace_state_at(d->producer, STATE_JOIN, run_lesson_line(d->run, "workers"),
	               "waiting for the workers to start and register");
	uint64_t t0 = clock_real_ns();
	for (;;) {
		int in = 0;
		for (int i = 0; i < d->nworkers; i++) {
			redisReply *r = redis_cmd(d->c, d->err, sizeof(d->err), "SISMEMBER %s %s", workers, d->ids[i]);
			if (r == NULL)
				return rqd_lost(d, d->err);
			in += r->integer == 1;
			freeReplyObject(r);
		}
		if (in == d->nworkers)
			return 0;
		procs_poll(&d->ps);
		if (run_stopping(d->run))
			return -1;
		if (d->ps.crashed > 0) {
			run_fail(d->run, "a worker process died before it registered (see its lane)");
			return -1;
		}
		if (clock_real_ns() - t0 > RQD_REGISTER_MS * NS_PER_MS) {
			run_fail(d->run, "the workers did not register with Redis within %d s", RQD_REGISTER_MS / 1000);
			return -1;
		}
		run_sleep_ns(d->run, 10 * NS_PER_MS);
	}
}

/* The producer: q.enqueue(...) for each job, at CPython's cost. */
static int rqd_produce(struct rqd *d, double *enqueue_ms)
{
	struct run *run = d->run;
	const char *kind = run_enum(run, "kind");
	int ms = (int)run_int(run, "job_ms"), retries = (int)run_int(run, "retries");
	uint64_t units = strcmp(kind, "cpu") == 0 ? cpuburn_units((uint64_t)ms * NS_PER_MS) : 0;
	trace_milestone("the producer enqueues the jobs");
	trace_statef(d->producer, STATE_RUNNING, run_lesson_line(run, "enqueue"),
	             "q.enqueue(...) x %d: make a Job, pickle it, HSET + LPUSH (CPython: %.2f ms of CPU each)", d->njobs,
	             (double)RQ_PY_ENQUEUE_NS / (double)NS_PER_MS);
	uint64_t t0 = clock_now_ns();
	for (int i = 1; i <= d->njobs && !run_stopping(run); i++) {
		uint64_t cpu0 = clock_thread_cpu_ns();
		if (rq_enqueue(d->c, d->prefix, i, kind, ms, units, retries, d->err, sizeof(d->err)) != 0)
			return rqd_lost(d, d->err);
		pycost_spend_to(run, cpu0 + RQ_PY_ENQUEUE_NS);
	}
	*enqueue_ms = (double)(clock_now_ns() - t0) / (double)NS_PER_MS;
	trace_markf(d->producer, "%d jobs enqueued in %.1f ms", d->njobs, *enqueue_ms);
	return 0;
}

/* ---- the live panel ---- */

static void rqd_panel(struct rqd *d)
{
	static const char levels[] = " .:-=+*#";
	char line[RUN_PANEL_WIDTH], spark[RQD_SPARK + 1], title[64];
	long top = d->qmax > 0 ? d->qmax : 1;
	for (int i = 0; i < d->nspark; i++)
		spark[i] = levels[d->spark[i] <= 0 ? 0 : 1 + (int)((long)d->spark[i] * 6 / top)];
	spark[d->nspark] = '\0';
	snprintf(title, sizeof(title), "Redis %s queue", d->version);
	snprintf(line, sizeof(line), "queued [%-*s] %ld, max %ld", RQD_SPARK, spark, d->st.queued, d->qmax);
	run_panel_set(d->run, 0, title, line);
	snprintf(line, sizeof(line), "done %ld  failed %ld  of %d", d->st.done, d->st.failed, d->njobs);
	run_panel_set(d->run, 1, NULL, line);
	snprintf(line, sizeof(line), "requeued %ld", d->st.requeued);
	run_panel_set(d->run, 2, NULL, line);
	snprintf(line, sizeof(line), "workers %ld now (%d local, %d remote)", d->st.workers, d->ps.n, d->remote.n);
	run_panel_set(d->run, 3, NULL, line);
	for (int i = 0; i < d->ps.n && i + 4 < RUN_PANEL_LINES; i++) {
		const struct procs_child *c = &d->ps.kids[i];
		snprintf(line, sizeof(line), " %-9s %7d %s", c->name, (int)c->pid,
		         !c->exited ? "alive" : c->signal ? "killed" : "exited");
		run_panel_set(d->run, 4 + i, NULL, line);
	}
}

/* Read the counters, sample the queue, refresh the panel and figures;
 * -1 (d->err) when Redis failed. */
static int rqd_look(struct rqd *d, uint64_t *panel_ns)
{
	if (rq_stats_get(d->c, d->prefix, &d->st, d->err, sizeof(d->err)) != 0)
		return -1;
	if (d->st.queued > d->qmax)
		d->qmax = d->st.queued;
	uint64_t now = clock_now_ns();
	if (now - *panel_ns >= RQD_PANEL_EVERY_NS) {
		*panel_ns = now;
		if (d->nspark == RQD_SPARK) {
			memmove(d->spark, d->spark + 1, (RQD_SPARK - 1) * sizeof(int));
			d->nspark--;
		}
		d->spark[d->nspark++] = (int)d->st.queued;
		rqd_panel(d);
		run_result_num(d->run, "jobs_done", (double)d->st.done);
		run_result_num(d->run, "jobs_failed", (double)d->st.failed);
		run_result_num(d->run, "jobs_requeued", (double)d->st.requeued);
	}
	return 0;
}

/* kill_worker=on: once a job is done, SIGKILL worker 1 in the middle of
 * its next one. */
static void rqd_maybe_kill(struct rqd *d)
{
	struct procs_child *c = &d->ps.kids[0];
	if (d->killed || d->ps.n == 0 || c->exited || d->st.done < 1)
		return;
	char key[RQ_KEY_MAX];
	rq_key(key, d->prefix, "started", d->ids[0]);
	redisReply *r = redis_cmd(d->c, d->err, sizeof(d->err), "LINDEX %s 0", key);
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return;
	}
	d->killed = 1;
	trace_milestone("kill -9 worker 1 in the middle of a job");
	trace_markf(d->producer, "kill -9 %d: worker 1 dies in the middle of job %s", (int)c->pid, r->str);
	uv_process_kill(&c->proc, SIGKILL);
	freeReplyObject(r);
}

/* Until every job is done or failed. */
static int rqd_drain(struct rqd *d)
{
	char why[128];
	uint64_t panel_ns = 0;
	trace_state_at(d->producer, STATE_JOIN, run_lesson_line(d->run, "wait"), "waiting for every job's result");
	while (!run_stopping(d->run)) {
		if (rq_remote_poll(&d->remote, d->c, d->prefix, 20, d->err, sizeof(d->err)) != 0 || rqd_look(d, &panel_ns))
			return rqd_lost(d, d->err);
		if (d->st.done + d->st.failed >= d->njobs)
			return 0;
		procs_poll(&d->ps);
		if (d->own && redisd_check(&d->srv, why, sizeof(why)) != 0)
			return rqd_lost(d, why);
		if (run_bool(d->run, "kill_worker"))
			rqd_maybe_kill(d);
		if (d->ps.alive == 0 && d->st.workers == 0 && rq_remote_open(&d->remote) == 0) {
			run_fail(d->run, "every worker is gone: %ld of %d jobs were never done",
			         d->njobs - d->st.done - d->st.failed, d->njobs);
			return -1;
		}
	}
	return -1;
}

/* Close the run: workers leave, remote ones say goodbye (read for a
 * moment), the local ones are reaped (killed at once when the run failed:
 * rqd_free). */
static void rqd_close(struct rqd *d, int ok)
{
	if (d->c != NULL && !d->c->err && d->run_id[0] != '\0')
		rq_close(d->c, d->prefix, d->run_id, d->own ? 5 : 60);
	if (!ok)
		return;
	if (d->ps_inited)
		procs_wait_all(&d->ps);
	for (int i = 0; i < 40 && d->c != NULL && !d->c->err && rq_remote_open(&d->remote) > 0; i++)
		if (rq_remote_poll(&d->remote, d->c, d->prefix, 20, d->err, sizeof(d->err)) != 0)
			break;
	rq_remote_end(&d->remote);
}

static void rqd_free(struct rqd *d)
{
	if (d->ps_inited)
		procs_set_close(&d->ps);
	d->ps_inited = 0;
	if (d->c != NULL)
		redisFree(d->c);
	d->c = NULL;
	if (d->own) {
		redisd_stop(&d->srv);
		trace_end(d->server);
	} else if (d->server != TRACE_NO_TASK) {
		trace_end(d->server);
	}
}

static void rqd_results(struct rqd *d, double enqueue_ms, double drain_ms)
{
	struct run *run = d->run;
	run_result_num(run, "jobs_done", (double)d->st.done);
	run_result_num(run, "jobs_failed", (double)d->st.failed);
	run_result_num(run, "jobs_requeued", (double)d->st.requeued);
	run_result_num(run, "workers", d->nworkers + d->remote.n);
	run_result_num(run, "workers_remote", d->remote.n);
	run_result_num(run, "workers_killed", d->killed);
	run_result_num(run, "enqueue_ms", enqueue_ms);
	run_result_num(run, "drain_ms", drain_ms);
	run_result_num(run, "queue_max", (double)d->qmax);
}

/* hiredis writes with write(2): to a server that died, that raises
 * SIGPIPE, which would end simul. This thread blocks it while it talks to
 * Redis (the write fails with EPIPE instead) and drops any left pending. */
static void rqd_sigpipe(int block, sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	if (block) {
		pthread_sigmask(SIG_BLOCK, &s, old);
		return;
	}
	const struct timespec none = {0, 0};
	while (sigtimedwait(&s, NULL, &none) > 0)
		;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int rqd_run(struct run *run);

int queue_rq_main(struct run *run)
{
	sigset_t old;
	rqd_sigpipe(1, &old);
	int rc = rqd_run(run);
	rqd_sigpipe(0, &old);
	return rc;
}

static int rqd_run(struct run *run)
{
	static struct rqd d; /* one run at a time; too big for the stack */
	memset(&d, 0, sizeof(d));
	d.run = run;
	d.server = TRACE_NO_TASK;
	d.nworkers = (int)run_int(run, "workers");
	d.njobs = (int)run_int(run, "jobs");
	if (run_bool(run, "kill_worker") && d.nworkers < 2) {
		run_fail(run, "kill_worker=on needs workers >= 2: another worker must find the killed one's job");
		return -1;
	}
	d.producer = trace_task_new("producer", KIND_MAIN, "producer");
	trace_bind(d.producer);
	const int lines[RQ_PHASE_COUNT] = {run_lesson_line(run, "w_take"), run_lesson_line(run, "w_run"),
	                                   run_lesson_line(run, "w_ack")};
	rq_remote_init(&d.remote, d.producer, lines);
	double enqueue_ms = 0, drain_ms = 0;
	int rc = rqd_connect(&d);
	if (rc == 0)
		rc = rqd_spawn(&d);
	if (rc == 0)
		rc = rqd_wait_registered(&d);
	uint64_t t0 = clock_now_ns();
	if (rc == 0)
		rc = rqd_produce(&d, &enqueue_ms);
	if (rc == 0)
		rc = rqd_drain(&d);
	drain_ms = (double)(clock_now_ns() - t0) / (double)NS_PER_MS;
	if (rc == 0) {
		trace_markf(d.producer, "%ld jobs done, %ld failed, %ld requeued, in %.0f ms", d.st.done, d.st.failed,
		            d.st.requeued, drain_ms);
		trace_state_at(d.producer, STATE_JOIN, run_lesson_line(run, "wait"), "closing: the workers leave");
	}
	rqd_close(&d, rc == 0);
	if (rc == 0)
		rqd_results(&d, enqueue_ms, drain_ms);
	if (d.version[0] != '\0')
		rqd_panel(&d);
	rqd_free(&d);
	trace_end(d.producer);
	if (run_stopping(run) && rc != 0)
		run_result_num(run, "stopped", 1);
	return rc == 0 || run_stopping(run) ? 0 : -1;
}
