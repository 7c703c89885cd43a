/*
 * rq_remote.c: `simul --rq-worker URL`, and the run's reader of the remote
 * workers' event stream (see rq_remote.h).
 */
#include "rq_remote.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpuburn.h"
#include "redisd.h"

/* ---- the run's side: lanes from the stream ---- */

void rq_remote_init(struct rq_remote *r, trace_task_t parent, const int lines[RQ_PHASE_COUNT])
{
	memset(r, 0, sizeof(*r));
	snprintf(r->last, sizeof(r->last), "0-0");
	r->parent = parent;
	memcpy(r->lines, lines, sizeof(r->lines));
}

static struct rq_remote_worker *rq_remote_lane(struct rq_remote *r, const char *id, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->w[i].id, id) == 0)
			return &r->w[i];
	if (r->n == RQ_REMOTE_MAX) {
		r->dropped++;
		return NULL;
	}
	struct rq_remote_worker *w = &r->w[r->n++];
	char lane[RQ_ID_MAX + 16];
	snprintf(w->id, sizeof(w->id), "%s", id);
	snprintf(lane, sizeof(lane), "rq-worker %s", name && name[0] ? name : id);
	w->lane = trace_task_new_child(lane, KIND_PROCESS, "remote workers", r->parent);
	return w;
}

/* The value of field `f` in an entry's flat [field, value, ...] array. */
static const char *field(const redisReply *kv, const char *f)
{
	for (size_t i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->type == REDIS_REPLY_STRING && strcmp(kv->element[i]->str, f) == 0)
			return kv->element[i + 1]->type == REDIS_REPLY_STRING ? kv->element[i + 1]->str : NULL;
	return NULL;
}

static void rq_remote_apply(struct rq_remote *r, const redisReply *kv)
{
	const char *id = field(kv, "w"), *type = field(kv, "t"), *text = field(kv, "r");
	if (id == NULL || type == NULL)
		return;
	struct rq_remote_worker *w = rq_remote_lane(r, id, field(kv, "n"));
	if (w == NULL || w->ended)
		return;
	if (strcmp(type, "state") == 0) {
		const char *s = field(kv, "s"), *p = field(kv, "p");
		int st = s ? state_from_name(s) : -1, phase = p ? atoi(p) : 0;
		if (st < 0 || st == STATE_DONE)
			return;
		int line = phase >= 0 && phase < RQ_PHASE_COUNT ? r->lines[phase] : 0;
		trace_state_at(w->lane, (enum state)st, line, text);
		w->jobs += phase == RQ_PHASE_ACK;
	} else if (strcmp(type, "mark") == 0 && text != NULL) {
		trace_mark(w->lane, text);
	} else if (strcmp(type, "bye") == 0) {
		if (text != NULL)
			trace_mark(w->lane, text);
		trace_end(w->lane);
		w->ended = 1;
	}
}

int rq_remote_poll(struct rq_remote *r, redisContext *c, const char *prefix, int block_ms, char *err,
                   size_t errlen)
{
	char key[RQ_KEY_MAX];
	rq_key(key, prefix, "events", NULL);
	redisReply *rep = redis_cmd(c, err, errlen, "XREAD COUNT 128 BLOCK %d STREAMS %s %s", block_ms, key, r->last);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 && rep->element[0]->elements == 2) {
		const redisReply *entries = rep->element[0]->element[1];
		for (size_t i = 0; i < entries->elements; i++) {
			const redisReply *e = entries->element[i];
			if (e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			snprintf(r->last, sizeof(r->last), "%s", e->element[0]->str);
			rq_remote_apply(r, e->element[1]);
		}
	}
	freeReplyObject(rep);
	return 0;
}

int rq_remote_open(const struct rq_remote *r)
{
	int n = 0;
	for (int i = 0; i < r->n; i++)
		n += !r->w[i].ended;
	return n;
}

void rq_remote_end(struct rq_remote *r)
{
	for (int i = 0; i < r->n; i++)
		if (!r->w[i].ended) {
			trace_mark(r->w[i].lane, "no goodbye from this worker before the run ended");
			trace_end(r->w[i].lane);
			r->w[i].ended = 1;
		}
}

/* ---- the remote worker: `simul --rq-worker URL` ---- */

static atomic_int join_stop;

static void join_signal(int sig)
{
	/* The first asks to leave after the job; the second ends it now. */
	if (atomic_fetch_add(&join_stop, 1) > 0) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

struct join_sink {
	struct rq_sink sink;
	struct rq_worker *w;
	char stream[RQ_KEY_MAX];
};

static void join_print(const struct rq_worker *w, const char *text)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, w->name, text);
	fflush(stdout);
}

/* XADD one event; an error shows at the worker's next command. */
static void join_xadd(struct join_sink *js, const char *type, const char *state, int phase, const char *text)
{
	char maxlen[16], p[8];
	snprintf(maxlen, sizeof(maxlen), "%d", RQ_STREAM_MAXLEN);
	snprintf(p, sizeof(p), "%d", phase);
	const char *argv[18] = {"XADD", js->stream, "MAXLEN", "~", maxlen, "*", "w", js->w->id, "n", js->w->name,
	                        "t", type};
	int argc = 12;
	if (state != NULL) {
		argv[argc++] = "s";
		argv[argc++] = state;
		argv[argc++] = "p";
		argv[argc++] = p;
	}
	if (text != NULL) {
		argv[argc++] = "r";
		argv[argc++] = text;
	}
	char err[128];
	freeReplyObject(redis_cmd_argv(js->w->c, err, sizeof(err), argc, argv));
}

static void join_state(struct rq_sink *s, enum state st, enum rq_phase phase, const char *reason)
{
	struct join_sink *js = s->arg;
	join_xadd(js, "state", state_name(st), (int)phase, reason);
	if (phase == RQ_PHASE_JOB)
		join_print(js->w, reason);
}

static void join_mark(struct rq_sink *s, const char *text)
{
	struct join_sink *js = s->arg;
	join_xadd(js, "mark", NULL, 0, text);
	join_print(js->w, text);
}

/* The run to join: its id, when there is one this worker has not already
 * served. 1 found, 0 none yet, -1 Redis failed. */
static int join_find_run(redisContext *c, const char *done_id, char *id, size_t n, char *err, size_t errlen)
{
	redisReply *r = redis_cmd(c, err, errlen, "GET %s", RQ_CURRENT_KEY);
	if (r == NULL)
		return -1;
	int found = r->type == REDIS_REPLY_STRING && strcmp(r->str, done_id) != 0 && strlen(r->str) < n;
	if (found)
		snprintf(id, n, "%s", r->str);
	freeReplyObject(r);
	return found;
}

/* Work for one run until it closes (or a signal, or an error). */
static int join_run(struct rq_worker *w, const char *run_id)
{
	struct join_sink js = {.sink = {.state = join_state, .mark = join_mark}, .w = w};
	js.sink.arg = &js;
	snprintf(w->prefix, sizeof(w->prefix), "simul:rq:%s:", run_id);
	rq_key(js.stream, w->prefix, "events", NULL);
	w->sink = &js.sink;
	w->jobs = 0;
	char text[160];
	snprintf(text, sizeof(text), "joined run %s (pid %d)", run_id, (int)getpid());
	join_xadd(&js, "hello", NULL, 0, text);
	join_print(w, text);
	int rc = rq_worker_run(w);
	snprintf(text, sizeof(text), "left run %s: %ld jobs done%s", run_id, w->jobs,
	         atomic_load(&join_stop) ? " (stopped)" : "");
	if (rc == 0)
		join_xadd(&js, "bye", NULL, 0, text);
	join_print(w, rc == 0 ? text : w->err);
	return rc;
}

static int join_setup(const char *url, struct rq_worker *w, char *version, size_t vlen)
{
	struct redis_addr a;
	char err[300];
	if (redis_addr_parse(url, &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --rq-worker '%s': %s\n", url, err);
		return 2;
	}
	w->c = redis_connect(&a, 2000, 5000, err, sizeof(err));
	if (w->c != NULL)
		w->hbc = redis_connect(&a, 2000, 5000, err, sizeof(err));
	if (w->c == NULL || w->hbc == NULL || redis_server_version(w->c, version, vlen, err, sizeof(err)) != 0) {
		fprintf(stderr, "simul: --rq-worker: %s\n", err);
		return 1;
	}
	if (!redis_version_at_least(version, REDIS_MIN_MAJOR, 0)) {
		fprintf(stderr, "simul: --rq-worker: Redis %s at %s is too old: queue/rq needs %d.0 or later\n", version,
		        url, REDIS_MIN_MAJOR);
		return 1;
	}
	w->blmove = redis_version_at_least(version, 6, 2);
	return 0;
}

int rq_join_main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "simul: --rq-worker: want one Redis URL (redis://HOST[:PORT][/DB] or unix:///PATH)\n");
		return 2;
	}
	static struct rq_worker w;
	char host[48], version[32], done_id[32] = "", run_id[32], err[256];
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(w.id, sizeof(w.id), "%s-%d", host, (int)getpid());
	snprintf(w.name, sizeof(w.name), "%s:%d", host, (int)getpid());
	w.where = "remote";
	w.hb_ttl_ms = RQ_REMOTE_HB_TTL_MS;
	w.py_job_ns = RQ_PY_JOB_NS;
	w.stop = &join_stop;
	int rc = join_setup(argv[1], &w, version, sizeof(version));
	if (rc != 0)
		goto out;
	struct sigaction sa = {.sa_handler = join_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a Redis that went away is an error to report */
	cpuburn_calibrate(); /* before any job: its CPU work is timed on this machine */
	snprintf(err, sizeof(err), "connected to %s (Redis %s); waiting for a queue/rq run (Ctrl-C to stop)", argv[1],
	         version);
	join_print(&w, err);
	const struct timespec tick = {0, 250 * 1000 * 1000};
	while (!atomic_load(&join_stop)) {
		int found = join_find_run(w.c, done_id, run_id, sizeof(run_id), err, sizeof(err));
		if (found < 0) {
			join_print(&w, err);
			rc = 1;
			break;
		}
		if (found == 0) {
			nanosleep(&tick, NULL);
			continue;
		}
		if (join_run(&w, run_id) != 0) {
			rc = 1;
			break;
		}
		snprintf(done_id, sizeof(done_id), "%s", run_id);
	}
out:
	if (w.c != NULL)
		redisFree(w.c);
	if (w.hbc != NULL)
		redisFree(w.hbc);
	return rc;
}
