/*
 * rqueue.c: the job queue on Redis (see rqueue.h): a worker's loop, its
 * heartbeat, the search for dead workers, and the run's side (enqueue,
 * counters, closing).
 */
#include "rqueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "pace.h"
#include "pycost.h"
#include "redisd.h"

/* Move a dead worker's started jobs back to the queue (or to failed when
 * no retry is left), unless its heartbeat came back. KEYS: started:DEAD,
 * queue, failed, workers, stats, worker:DEAD, hb:DEAD; ARGV: prefix, DEAD.
 * Returns {requeued ids, failed ids}. */
static const char rq_requeue_lua[] =
	"if redis.call('EXISTS', KEYS[7]) == 1 then return {{}, {}} end\n"
	"local back, failed = {}, {}\n"
	"while true do\n"
	"  local id = redis.call('RPOP', KEYS[1])\n"
	"  if not id then break end\n"
	"  local job = ARGV[1] .. 'job:' .. id\n"
	"  if redis.call('HINCRBY', job, 'retries_left', -1) >= 0 then\n"
	"    redis.call('HSET', job, 'status', 'queued')\n"
	"    redis.call('LPUSH', KEYS[2], id)\n"
	"    redis.call('HINCRBY', KEYS[5], 'requeued', 1)\n"
	"    back[#back + 1] = id\n"
	"  else\n"
	"    redis.call('HSET', job, 'status', 'failed')\n"
	"    redis.call('RPUSH', KEYS[3], id)\n"
	"    redis.call('HINCRBY', KEYS[5], 'failed', 1)\n"
	"    failed[#failed + 1] = id\n"
	"  end\n"
	"end\n"
	"redis.call('SREM', KEYS[4], ARGV[2])\n"
	"redis.call('DEL', KEYS[6])\n"
	"return {back, failed}\n";

/* Acknowledge a job: store its result and count it, only if it is still
 * this worker's. KEYS: started:W, result:ID, job:ID, stats, worker:W;
 * ARGV: ID, result, ttl. Returns 1, or 0 when it was taken away. */
static const char rq_ack_lua[] =
	"if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end\n"
	"redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])\n"
	"redis.call('HSET', KEYS[3], 'status', 'finished')\n"
	"redis.call('HINCRBY', KEYS[4], 'done', 1)\n"
	"redis.call('HINCRBY', KEYS[5], 'jobs', 1)\n"
	"return 1\n";

void rq_key(char *out, const char *prefix, const char *what, const char *id)
{
	snprintf(out, RQ_KEY_MAX, "%s%s%s%s", prefix, what, id ? ":" : "", id ? id : "");
}

static uint64_t real_ms(void)
{
	return clock_real_ns() / NS_PER_MS;
}

/* ---- the heartbeat thread ---- */

static void *rq_hb_main(void *arg)
{
	struct rq_worker *w = arg;
	char hb[RQ_KEY_MAX], workers[RQ_KEY_MAX], ttl[16];
	rq_key(hb, w->prefix, "hb", w->id);
	rq_key(workers, w->prefix, "workers", NULL);
	snprintf(ttl, sizeof(ttl), "%d", w->hb_ttl_ms);
	const struct timespec tick = {0, 10 * 1000 * 1000};
	while (!atomic_load(&w->hb_stop)) {
		/* Both in one round trip; the SADD brings the worker back into
		 * the set if someone took it for dead while it was stopped. */
		redisAppendCommand(w->hbc, "SET %s 1 PX %s", hb, ttl);
		redisAppendCommand(w->hbc, "SADD %s %s", workers, w->id);
		void *r1 = NULL, *r2 = NULL;
		int ok = redisGetReply(w->hbc, &r1) == REDIS_OK && redisGetReply(w->hbc, &r2) == REDIS_OK;
		freeReplyObject(r1);
		freeReplyObject(r2);
		if (!ok)
			break; /* the main connection will say what went wrong */
		/* Real time, not lesson time: Redis's TTLs are real time. */
		for (int slept = 0; slept < w->hb_ttl_ms / 4 && !atomic_load(&w->hb_stop); slept += 10)
			nanosleep(&tick, NULL);
	}
	return NULL;
}

/* ---- registering ---- */

static int rq_register(struct rq_worker *w)
{
	char key[RQ_KEY_MAX], workers[RQ_KEY_MAX], hb[RQ_KEY_MAX], host[64], pid[16], ttl[16];
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(ttl, sizeof(ttl), "%d", w->hb_ttl_ms);
	rq_key(key, w->prefix, "worker", w->id);
	rq_key(workers, w->prefix, "workers", NULL);
	rq_key(hb, w->prefix, "hb", w->id);
	redisReply *r = redis_cmd(w->c, w->err, sizeof(w->err), "HSET %s name %s where %s host %s pid %s jobs 0", key,
	                          w->name, w->where, host, pid);
	if (r == NULL)
		return -1;
	freeReplyObject(r);
	if ((r = redis_cmd(w->c, w->err, sizeof(w->err), "SET %s 1 PX %s", hb, ttl)) == NULL)
		return -1;
	freeReplyObject(r);
	if ((r = redis_cmd(w->c, w->err, sizeof(w->err), "SADD %s %s", workers, w->id)) == NULL)
		return -1;
	freeReplyObject(r);
	atomic_store(&w->hb_stop, 0);
	if (w->hbc != NULL && pthread_create(&w->hb, NULL, rq_hb_main, w) == 0)
		w->hb_started = 1;
	return 0;
}

static void rq_unregister(struct rq_worker *w)
{
	char key[RQ_KEY_MAX], workers[RQ_KEY_MAX], hb[RQ_KEY_MAX], why[128];
	if (w->hb_started) {
		atomic_store(&w->hb_stop, 1);
		pthread_join(w->hb, NULL);
		w->hb_started = 0;
	}
	rq_key(key, w->prefix, "worker", w->id);
	rq_key(workers, w->prefix, "workers", NULL);
	rq_key(hb, w->prefix, "hb", w->id);
	redisReply *r = redis_cmd(w->c, why, sizeof(why), "SREM %s %s", workers, w->id);
	freeReplyObject(r);
	if (r != NULL && (r = redis_cmd(w->c, why, sizeof(why), "DEL %s", hb)) != NULL)
		freeReplyObject(r);
}

/* ---- dead workers ---- */

static int rq_suspect_find(struct rq_worker *w, const char *id)
{
	for (int i = 0; i < w->nsuspects; i++)
		if (strcmp(w->suspects[i].id, id) == 0)
			return i;
	return -1;
}

static void rq_suspect_drop(struct rq_worker *w, int i)
{
	w->suspects[i] = w->suspects[--w->nsuspects];
}

/* The requeue script for worker `dead`; says on the lane what moved. */
static int rq_requeue(struct rq_worker *w, const char *dead, uint64_t missing_ms)
{
	char k[7][RQ_KEY_MAX];
	rq_key(k[0], w->prefix, "started", dead);
	rq_key(k[1], w->prefix, "queue", NULL);
	rq_key(k[2], w->prefix, "failed", NULL);
	rq_key(k[3], w->prefix, "workers", NULL);
	rq_key(k[4], w->prefix, "stats", NULL);
	rq_key(k[5], w->prefix, "worker", dead);
	rq_key(k[6], w->prefix, "hb", dead);
	char name[RQ_ID_MAX];
	redisReply *r = redis_cmd(w->c, w->err, sizeof(w->err), "HGET %s name", k[5]);
	if (r == NULL)
		return -1;
	snprintf(name, sizeof(name), "%s", r->type == REDIS_REPLY_STRING ? r->str : dead);
	freeReplyObject(r);
	const char *argv[] = {"EVAL", rq_requeue_lua, "7", k[0], k[1], k[2], k[3], k[4], k[5], k[6], w->prefix, dead};
	if ((r = redis_cmd_argv(w->c, w->err, sizeof(w->err), 12, argv)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
		char text[200];
		for (int f = 0; f < 2; f++)
			for (size_t i = 0; i < r->element[f]->elements; i++) {
				snprintf(text, sizeof(text), "%s has no heartbeat for %llu ms: job %s %s", name,
				         (unsigned long long)missing_ms, r->element[f]->element[i]->str,
				         f == 0 ? "back in the queue" : "failed (no retry left)");
				w->sink->mark(w->sink, text);
				w->requeued_by_me += f == 0;
			}
	}
	freeReplyObject(r);
	return 0;
}

/* Every RQ_POLL_MS at most: which workers have lost their heartbeat? A
 * heartbeat missing twice, RQ_CONFIRM_MS apart, is a dead worker. */
static int rq_look_for_dead(struct rq_worker *w)
{
	char workers[RQ_KEY_MAX], hb[RQ_KEY_MAX];
	uint64_t now = real_ms();
	if (now - w->maint_ms < RQ_POLL_MS)
		return 0;
	w->maint_ms = now;
	rq_key(workers, w->prefix, "workers", NULL);
	redisReply *set = redis_cmd(w->c, w->err, sizeof(w->err), "SMEMBERS %s", workers);
	if (set == NULL)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < set->elements && rc == 0; i++) {
		const char *id = set->element[i]->str;
		if (strcmp(id, w->id) == 0)
			continue;
		rq_key(hb, w->prefix, "hb", id);
		redisReply *e = redis_cmd(w->c, w->err, sizeof(w->err), "EXISTS %s", hb);
		if (e == NULL) {
			rc = -1;
			break;
		}
		int alive = e->integer == 1;
		freeReplyObject(e);
		int s = rq_suspect_find(w, id);
		if (alive) {
			if (s >= 0)
				rq_suspect_drop(w, s);
		} else if (s < 0 && w->nsuspects < RQ_SUSPECTS_MAX) {
			snprintf(w->suspects[w->nsuspects].id, RQ_ID_MAX, "%s", id);
			w->suspects[w->nsuspects++].since_ns = now;
		} else if (s >= 0 && now - w->suspects[s].since_ns >= RQ_CONFIRM_MS) {
			rc = rq_requeue(w, id, now - w->suspects[s].since_ns + (uint64_t)w->hb_ttl_ms);
			rq_suspect_drop(w, s);
		}
	}
	freeReplyObject(set);
	return rc;
}

/* ---- one job ---- */

static int rq_closed(struct rq_worker *w)
{
	char key[RQ_KEY_MAX];
	rq_key(key, w->prefix, "closed", NULL);
	redisReply *r = redis_cmd(w->c, w->err, sizeof(w->err), "EXISTS %s", key);
	if (r == NULL)
		return -1;
	int closed = r->integer == 1;
	freeReplyObject(r);
	return closed;
}

/* Wait up to RQ_POLL_MS for a job; its id into id ("" when none came). */
static int rq_take(struct rq_worker *w, char *id, size_t n)
{
	char queue[RQ_KEY_MAX], started[RQ_KEY_MAX];
	rq_key(queue, w->prefix, "queue", NULL);
	rq_key(started, w->prefix, "started", w->id);
	redisReply *r = w->blmove
		? redis_cmd(w->c, w->err, sizeof(w->err), "BLMOVE %s %s RIGHT LEFT %.3f", queue, started,
		            RQ_POLL_MS / 1000.0)
		: redis_cmd(w->c, w->err, sizeof(w->err), "BRPOPLPUSH %s %s %d", queue, started, 1);
	if (r == NULL)
		return -1;
	id[0] = '\0';
	if (r->type == REDIS_REPLY_STRING)
		snprintf(id, n, "%s", r->str);
	freeReplyObject(r);
	return 0;
}

/* Do the job's work; its result text into out. */
static void rq_work(struct rq_worker *w, const char *id, const char *kind, int ms, uint64_t units, char *out,
                    size_t n)
{
	char why[120];
	if (w->py_job_ns > 0) {
		snprintf(why, sizeof(why), "job %s: the RQ worker's own bookkeeping (CPython: %.1f ms of CPU)", id,
		         (double)w->py_job_ns / (double)NS_PER_MS);
		w->sink->state(w->sink, STATE_RUNNING, RQ_PHASE_WAIT, why);
		pycost_spend(NULL, w->py_job_ns);
	}
	uint64_t t0 = clock_now_ns();
	if (strcmp(kind, "io") == 0) {
		snprintf(why, sizeof(why), "job %s: time.sleep(%g), standing for a wait on I/O", id, ms / 1000.0);
		w->sink->state(w->sink, STATE_SLEEP, RQ_PHASE_JOB, why);
		pace_sleep_ns((uint64_t)ms * NS_PER_MS, NULL);
		snprintf(out, n, "slept %d ms", ms);
	} else {
		snprintf(why, sizeof(why), "job %s: %d ms of CPU work", id, ms);
		w->sink->state(w->sink, STATE_RUNNING, RQ_PHASE_JOB, why);
		if (!w->use_units || units == 0)
			units = cpuburn_units((uint64_t)ms * NS_PER_MS);
		unsigned long long sum = cpuburn_run(units);
		snprintf(out, n, "checksum %llu", sum);
	}
	size_t l = strlen(out);
	snprintf(out + l, n - l, " in %.1f ms by %s", (double)(clock_now_ns() - t0) / (double)NS_PER_MS, w->name);
}

static int rq_ack(struct rq_worker *w, const char *id, const char *result)
{
	char k[5][RQ_KEY_MAX], ttl[16], why[256];
	rq_key(k[0], w->prefix, "started", w->id);
	rq_key(k[1], w->prefix, "result", id);
	rq_key(k[2], w->prefix, "job", id);
	rq_key(k[3], w->prefix, "stats", NULL);
	rq_key(k[4], w->prefix, "worker", w->id);
	snprintf(ttl, sizeof(ttl), "%d", RQ_RESULT_TTL_S);
	snprintf(why, sizeof(why), "job %s: store the result (%d s TTL), take it out of started", id, RQ_RESULT_TTL_S);
	w->sink->state(w->sink, STATE_IO, RQ_PHASE_ACK, why);
	const char *argv[] = {"EVAL", rq_ack_lua, "5", k[0], k[1], k[2], k[3], k[4], id, result, ttl};
	redisReply *r = redis_cmd_argv(w->c, w->err, sizeof(w->err), 11, argv);
	if (r == NULL)
		return -1;
	if (r->integer == 1) {
		w->jobs++;
	} else {
		w->dropped++;
		snprintf(why, sizeof(why), "job %s was requeued while %s ran it (its heartbeat lapsed): result not counted",
		         id, w->name);
		w->sink->mark(w->sink, why);
	}
	freeReplyObject(r);
	return 0;
}

/* Take one job (or none within RQ_POLL_MS), run it, acknowledge it. */
static int rq_one(struct rq_worker *w, int *waiting)
{
	char id[32], key[RQ_KEY_MAX], result[160];
	if (!*waiting) {
		char why[RQ_KEY_MAX + 64];
		snprintf(why, sizeof(why), "BLMOVE queue started:%s: waiting on Redis for a job", w->name);
		w->sink->state(w->sink, STATE_IO, RQ_PHASE_WAIT, why);
		*waiting = 1;
	}
	if (rq_take(w, id, sizeof(id)) != 0)
		return -1;
	if (id[0] == '\0')
		return 0;
	*waiting = 0;
	rq_key(key, w->prefix, "job", id);
	redisReply *r = redis_cmd(w->c, w->err, sizeof(w->err), "HMGET %s kind ms units", key);
	if (r == NULL)
		return -1;
	char kind[8] = "cpu";
	int ms = 0;
	uint64_t units = 0;
	if (r->elements == 3 && r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(kind, sizeof(kind), "%s", r->element[0]->str);
		ms = atoi(r->element[1]->str);
		if (r->element[2]->type == REDIS_REPLY_STRING)
			units = strtoull(r->element[2]->str, NULL, 10);
	}
	freeReplyObject(r);
	if ((r = redis_cmd(w->c, w->err, sizeof(w->err), "HSET %s status started worker %s", key, w->id)) == NULL)
		return -1;
	freeReplyObject(r);
	rq_work(w, id, kind, ms, units, result, sizeof(result));
	return rq_ack(w, id, result);
}

int rq_worker_run(struct rq_worker *w)
{
	int waiting = 0, rc = 0;
	w->err[0] = '\0';
	if (rq_register(w) != 0)
		return -1;
	while (w->stop == NULL || !atomic_load(w->stop)) {
		int closed = rq_closed(w);
		if (closed != 0) {
			rc = closed < 0 ? -1 : 0;
			break;
		}
		if (rq_look_for_dead(w) != 0 || rq_one(w, &waiting) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0)
		rq_unregister(w);
	else if (w->hb_started) {
		atomic_store(&w->hb_stop, 1);
		pthread_join(w->hb, NULL);
		w->hb_started = 0;
	}
	return rc;
}

/* ---- the run's side ---- */

int rq_enqueue(redisContext *c, const char *prefix, int id, const char *kind, int ms, uint64_t units, int retries,
               char *err, size_t errlen)
{
	char job[RQ_KEY_MAX], queue[RQ_KEY_MAX], sid[16];
	snprintf(sid, sizeof(sid), "%d", id);
	rq_key(job, prefix, "job", sid);
	rq_key(queue, prefix, "queue", NULL);
	/* One round trip a job, as q.enqueue() makes. */
	redisAppendCommand(c, "HSET %s kind %s ms %d units %llu retries_left %d status queued", job, kind, ms,
	                   (unsigned long long)units, retries);
	redisAppendCommand(c, "LPUSH %s %s", queue, sid);
	for (int i = 0; i < 2; i++) {
		void *r = NULL;
		if (redisGetReply(c, &r) != REDIS_OK) {
			snprintf(err, errlen, "%s", c->err == REDIS_ERR_EOF ? "the Redis server closed the connection"
			                                                    : c->errstr);
			return -1;
		}
		int bad = ((redisReply *)r)->type == REDIS_REPLY_ERROR;
		if (bad)
			snprintf(err, errlen, "Redis said: %s", ((redisReply *)r)->str);
		freeReplyObject(r);
		if (bad)
			return -1;
	}
	return 0;
}

static long reply_long(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return (long)r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return atol(r->str);
	return 0;
}

int rq_stats_get(redisContext *c, const char *prefix, struct rq_stats *st, char *err, size_t errlen)
{
	char stats[RQ_KEY_MAX], queue[RQ_KEY_MAX], workers[RQ_KEY_MAX];
	rq_key(stats, prefix, "stats", NULL);
	rq_key(queue, prefix, "queue", NULL);
	rq_key(workers, prefix, "workers", NULL);
	redisReply *r = redis_cmd(c, err, errlen, "HMGET %s done failed requeued", stats);
	if (r == NULL)
		return -1;
	st->done = reply_long(r->element[0]);
	st->failed = reply_long(r->element[1]);
	st->requeued = reply_long(r->element[2]);
	freeReplyObject(r);
	if ((r = redis_cmd(c, err, errlen, "LLEN %s", queue)) == NULL)
		return -1;
	st->queued = reply_long(r);
	freeReplyObject(r);
	if ((r = redis_cmd(c, err, errlen, "SCARD %s", workers)) == NULL)
		return -1;
	st->workers = reply_long(r);
	freeReplyObject(r);
	return 0;
}

long rq_started_len(redisContext *c, const char *prefix, const char *worker_id)
{
	char key[RQ_KEY_MAX], err[128];
	rq_key(key, prefix, "started", worker_id);
	redisReply *r = redis_cmd(c, err, sizeof(err), "LLEN %s", key);
	if (r == NULL)
		return -1;
	long n = reply_long(r);
	freeReplyObject(r);
	return n;
}

/* Expire every key of the run but the results (they keep their TTL), and
 * forget the run as the current one if it still is. */
static const char rq_close_lua[] =
	"redis.call('SET', KEYS[1], '1', 'EX', ARGV[2])\n"
	"local cursor = '0'\n"
	"repeat\n"
	"  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1] .. '*', 'COUNT', 1000)\n"
	"  cursor = r[1]\n"
	"  for _, k in ipairs(r[2]) do\n"
	"    if string.sub(k, #ARGV[1] + 1, #ARGV[1] + 7) ~= 'result:' then redis.call('EXPIRE', k, ARGV[2]) end\n"
	"  end\n"
	"until cursor == '0'\n"
	"if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end\n"
	"return 1\n";

int rq_close(redisContext *c, const char *prefix, const char *run_id, int expire_s)
{
	char closed[RQ_KEY_MAX], ttl[16], err[128];
	rq_key(closed, prefix, "closed", NULL);
	snprintf(ttl, sizeof(ttl), "%d", expire_s);
	const char *argv[] = {"EVAL", rq_close_lua, "2", closed, RQ_CURRENT_KEY, prefix, ttl, run_id};
	redisReply *r = redis_cmd_argv(c, err, sizeof(err), 8, argv);
	if (r == NULL)
		return -1;
	freeReplyObject(r);
	return 0;
}
