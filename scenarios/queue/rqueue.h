/*
 * rqueue.h: a job queue on Redis in the shape of RQ (Redis Queue), shared
 * by queue/rq's producer, its local worker processes and the remote
 * workers of `simul --rq-worker URL`.
 *
 * Every key of a run starts with "simul:rq:<run id>:" (the prefix); the
 * key "simul:rq:current" names the run a remote worker should join.
 *
 *   queue            list of job ids: the producer LPUSHes, a worker takes
 *                    from the other end with BLMOVE (BRPOPLPUSH before
 *                    Redis 6.2) into its own started list, atomically
 *   job:ID           hash: kind (cpu|io), ms, retries_left, status
 *   started:WORKER   the job a worker is running (the reliable-queue
 *                    pattern: a job is never only in a worker's memory)
 *   result:ID        the result, with a TTL (RQ's result_ttl)
 *   failed           list of the ids of failed jobs (RQ's FailedJobRegistry)
 *   workers          set of the workers' ids; worker:ID a hash about each
 *   hb:ID            a worker's heartbeat: a key with a short TTL that the
 *                    worker's heartbeat thread keeps setting
 *   stats            hash: done, failed, requeued
 *   events           stream of the remote workers' state changes, which
 *                    the run reads to draw their lanes
 *   closed           set once every job is done or failed: workers leave
 *
 * A worker that finds another's heartbeat gone (twice, RQ_CONFIRM_MS
 * apart) moves that worker's started jobs back to the queue, or to failed
 * when the job has no retries left, in one Lua script, so that two workers
 * doing it at once cannot move a job twice. A worker's acknowledgement is
 * one script too: the result is stored and counted only if the job is
 * still in its started list, so every job is counted once, even when a
 * worker thought dead (stopped, not killed) finishes it after all.
 */
#ifndef SIMUL_QUEUE_RQUEUE_H
#define SIMUL_QUEUE_RQUEUE_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "state.h"

#define RQ_CURRENT_KEY "simul:rq:current"
#define RQ_PREFIX_MAX 64
#define RQ_ID_MAX 64
#define RQ_KEY_MAX 160
#define RQ_RESULT_TTL_S 60
/* How long BLMOVE waits before the worker looks around (closed, dead
 * workers, a stop). */
#define RQ_POLL_MS 250
/* A heartbeat found missing is checked again this much later before the
 * worker is taken for dead: a worker paused with its run, or slow to be
 * scheduled, has its heartbeat back by then. */
#define RQ_CONFIRM_MS 600
#define RQ_SUSPECTS_MAX 32

/* CPU time RQ 1.13 (redis-py 4.3, CPython 3.11.2) spends, measured with
 * getrusage on the 2-core development machine, best of 3 runs of 300
 * jobs: a q.enqueue() (make the Job, pickle it, one pipeline) 170 us; a
 * SimpleWorker's own work per job besides the job (fetch, bookkeeping,
 * store the result) 1.5 ms; `rq worker` starting (CPython, import rq and
 * redis) 205 ms. */
#define RQ_PY_ENQUEUE_NS (170 * NS_PER_US)
#define RQ_PY_JOB_NS (1500 * NS_PER_US)
#define RQ_PY_WORKER_START_NS (205 * NS_PER_MS)

/* What a worker is doing, for lanes: which line of the lesson's Python. */
enum rq_phase { RQ_PHASE_WAIT, RQ_PHASE_JOB, RQ_PHASE_ACK, RQ_PHASE_COUNT };

/* Where a worker says what it does: its lane (a local worker writes into
 * the ring its parent made) or the run's event stream (a remote one). */
struct rq_sink {
	void (*state)(struct rq_sink *s, enum state st, enum rq_phase phase, const char *reason);
	void (*mark)(struct rq_sink *s, const char *text);
	void *arg;
};

/* `key` = prefix + what (+ id): "simul:rq:ab12:job:7". */
void rq_key(char *out, const char *prefix, const char *what, const char *id);

struct rq_suspect {
	char id[RQ_ID_MAX];
	uint64_t since_ns; /* real time its heartbeat was first found missing */
};

struct rq_worker {
	redisContext *c;
	char prefix[RQ_PREFIX_MAX];
	char id[RQ_ID_MAX];   /* unique: "local-1-<pid>", "<host>-<pid>" */
	char name[RQ_ID_MAX]; /* shown on lanes */
	const char *where;    /* "local" or "remote" */
	int blmove;           /* the server has BLMOVE */
	int use_units;        /* CPU work as the job's `units` (the run's calibration) rather than its ms */
	uint64_t py_job_ns;   /* CPU an RQ worker spends on each job besides the job itself */
	int hb_ttl_ms;
	struct rq_sink *sink;
	atomic_int *stop;     /* set (by a signal handler) to leave after the job; may be NULL */
	/* the heartbeat thread, on a connection of its own */
	redisContext *hbc;
	pthread_t hb;
	int hb_started;
	atomic_int hb_stop;
	struct rq_suspect suspects[RQ_SUSPECTS_MAX];
	int nsuspects;
	uint64_t maint_ms;
	long jobs, dropped, requeued_by_me;
	char err[256];
};

/*
 * Run the worker until the run is closed, *stop is set, or Redis fails:
 * register, start the heartbeat thread (on hbc, a second connection the
 * caller made), take jobs one at a time, run each, acknowledge it, look
 * for dead workers between jobs, unregister. Returns 0, or -1 with w->err
 * set (Redis went away).
 */
int rq_worker_run(struct rq_worker *w);

/* The run's side. */
/* One job: its record and its id on the queue, in one round trip. units:
 * the CPU work of `ms` as the run calibrated it (0 for io). */
int rq_enqueue(redisContext *c, const char *prefix, int id, const char *kind, int ms, uint64_t units, int retries,
               char *err, size_t errlen);
struct rq_stats {
	long done, failed, requeued, queued, workers;
};
int rq_stats_get(redisContext *c, const char *prefix, struct rq_stats *st, char *err, size_t errlen);
/* Jobs in a worker's started list (-1 on error). */
long rq_started_len(redisContext *c, const char *prefix, const char *worker_id);
/* Mark the run closed, and let its keys expire (results keep their own
 * TTL); forget it as the current run if it still is. */
int rq_close(redisContext *c, const char *prefix, const char *run_id, int expire_s);

#endif
